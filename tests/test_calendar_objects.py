"""Calendar object resources: PUT validation and preconditions, GET/HEAD, DELETE, MOVE
(RFC 4791 §5.3.2, RFC 9110 §13)."""

from __future__ import annotations

import threading

import pytest

from tests.davxml import error_condition, hrefs_in, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event, todo


@pytest.fixture
def calendar(login):
    path = login.home_path + "cal/"
    assert login.request("MKCALENDAR", path).status_code == 201
    return path


def test_put_get_update_delete_cycle(login, calendar):
    body = event(summary="First")
    created = login.request("PUT", calendar + "a.ics", body, **CALENDAR_TYPE)
    assert created.status_code == 201
    etag = created.headers["ETag"]
    fetched = login.request("GET", calendar + "a.ics")
    assert fetched.status_code == 200 and fetched.content == body.encode()
    assert fetched.headers["ETag"] == etag
    assert fetched.headers["Content-Type"].startswith("text/calendar")
    assert "Last-Modified" in fetched.headers
    head = login.request("HEAD", calendar + "a.ics")
    assert head.status_code == 200 and head.headers["ETag"] == etag and not head.content
    updated = login.request(
        "PUT", calendar + "a.ics", body.replace("First", "Second"), If_Match=etag, **CALENDAR_TYPE
    )
    assert updated.status_code == 204 and updated.headers["ETag"] != etag
    assert (
        login.request("DELETE", calendar + "a.ics", If_Match=updated.headers["ETag"]).status_code
        == 204
    )
    assert login.request("GET", calendar + "a.ics").status_code == 404


def test_todo_is_stored(login, calendar):
    assert login.request("PUT", calendar + "t.ics", todo(), **CALENDAR_TYPE).status_code == 201


def test_if_match_on_missing_resource_is_412(login, calendar):
    for tag in ('"abc"', "*"):
        r = login.request("PUT", calendar + "missing.ics", event(), If_Match=tag, **CALENDAR_TYPE)
        assert r.status_code == 412
    assert login.request("GET", calendar + "missing.ics").status_code == 404


def test_if_none_match_star_on_existing_is_412(login, calendar):
    body = event()
    assert (
        login.request(
            "PUT", calendar + "x.ics", body, If_None_Match="*", **CALENDAR_TYPE
        ).status_code
        == 201
    )
    assert (
        login.request(
            "PUT", calendar + "x.ics", body, If_None_Match="*", **CALENDAR_TYPE
        ).status_code
        == 412
    )


def test_wrong_if_match_is_412_and_keeps_data(login, calendar):
    body = event(summary="Keep")
    login.request("PUT", calendar + "k.ics", body, **CALENDAR_TYPE)
    r = login.request(
        "PUT", calendar + "k.ics", event(summary="Lose"), If_Match='"stale"', **CALENDAR_TYPE
    )
    assert r.status_code == 412
    assert login.request("GET", calendar + "k.ics").content == body.encode()
    assert login.request("DELETE", calendar + "k.ics", If_Match='"stale"').status_code == 412
    assert login.request("GET", calendar + "k.ics").status_code == 200


def test_weak_etag_does_not_match(login, calendar):
    etag = login.request("PUT", calendar + "w.ics", event(), **CALENDAR_TYPE).headers["ETag"]
    r = login.request("PUT", calendar + "w.ics", event(), If_Match="W/" + etag, **CALENDAR_TYPE)
    assert r.status_code == 412


def test_concurrent_puts_with_same_if_match_only_one_wins(login, calendar):
    etag = login.request("PUT", calendar + "race.ics", event(uid="race"), **CALENDAR_TYPE).headers[
        "ETag"
    ]
    statuses = []
    barrier = threading.Barrier(6)

    def writer(n):
        barrier.wait()
        r = login.request(
            "PUT",
            calendar + "race.ics",
            event(uid="race", summary=f"writer {n}"),
            If_Match=etag,
            **CALENDAR_TYPE,
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [204] + [412] * 5


def test_same_uid_twice_in_one_calendar_is_no_uid_conflict(login, calendar):
    login.request("PUT", calendar + "one.ics", event(uid="dup"), **CALENDAR_TYPE)
    r = login.request("PUT", calendar + "two.ics", event(uid="dup"), **CALENDAR_TYPE)
    assert r.status_code == 403
    assert error_condition(r.content) == q("C", "no-uid-conflict")
    from lxml import etree

    assert hrefs_in(etree.fromstring(r.content)) == [calendar + "one.ics"]
    assert login.request("GET", calendar + "two.ics").status_code == 404


def test_wrong_content_type_is_415_with_supported_calendar_data(login, calendar):
    r = login.request("PUT", calendar + "a.ics", event(), Content_Type="text/plain")
    assert r.status_code == 415
    assert error_condition(r.content) == q("C", "supported-calendar-data")


@pytest.mark.parametrize(
    "body, condition",
    [
        ("this is not icalendar", "valid-calendar-data"),
        ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n", "valid-calendar-data"),
        (
            event(uid="a").replace(
                "END:VCALENDAR",
                "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n"
                "DTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
            ),
            "valid-calendar-object-resource",
        ),
        (
            event().replace("VERSION:2.0", "VERSION:2.0\r\nMETHOD:REQUEST"),
            "valid-calendar-object-resource",
        ),
        (event().replace("SUMMARY", "DURATION:PT1H\r\nSUMMARY"), "valid-calendar-object-resource"),
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n",
            "valid-calendar-object-resource",
        ),
        (event().replace("UID:", "X-NOT-UID:"), "valid-calendar-object-resource"),
    ],
    ids=[
        "garbage",
        "truncated",
        "two-uids",
        "method",
        "dtend-and-duration",
        "no-components",
        "no-uid",
    ],
)
def test_invalid_calendar_data_is_refused_with_precondition(login, calendar, body, condition):
    r = login.request("PUT", calendar + "bad.ics", body, **CALENDAR_TYPE)
    assert r.status_code == 403, r.text
    assert error_condition(r.content) == q("C", condition)
    assert b"message" in r.content
    assert login.request("GET", calendar + "bad.ics").status_code == 404


def test_object_larger_than_max_resource_size(server, login, calendar):
    limit = server.settings.max_resource_size
    big = event(
        extra="DESCRIPTION:" + "x" * 70 + "\r\n " + ("y" * 70 + "\r\n ") * (limit // 72) + "z\r\n"
    )
    r = login.request("PUT", calendar + "big.ics", big, **CALENDAR_TYPE)
    assert r.status_code == 403
    assert error_condition(r.content) == q("C", "max-resource-size")


def test_get_of_calendar_collection_exports_all_events(login, calendar):
    login.request("PUT", calendar + "a.ics", event(summary="Alpha"), **CALENDAR_TYPE)
    login.request("PUT", calendar + "b.ics", event(summary="Beta"), **CALENDAR_TYPE)
    r = login.request("GET", calendar)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    assert r.text.count("BEGIN:VEVENT") == 2 and "Alpha" in r.text and "Beta" in r.text


def test_move_between_calendars_of_the_same_home(login, calendar):
    other = login.home_path + "other/"
    login.request("MKCALENDAR", other)
    body = event()
    login.request("PUT", calendar + "m.ics", body, **CALENDAR_TYPE)
    r = login.request("MOVE", calendar + "m.ics", Destination=login.url(other + "m.ics"))
    assert r.status_code == 201
    assert login.request("GET", calendar + "m.ics").status_code == 404
    assert login.request("GET", other + "m.ics").content == body.encode()


def test_move_onto_existing_honours_overwrite(login, calendar):
    login.request("PUT", calendar + "a.ics", event(), **CALENDAR_TYPE)
    login.request("PUT", calendar + "b.ics", event(), **CALENDAR_TYPE)
    no = login.request(
        "MOVE", calendar + "a.ics", Destination=login.url(calendar + "b.ics"), Overwrite="F"
    )
    assert no.status_code == 412
    yes = login.request("MOVE", calendar + "a.ics", Destination=login.url(calendar + "b.ics"))
    assert yes.status_code == 204


def test_move_into_another_login_home_is_refused(login, other_login, calendar):
    login.request("PUT", calendar + "a.ics", event(), **CALENDAR_TYPE)
    other_login.request("MKCALENDAR", other_login.home_path + "cal/")
    r = login.request(
        "MOVE", calendar + "a.ics", Destination=login.url(other_login.home_path + "cal/a.ics")
    )
    assert r.status_code in (403, 409)
    assert login.request("GET", calendar + "a.ics").status_code == 200


def test_depth_1_listing_gives_etags_of_members(login, calendar):
    etag = login.request("PUT", calendar + "a.ics", event(), **CALENDAR_TYPE).headers["ETag"]
    r = login.request(
        "PROPFIND", calendar, propfind_body("D:getetag", "D:getcontenttype"), Depth="1", **XML_TYPE
    )
    found = responses(r.content)
    assert found[calendar + "a.ics"][q("D", "getetag")][1].text == etag


def test_other_login_cannot_read_or_write_objects(login, other_login, calendar):
    login.request("PUT", calendar + "a.ics", event(), **CALENDAR_TYPE)
    assert other_login.request("GET", calendar + "a.ics").status_code == 404
    assert other_login.request("PUT", calendar + "b.ics", event(), **CALENDAR_TYPE).status_code in (
        404,
        409,
    )
    assert other_login.request("DELETE", calendar + "a.ics").status_code == 404
    assert login.request("GET", calendar + "a.ics").status_code == 200


def test_conditional_get_answers_304_with_the_etag(login, calendar):
    etag = login.request("PUT", calendar + "c.ics", event(), **CALENDAR_TYPE).headers["ETag"]
    r = login.request("GET", calendar + "c.ics", If_None_Match=etag)
    assert r.status_code == 304 and r.headers["ETag"] == etag
    assert login.request("GET", calendar + "c.ics", If_None_Match='"other"').status_code == 200
