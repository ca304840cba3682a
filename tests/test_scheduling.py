"""Implicit scheduling and room booking (RFC 6638, issue 16 items 1-3, 6), through HTTP as
clients do it: raw iTIP over PUT/DELETE, and the `caldav` library."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import caldav
import icalendar
import pytest

from tests.davxml import propfind_body, q, responses
from tests.logins import signed_in_session
from tests.scheduling_org import (
    ACCOUNT_PASSWORD,
    build_scheduling_org,
    forget_rooms,
    invitation,
    room_address,
)

XML = {"Content-Type": "application/xml", "Depth": "0"}


@pytest.fixture(scope="module")
def org(server):
    organisation = build_scheduling_org(server.base_url)
    yield organisation
    forget_rooms(organisation)


def attendee_params(body: str, address_part: str) -> dict[str, dict[str, str]]:
    """PARTSTAT and SCHEDULE-STATUS of one attendee per component ("" for the master)."""
    found = {}
    for component in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        rid = component.get("RECURRENCE-ID")
        key = "" if rid is None else rid.dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        attendees = component.get("ATTENDEE")
        for attendee in attendees if isinstance(attendees, list) else [attendees]:
            if address_part in str(attendee).lower():
                found[key] = {k: str(v) for k, v in attendee.params.items()}
    return found


def room_calendar(person, slug: str) -> str:
    return f"/dav/calendars/{person.username}/{slug}/"


def book(person, room_slug: str, **times) -> tuple[str, str]:
    """The person invites the room; (the organizer's object path, its stored body)."""
    uid = str(uuid.uuid4())
    path = f"{person.calendar}{uid}.ics"
    r = person.put(path, invitation(person.email, [room_address(room_slug)], uid=uid, **times))
    assert r.status_code == 201, (r.status_code, r.text)
    assert r.headers.get("Schedule-Tag"), r.headers
    return path, person.get(path)


def test_principals_inbox_outbox_and_auto_schedule(server, org):
    anna = org.people["anna"]
    options = anna.request("OPTIONS", "/dav/")
    assert "calendar-auto-schedule" in options.headers["DAV"]
    r = anna.request(
        "PROPFIND",
        f"/dav/principals/{anna.username}/",
        propfind_body(
            "C:schedule-inbox-URL",
            "C:schedule-outbox-URL",
            "C:calendar-user-address-set",
            "C:schedule-default-calendar-URL",
        ),
        **XML,
    )
    props = responses(r.content)[f"/dav/principals/{anna.username}/"]
    inbox = props[q("C", "schedule-inbox-URL")][1].findtext("D:href", namespaces={"D": "DAV:"})
    outbox = props[q("C", "schedule-outbox-URL")][1].findtext("D:href", namespaces={"D": "DAV:"})
    addresses = [e.text for e in props[q("C", "calendar-user-address-set")][1]]
    assert f"mailto:{anna.email}" in addresses
    assert props[q("C", "schedule-default-calendar-URL")][1][0].text == anna.calendar
    for url, kind in ((inbox, "schedule-inbox"), (outbox, "schedule-outbox")):
        r = anna.request("PROPFIND", url, propfind_body("D:resourcetype"), **XML)
        assert r.status_code == 207, url
        assert responses(r.content)[url][q("D", "resourcetype")][1].find(q("C", kind)) is not None
    room = f"/dav/principals/resources/{org.rooms['free']}/"
    r = anna.request(
        "PROPFIND",
        room,
        propfind_body(
            "C:calendar-user-type",
            "C:calendar-user-address-set",
            "C:calendar-home-set",
            "D:displayname",
        ),
        **XML,
    )
    props = responses(r.content)[room]
    assert props[q("C", "calendar-user-type")][1].text == "ROOM"
    addresses = [e.text for e in props[q("C", "calendar-user-address-set")][1]]
    assert room_address(org.rooms["free"]) in addresses
    assert any(a.startswith("urn:uuid:") for a in addresses)
    home = props[q("C", "calendar-home-set")][1][0].text
    listing = anna.request("PROPFIND", home, propfind_body("D:resourcetype"), Depth="1")
    calendars = [h for h, p in responses(listing.content).items() if h != home]
    assert len(calendars) == 1
    hidden = anna.request(
        "PROPFIND",
        f"/dav/principals/resources/{org.rooms['hidden']}/",
        propfind_body("D:displayname"),
        **XML,
    )
    assert hidden.status_code == 404


def test_free_room_accepts_and_taken_room_declines_naming_the_time(server, org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["free"]
    times = dict(start="20300110T090000Z", end="20300110T100000Z")
    path, body = book(anna, slug, **times)
    room = attendee_params(body, slug)[""]
    assert room["PARTSTAT"] == "ACCEPTED" and room["SCHEDULE-STATUS"] == "1.2"
    uid = path.rsplit("/", 1)[1][:-4]
    assert uid in anna.get(room_calendar(anna, slug) + f"{uid}.ics")
    path, body = book(ben, slug, start="20300110T093000Z", end="20300110T103000Z")
    assert attendee_params(body, slug)[""]["PARTSTAT"] == "DECLINED"
    reply = inbox_message(ben, uid_of(path))
    assert "METHOD:REPLY" in reply and "10.01.2030 10:00" in reply and "Team meeting" not in reply


def inbox_message(person, uid: str) -> str:
    """The one message about `uid` in the person's inbox (a newer one replaces the older)."""
    found = [m for m in inbox_messages(person) if f"UID:{uid}" in m]
    assert len(found) == 1, found
    return found[0]


def uid_of(path: str) -> str:
    return path.rsplit("/", 1)[1][:-4]


def inbox_messages(person) -> list[str]:
    inbox = f"/dav/calendars/{person.username}/inbox/"
    r = person.request("PROPFIND", inbox, propfind_body("D:getetag"), Depth="1")
    found = sorted(h for h in responses(r.content) if h != inbox)
    return [person.get(h) for h in found]


def test_weekly_series_with_one_collision_declines_that_instance_only(server, org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["free"]
    book(ben, slug, start="20300219T093000Z", end="20300219T100000Z")  # in the third week
    uid = str(uuid.uuid4())
    path = f"{anna.calendar}{uid}.ics"
    body = invitation(
        anna.email,
        [room_address(slug)],
        uid=uid,
        start="20300205T090000Z",
        end="20300205T100000Z",
        extra="RRULE:FREQ=WEEKLY;COUNT=5\r\n",
    )
    assert anna.put(path, body).status_code == 201
    params = attendee_params(anna.get(path), slug)
    assert params[""]["PARTSTAT"] == "ACCEPTED"
    assert params["20300219T090000Z"]["PARTSTAT"] == "DECLINED"
    assert len(params) == 2
    copy = icalendar.Calendar.from_ical(anna.get(room_calendar(anna, slug) + f"{uid}.ics"))
    excluded = [d.dt for e in [copy.walk("VEVENT")[0]["EXDATE"]] for d in e.dts]
    assert [d.astimezone(UTC) for d in excluded] == [datetime(2030, 2, 19, 9, tzinfo=UTC)]
    reply = inbox_message(anna, uid)
    assert "RECURRENCE-ID" in reply and "PARTSTAT=DECLINED" in reply and "19.02.2030 10:30" in reply


def test_capacity_two_takes_two_bookings_at_once_not_three(server, org):
    slug = org.rooms["pair"]
    times = dict(start="20300301T090000Z", end="20300301T100000Z")
    answers = [
        attendee_params(book(org.people[who], slug, **times)[1], slug)[""]["PARTSTAT"]
        for who in ("anna", "ben", "dora")
    ]
    assert answers == ["ACCEPTED", "ACCEPTED", "DECLINED"]
    # Back to back with the two, never three at one moment: fits.
    _, body = book(org.people["anna"], slug, start="20300301T100000Z", end="20300301T110000Z")
    assert attendee_params(body, slug)[""]["PARTSTAT"] == "ACCEPTED"


def test_booking_window_and_closed_room(server, org):
    anna = org.people["anna"]
    slug = org.rooms["window"]
    soon = (datetime.now(UTC) + timedelta(days=7)).replace(hour=9, minute=0, second=0)
    inside = dict(start=f"{soon:%Y%m%dT%H%M%SZ}", end=f"{soon + timedelta(hours=1):%Y%m%dT%H%M%SZ}")
    assert attendee_params(book(anna, slug, **inside)[1], slug)[""]["PARTSTAT"] == "ACCEPTED"
    path, body = book(anna, slug, start="20300401T090000Z", end="20300401T100000Z")
    assert attendee_params(body, slug)[""]["PARTSTAT"] == "DECLINED"
    assert "30 days ahead" in inbox_message(anna, uid_of(path)).replace("\r\n ", "")
    _, body = book(anna, org.rooms["closed"], start="20300401T090000Z", end="20300401T100000Z")
    assert attendee_params(body, org.rooms["closed"])[""]["PARTSTAT"] == "DECLINED"


def test_a_login_that_cannot_see_a_room_cannot_book_it(server, org):
    anna = org.people["anna"]
    slug = org.rooms["hidden"]
    path, body = book(anna, slug)
    params = attendee_params(body, slug)[""]
    assert params["SCHEDULE-STATUS"] == "3.8" and params["PARTSTAT"] == "NEEDS-ACTION"
    # Someone elsewhere: the client's business.
    uid = str(uuid.uuid4())
    anna.put(
        f"{anna.calendar}{uid}.ics",
        invitation(anna.email, ["mailto:someone@elsewhere.example"], uid=uid),
    )
    assert (
        attendee_params(anna.get(f"{anna.calendar}{uid}.ics"), "elsewhere")[""]["SCHEDULE-STATUS"]
        == "5.3"
    )


def test_cancel_by_the_organizer_frees_the_room(server, org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["free"]
    times = dict(start="20300501T090000Z", end="20300501T100000Z")
    path, _ = book(anna, slug, **times)
    uid = path.rsplit("/", 1)[1][:-4]
    assert anna.request("DELETE", path).status_code == 204
    assert anna.request("GET", room_calendar(anna, slug) + f"{uid}.ics").status_code == 404
    assert attendee_params(book(ben, slug, **times)[1], slug)[""]["PARTSTAT"] == "ACCEPTED"


def test_person_attendee_replies_and_schedule_tag_guards_its_copy(server, org):
    anna, ben = org.people["anna"], org.people["ben"]
    uid = str(uuid.uuid4())
    path = f"{anna.calendar}{uid}.ics"
    assert (
        anna.put(path, invitation(anna.email, [f"mailto:{ben.email}"], uid=uid)).status_code == 201
    )
    assert attendee_params(anna.get(path), ben.email)[""]["SCHEDULE-STATUS"] == "1.2"
    ben_copy = f"{ben.calendar}{uid}.ics"
    first = ben.request("GET", ben_copy)
    assert first.status_code == 200 and "SCHEDULE-STATUS" not in first.text
    assert any("METHOD:REQUEST" in m and uid in m for m in inbox_messages(ben))
    tag = first.headers["Schedule-Tag"]
    # The organizer moves it: Ben's copy changes, and so does its Schedule-Tag.
    moved = invitation(
        anna.email,
        [f"mailto:{ben.email}"],
        uid=uid,
        start="20300107T110000Z",
        end="20300107T120000Z",
    )
    assert anna.put(path, moved).status_code == 204
    accepted = first.text.replace(
        f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{ben.email}",
        f"PARTSTAT=ACCEPTED:mailto:{ben.email}",
    )
    assert accepted != first.text
    stale = ben.put(ben_copy, accepted, **{"If-Schedule-Tag-Match": tag})
    assert stale.status_code == 412
    fresh = ben.request("GET", ben_copy)
    assert fresh.headers["Schedule-Tag"] != tag and "T110000Z" in fresh.text
    accepted = fresh.text.replace(
        f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{ben.email}",
        f"PARTSTAT=ACCEPTED:mailto:{ben.email}",
    )
    r = ben.put(ben_copy, accepted, **{"If-Schedule-Tag-Match": fresh.headers["Schedule-Tag"]})
    assert r.status_code == 204, r.text
    organizer_copy = anna.request("GET", path)
    params = attendee_params(organizer_copy.text, ben.email)[""]
    assert params["PARTSTAT"] == "ACCEPTED" and params["SCHEDULE-STATUS"] == "2.0"
    assert any("METHOD:REPLY" in m and uid in m for m in inbox_messages(anna))


def test_manual_room_waits_for_its_delegate(server, org):
    anna, ben, dora = org.people["anna"], org.people["ben"], org.people["dora"]
    slug = org.rooms["manual"]
    path, body = book(anna, slug, start="20300601T090000Z", end="20300601T100000Z")
    assert attendee_params(body, slug)[""]["PARTSTAT"] == "NEEDS-ACTION"
    delegate = signed_in_session(dora.account_login, ACCOUNT_PASSWORD)
    stranger = signed_in_session(ben.account_login, ACCOUNT_PASSWORD)
    api = server.base_url + "/api/v1"
    waiting = delegate.get(f"{api}/bookings").json()["items"]
    mine = [w for w in waiting if w["resource"] == slug]
    assert len(mine) == 1 and mine[0]["summary"] == "Team meeting"
    assert stranger.get(f"{api}/bookings").json()["items"] == []
    refused = stranger.post(f"{api}/bookings/{mine[0]['id']}/accept", json={})
    assert refused.status_code == 404
    r = delegate.post(f"{api}/bookings/{mine[0]['id']}/accept", json={})
    assert r.status_code == 200, r.text
    params = attendee_params(anna.get(path), slug)[""]
    assert params["PARTSTAT"] == "ACCEPTED"
    assert "Accepted by" in inbox_message(anna, uid_of(path)).replace("\r\n ", "")
    assert delegate.get(f"{api}/bookings").json()["items"] == [
        w for w in delegate.get(f"{api}/bookings").json()["items"] if w["resource"] != slug
    ]


def test_booking_policy_api_validates_and_audits(server, org, admin):
    slug = org.rooms["free"]
    assert admin.get(f"/resources/{slug}/booking-policy").json()["mode"] == "accept_if_free"
    r = admin.put(f"/resources/{slug}/booking-policy", {"capacity": 0})
    assert r.status_code == 422 and r.json()["field"] == "capacity"
    r = admin.put(f"/resources/{org.rooms['closed']}/booking-policy", {"window_days": 90})
    assert r.status_code == 200 and r.json()["mode"] == "always_decline"
    assert r.json()["window_days"] == 90
    entries = admin.get("/audit", params={"action": "resource.booking_policy"}).json()["items"]
    assert any(e["target"] == org.rooms["closed"] and e["actor"] == admin.login for e in entries)
    person = signed_in_session(org.people["ben"].account_login, ACCOUNT_PASSWORD)
    assert (
        person.get(f"{server.base_url}/api/v1/resources/{slug}/booking-policy").status_code == 403
    )


def test_caldav_library_invites_a_room_and_a_colleague_who_accepts(server, org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["pair"]
    with caldav.DAVClient(
        url=server.base_url + "/", username=anna.username, password=anna.password
    ) as dav:
        principal = dav.principal()
        assert f"mailto:{anna.email}" in principal.calendar_user_address_set()
        calendar = next(c for c in principal.calendars() if str(c.url).endswith(f"/{anna.slug}/"))
        uid = str(uuid.uuid4())
        ical = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20300701T090000Z\r\n"
            "DTEND:20300701T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        calendar.save_with_invites(ical, attendees=[f"mailto:{ben.email}", room_address(slug)])
        stored = calendar.event_by_uid(uid)
        stored.load()
        assert attendee_params(stored.data, slug)[""]["PARTSTAT"] == "ACCEPTED"
    with caldav.DAVClient(
        url=server.base_url + "/", username=ben.username, password=ben.password
    ) as dav:
        invites = [
            i for i in dav.principal().schedule_inbox().get_items() if uid in (i.load().data or "")
        ]
        assert len(invites) == 1 and invites[0].is_invite_request()
        invites[0].accept_invite()
    params = attendee_params(anna.get(f"{anna.calendar}{uid}.ics"), ben.email)[""]
    assert params["PARTSTAT"] == "ACCEPTED"
