"""Principal search (RFC 3744 §9.4-9.5) as Apple Calendar's Locations lookup and attendee
lookups send it, over raw HTTP read with lxml and through the `caldav` library: rooms by
name, persons by e-mail, and never what the login may not see."""

from __future__ import annotations

import caldav
import pytest

from tests.davxml import q, responses
from tests.ical import XML_TYPE
from tests.scheduling_site import MAIL_DOMAIN, build_site

PRINCIPALS = "/dav/principals/"
WANTED = """<x0:prop><x1:email-address-set/><x2:calendar-user-address-set/><x2:calendar-user-type/>
<x0:displayname/><x1:last-name/><x1:first-name/><x1:record-type/><x0:principal-URL/></x0:prop>"""


@pytest.fixture(scope="module")
def site(server):
    return build_site(server)


def apple_search(text: str, *, kind: str = "", match: str = "starts-with", extra: str = "") -> str:
    """The body Apple Calendar sends (CalendarServer's `type` attribute for Locations)."""
    searches = "".join(
        f'<x0:property-search><x0:prop><{prop}/></x0:prop><x0:match match-type="{match}">{text}</x0:match></x0:property-search>'
        for prop in ("x0:displayname", "x1:email-address-set", "x1:first-name", "x1:last-name")
    )
    kind_attr = f' type="{kind}"' if kind else ""
    return (
        '<?xml version="1.0" encoding="utf-8" ?><x0:principal-property-search xmlns:x2="urn:ietf:params:xml:ns:caldav" '
        f'xmlns:x0="DAV:" xmlns:x1="http://calendarserver.org/ns/" test="anyof"{kind_attr}>{searches}{extra}{WANTED}'
        "</x0:principal-property-search>"
    )


def search(site, body: str, path: str = PRINCIPALS, depth: str = "0"):
    r = site.login.request("REPORT", path, body, Depth=depth, **XML_TYPE)
    assert r.status_code == 207, r.text
    return responses(r.content)


def names(found) -> set[str]:
    return {
        props[q("D", "displayname")][1].text
        for props in found.values()
        if q("D", "displayname") in props
    }


def test_apple_s_locations_lookup_finds_the_rooms_it_may_see_by_name(site):
    found = search(site, apple_search(site.word.lower(), kind="ROOM"))
    assert names(found) == {site.names["room"], site.names["hours_room"]}  # not the hidden room
    room = found[f"/dav/principals/resources/{site.slugs['room']}/"]
    assert room[q("C", "calendar-user-type")][1].text == "ROOM"
    addresses = [h.text for h in room[q("C", "calendar-user-address-set")][1]]
    assert site.address("room") in addresses
    assert room[q("CS", "first-name")][0] == 404  # asked for, not kept


def test_calendar_user_type_narrows_even_under_anyof(site):
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" test="anyof">
<D:property-search><D:prop><C:calendar-user-type/></D:prop><D:match match-type="equals">room</D:match></D:property-search>
<D:property-search><D:prop><D:displayname/></D:prop><D:match>{site.word.upper()} r</D:match></D:property-search>
<D:prop><D:displayname/></D:prop></D:principal-property-search>"""
    assert names(search(site, body)) == {site.names["hours_room"]}
    everyone = search(site, apple_search(site.word, match="contains"))
    assert names(everyone) == {
        site.names["room"],
        site.names["hours_room"],
        site.names["own_person"],
    }


def test_a_search_on_the_resource_principals_finds_resources_only(site):
    found = search(site, apple_search(site.word, match="contains"), path=PRINCIPALS + "resources/")
    assert names(found) == {site.names["room"], site.names["hours_room"], site.names["own_person"]}
    by_login = apple_search(site.login.username, match="equals")
    assert search(site, by_login, path=PRINCIPALS + "resources/") == {}
    assert set(search(site, by_login)) == {site.login.principal_path}


def test_persons_by_e_mail_find_only_the_login_itself(site):
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:property-search><D:prop><C:calendar-user-address-set/></D:prop><D:match match-type="equals">mailto:{site.email.upper()}</D:match></D:property-search>
<D:prop><D:displayname/><C:calendar-user-type/></D:prop></D:principal-property-search>"""
    found = search(site, body)
    assert set(found) == {
        site.login.principal_path,
        f"/dav/principals/resources/{site.slugs['own_person']}/",
    }
    assert {p[q("C", "calendar-user-type")][1].text for p in found.values()} == {"INDIVIDUAL"}
    colleague = body.replace(site.email.upper(), site.colleague_email)
    assert search(site, colleague) == {}
    by_room_address = body.replace(
        f"mailto:{site.email.upper()}", f"{site.slugs['hidden_room']}@{MAIL_DOMAIN}"
    )
    assert search(site, by_room_address) == {}


def test_calendarserver_principal_search_as_newer_apple_calendars_send_it(site):
    def body(context: str, *tokens: str) -> str:
        searched = "".join(f"<CS:search-token>{t}</CS:search-token>" for t in tokens)
        return (
            '<?xml version="1.0" encoding="UTF-8"?><CS:calendarserver-principal-search '
            f'xmlns:CS="http://calendarserver.org/ns/" xmlns:D="DAV:" context="{context}">'
            f"{searched}<CS:limit><CS:nresults>50</CS:nresults></CS:limit>"
            '<D:prop><D:displayname/><C:calendar-user-type xmlns:C="urn:ietf:params:xml:ns:caldav"/></D:prop>'
            "</CS:calendarserver-principal-search>"
        )

    rooms = search(site, body("location", site.word.lower()))
    assert names(rooms) == {site.names["room"], site.names["hours_room"]}
    assert names(search(site, body("location", site.word, "rot"))) == {site.names["hours_room"]}
    attendees = search(site, body("attendee", site.word))
    assert names(attendees) == {
        site.names["room"],
        site.names["hours_room"],
        site.names["own_person"],
    }
    assert names(search(site, body("attendee", site.colleague_email))) == set()


def test_wildcards_are_literal_and_the_answer_is_bounded(site):
    assert search(site, apple_search("%", match="contains")) == {}
    limited = search(
        site,
        apple_search(
            site.word, match="contains", extra="<x0:limit><x0:nresults>1</x0:nresults></x0:limit>"
        ),
    )
    assert len(limited) == 2 and limited[PRINCIPALS]["status"][0] == 507


def test_search_property_set_and_apply_to_principal_collection_set(site):
    body = '<?xml version="1.0"?><D:principal-search-property-set xmlns:D="DAV:"/>'
    r = site.login.request("REPORT", PRINCIPALS, body, Depth="0", **XML_TYPE)
    assert r.status_code == 200, r.text
    assert (
        "displayname" in r.text
        and "calendar-user-address-set" in r.text
        and "calendar-user-type" in r.text
    )
    applied = apple_search(site.word, kind="ROOM", extra="<x0:apply-to-principal-collection-set/>")
    assert len(search(site, applied, path=site.login.principal_path)) == 2
    reports = site.login.request(
        "PROPFIND",
        PRINCIPALS,
        '<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/><D:principal-collection-set/></D:prop></D:propfind>',
        Depth="0",
        **XML_TYPE,
    )
    assert (
        "principal-property-search" in reports.text
        and "calendarserver-principal-search" in reports.text
        and "<D:href>/dav/principals/</D:href>" in reports.text
    )


@pytest.mark.parametrize(
    "change",
    [
        ('test="anyof"', 'test="sometimes"'),
        ('match-type="starts-with"', 'match-type="regex"'),
        ("<x0:match", "<x0:nomatch"),
    ],
)
def test_unreadable_searches_are_400(site, change):
    r = site.login.request(
        "REPORT", PRINCIPALS, apple_search("x").replace(*change), Depth="0", **XML_TYPE
    )
    assert r.status_code == 400
    assert (
        site.login.request(
            "REPORT", PRINCIPALS, apple_search("x"), Depth="1", **XML_TYPE
        ).status_code
        == 400
    )


def test_the_caldav_library_finds_rooms_and_the_own_person_by_name(site):
    client = caldav.DAVClient(
        url=site.login.url(PRINCIPALS), username=site.login.username, password=site.login.password
    )
    found = {p.get_display_name() for p in client.search_principals(name=site.word)}
    assert found == {site.names["room"], site.names["hours_room"], site.names["own_person"]}
