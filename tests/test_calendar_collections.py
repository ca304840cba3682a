"""Calendar collections: MKCALENDAR, extended MKCOL, PROPPATCH, DELETE, Depth 1 cost (RFC 4791 §5, RFC 5689)."""

from __future__ import annotations

import threading

from tests.davxml import error_condition, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event

MKCALENDAR_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/">
  <D:set><D:prop>
    <D:displayname>Team</D:displayname>
    <C:calendar-description>Shared team calendar</C:calendar-description>
    <A:calendar-color>#FF0000FF</A:calendar-color>
    <A:calendar-order>3</A:calendar-order>
    <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""


def props_of(login, path, *names):
    r = login.request("PROPFIND", path, propfind_body(*names), Depth="0", **XML_TYPE)
    assert r.status_code == 207, r.text
    return responses(r.content)[path]


def test_mkcalendar_with_properties(login):
    path = login.home_path + "team/"
    r = login.request("MKCALENDAR", path, MKCALENDAR_BODY, **XML_TYPE)
    assert r.status_code == 201
    props = props_of(
        login,
        path,
        "D:displayname",
        "C:calendar-description",
        "A:calendar-color",
        "A:calendar-order",
        "C:supported-calendar-component-set",
        "D:resourcetype",
    )
    assert props[q("D", "displayname")][1].text == "Team"
    assert props[q("C", "calendar-description")][1].text == "Shared team calendar"
    assert props[q("A", "calendar-color")][1].text == "#FF0000FF"
    assert props[q("A", "calendar-order")][1].text == "3"
    comps = [c.get("name") for c in props[q("C", "supported-calendar-component-set")][1]]
    assert comps == ["VTODO"]
    assert props[q("D", "resourcetype")][1].find(q("C", "calendar")) is not None
    refused = login.request("PUT", path + "e.ics", event(), **CALENDAR_TYPE)
    assert refused.status_code == 403
    assert error_condition(refused.content) == q("C", "supported-calendar-component")


def test_mkcalendar_on_existing_url_is_405(login):
    assert login.request("MKCALENDAR", login.home_path + "a/").status_code == 201
    again = login.request("MKCALENDAR", login.home_path + "a/")
    assert again.status_code == 405
    assert error_condition(again.content) == q("D", "resource-must-be-null")


def test_mkcalendar_with_missing_parent_is_409(login):
    assert login.request("MKCALENDAR", login.home_path + "missing/cal/").status_code == 409


def test_mkcalendar_inside_a_calendar_is_refused(login):
    login.request("MKCALENDAR", login.home_path + "outer/")
    r = login.request("MKCALENDAR", login.home_path + "outer/inner/")
    assert r.status_code == 403


def test_extended_mkcol_creates_a_calendar(login):
    body = b"""<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
      <D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Via MKCOL</D:displayname>
    </D:prop></D:set></D:mkcol>"""
    path = login.home_path + "viamkcol/"
    assert login.request("MKCOL", path, body, **XML_TYPE).status_code == 201
    props = props_of(login, path, "D:resourcetype", "D:displayname")
    assert props[q("D", "resourcetype")][1].find(q("C", "calendar")) is not None
    assert props[q("D", "displayname")][1].text == "Via MKCOL"


def test_proppatch_writable_properties_and_dead_properties(login):
    path = login.home_path + "p/"
    login.request("MKCALENDAR", path)
    body = b"""<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/" xmlns:X="urn:example:x">
      <D:set><D:prop><D:displayname>Renamed</D:displayname><A:calendar-color>#00FF00</A:calendar-color>
      <X:custom>kept <X:b>as is</X:b></X:custom></D:prop></D:set></D:propertyupdate>"""
    r = login.request("PROPPATCH", path, body, **XML_TYPE)
    assert r.status_code == 207
    assert all(status == 200 for status, _ in responses(r.content)[path].values())
    props = props_of(login, path, "D:displayname", "A:calendar-color")
    assert props[q("D", "displayname")][1].text == "Renamed"
    custom = login.request(
        "PROPFIND",
        path,
        b'<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:x"><D:prop><X:custom/></D:prop></D:propfind>',
        Depth="0",
        **XML_TYPE,
    )
    element = responses(custom.content)[path]["{urn:example:x}custom"][1]
    assert element.text == "kept " and element[0].text == "as is"


def test_proppatch_of_protected_property_is_403(login):
    path = login.home_path + "prot/"
    login.request("MKCALENDAR", path)
    body = b"""<D:propertyupdate xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:set><D:prop>
      <CS:getctag>x</CS:getctag></D:prop></D:set></D:propertyupdate>"""
    r = login.request("PROPPATCH", path, body, **XML_TYPE)
    assert r.status_code == 207
    assert responses(r.content)[path][q("CS", "getctag")][0] == 403
    assert b"cannot-modify-protected-property" in r.content


def test_proppatch_invalid_calendar_timezone_is_refused(login):
    path = login.home_path + "tz/"
    login.request("MKCALENDAR", path)
    body = b"""<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
      <C:calendar-timezone>not a timezone</C:calendar-timezone></D:prop></D:set></D:propertyupdate>"""
    r = login.request("PROPPATCH", path, body, **XML_TYPE)
    assert responses(r.content)[path][q("C", "calendar-timezone")][0] == 403


def test_ctag_and_sync_token_change_on_every_change_and_only_then(login):
    path = login.home_path + "ctag/"
    login.request("MKCALENDAR", path)

    def tags():
        props = props_of(login, path, "CS:getctag", "D:sync-token")
        return props[q("CS", "getctag")][1].text, props[q("D", "sync-token")][1].text

    first = tags()
    assert tags() == first
    login.request("PUT", path + "a.ics", event(), **CALENDAR_TYPE)
    second = tags()
    assert second != first and tags() == second
    login.request("DELETE", path + "a.ics")
    assert tags() != second


def test_delete_calendar_removes_it_and_its_objects(login):
    path = login.home_path + "gone/"
    login.request("MKCALENDAR", path)
    login.request("PUT", path + "a.ics", event(), **CALENDAR_TYPE)
    assert login.request("DELETE", path).status_code == 204
    assert login.request("GET", path + "a.ics").status_code == 404
    assert (
        login.request(
            "PROPFIND", path, propfind_body("D:resourcetype"), Depth="0", **XML_TYPE
        ).status_code
        == 404
    )


def test_depth_1_propfind_costs_constant_queries(login):
    from resources.store.database import database_proxy

    path = login.home_path + "many/"
    login.request("MKCALENDAR", path)
    counts = []
    for n in (3, 30):
        while (
            len(
                responses(
                    login.request(
                        "PROPFIND", path, propfind_body("D:getetag"), Depth="1", **XML_TYPE
                    ).content
                )
            )
            - 1
            < n
        ):
            login.request(
                "PUT",
                f"{path}{threading.get_ident()}-{len(counts)}-{n}-{_next()}.ics",
                event(),
                **CALENDAR_TYPE,
            )
        counts.append(
            _count_queries(
                database_proxy,
                lambda: login.request(
                    "PROPFIND",
                    path,
                    propfind_body("D:getetag", "D:getcontenttype", "D:resourcetype"),
                    Depth="1",
                    **XML_TYPE,
                ),
            )
        )
    assert counts[0] == counts[1], counts


_counter = iter(range(10**6))


def _next() -> int:
    return next(_counter)


def _count_queries(proxy, action) -> int:
    database = proxy.obj
    original = database.execute_sql
    seen = []

    def counting(sql, *args, **kwargs):
        seen.append(sql)
        return original(sql, *args, **kwargs)

    database.execute_sql = counting
    try:
        action()
    finally:
        database.execute_sql = original
    return len(seen)
