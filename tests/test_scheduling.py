"""Implicit scheduling and room booking (RFC 6638, issue 16 items 1-3, 6), through HTTP as
clients do it: raw iTIP over PUT/DELETE, and the `caldav` library."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import caldav
import icalendar
import pytest

from tests.davxml import propfind_body, q, responses
from tests.scheduling_org import build_scheduling_org, forget_rooms, invitation, room_address

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
            "C:schedule-inbox-URL", "C:schedule-outbox-URL", "C:calendar-user-address-set",
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
        "PROPFIND", room,
        propfind_body("C:calendar-user-type", "C:calendar-user-address-set", "C:calendar-home-set", "D:displayname"),
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
        "PROPFIND", f"/dav/principals/resources/{org.rooms['hidden']}/", propfind_body("D:displayname"), **XML
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
    _, body = book(ben, slug, start="20300110T093000Z", end="20300110T103000Z")
    assert attendee_params(body, slug)[""]["PARTSTAT"] == "DECLINED"
    reply = inbox_messages(ben)[-1]
    assert "METHOD:REPLY" in reply and "10.01.2030 10:00" in reply and "Team meeting" not in reply


def inbox_messages(person) -> list[str]:
    inbox = f"/dav/calendars/{person.username}/inbox/"
    r = person.request("PROPFIND", inbox, propfind_body("D:getetag"), Depth="1")
    found = sorted(h for h in responses(r.content) if h != inbox)
    return [person.get(h) for h in found]
