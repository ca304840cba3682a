"""Implicit scheduling on MOVE and when an organizer drops its ORGANIZER (RFC 6638 §3.1,
issue 16 item 2), through HTTP: a move between one calendar user's calendars tells
nobody and later messages find the moved copies; a move into another calendar user's
calendar schedules as the DELETE and PUT it amounts to; an object that stops being a
scheduling object cancels the meeting and loses its Schedule-Tag."""

from __future__ import annotations

import uuid

import pytest

from tests.scheduling_org import build_scheduling_org, forget_rooms, invitation, room_address
from tests.test_scheduling import attendee_params, inbox_messages, room_calendar

pytestmark = pytest.mark.usefixtures("server")

NOTE_SET = (
    '<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:tests"><D:set><D:prop>'
    "<X:note>kept across the move</X:note></D:prop></D:set></D:propertyupdate>"
)
NOTE_ASKED = (
    '<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:tests"><D:prop><X:note/></D:prop></D:propfind>'
)


@pytest.fixture(scope="module")
def org(server):
    organisation = build_scheduling_org(server.base_url)
    yield organisation
    forget_rooms(organisation)


def own_calendar(person) -> str:
    """A new calendar in the login's own home, beside its person's calendar."""
    path = f"/dav/calendars/{person.username}/{uuid.uuid4().hex[:8]}/"
    assert person.request("MKCALENDAR", path).status_code == 201
    return path


def move(person, source: str, destination: str):
    return person.request("MOVE", source, Destination=person.base_url + destination)


def messages_about(person, uid: str) -> list[str]:
    return [m for m in inbox_messages(person) if f"UID:{uid}" in m]


def accept(body: str, email: str) -> str:
    accepted = body.replace(
        f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{email}", f"PARTSTAT=ACCEPTED:mailto:{email}"
    )
    assert accepted != body
    return accepted


def test_moves_between_ones_own_calendars_tell_nobody_and_later_messages_follow(org):
    anna, ben = org.people["anna"], org.people["ben"]
    uid = str(uuid.uuid4())
    first = f"{anna.calendar}{uid}.ics"
    assert (
        anna.put(first, invitation(anna.email, [f"mailto:{ben.email}"], uid=uid)).status_code == 201
    )
    work = own_calendar(anna)
    assert move(anna, first, f"{work}{uid}.ics").status_code == 201
    assert anna.request("GET", first).status_code == 404
    told = messages_about(ben, uid)
    assert len(told) == 1 and "METHOD:REQUEST" in told[0]
    ben_copy = f"{ben.calendar}{uid}.ics"
    assert "CANCELLED" not in ben.get(ben_copy)

    # Ben files his copy in a calendar of his own, and accepts it there.
    ben_work = own_calendar(ben)
    assert move(ben, ben_copy, f"{ben_work}{uid}.ics").status_code == 201
    assert len(messages_about(anna, uid)) == 0  # moving it is no answer
    moved_copy = f"{ben_work}{uid}.ics"
    assert ben.put(moved_copy, accept(ben.get(moved_copy), ben.email)).status_code == 204
    params = attendee_params(anna.get(f"{work}{uid}.ics"), ben.email)[""]
    assert params["PARTSTAT"] == "ACCEPTED" and params["SCHEDULE-STATUS"] == "2.0"

    # Anna changes the time: Ben's moved copy follows, and no second copy appears.
    later = invitation(
        anna.email,
        [f"mailto:{ben.email}"],
        uid=uid,
        start="20300107T140000Z",
        end="20300107T150000Z",
    )
    assert anna.put(f"{work}{uid}.ics", later).status_code == 204
    assert "T140000Z" in ben.get(moved_copy)
    assert ben.request("GET", ben_copy).status_code == 404


def test_a_move_into_a_rooms_calendar_is_the_booking_itself(org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["free"]
    uid = str(uuid.uuid4())
    source = f"{anna.calendar}{uid}.ics"
    attendees = [room_address(slug), f"mailto:{ben.email}"]
    times = dict(start="20300610T090000Z", end="20300610T100000Z")
    assert anna.put(source, invitation(anna.email, attendees, uid=uid, **times)).status_code == 201
    room = room_calendar(anna, slug)
    assert uid in anna.get(f"{room}{uid}.ics")  # the room accepted: its copy

    # Under another name in the room's calendar: the room's copy of the invitation makes
    # way (the move cancels it) instead of clashing with the UID arriving; a property
    # the client set on the object comes along.
    assert anna.request("PROPPATCH", source, NOTE_SET).status_code == 207
    target = f"{room}booked-{uid[:8]}.ics"
    r = move(anna, source, target)
    assert r.status_code == 201, r.text
    noted = anna.request("PROPFIND", target, NOTE_ASKED, Depth="0")
    assert b">kept across the move<" in noted.content
    assert anna.request("GET", source).status_code == 404
    assert anna.request("GET", f"{room}{uid}.ics").status_code == 404
    assert uid in anna.get(target)
    told = messages_about(ben, uid)
    assert len(told) == 1 and "METHOD:REQUEST" in told[0]  # the CANCEL, then the REQUEST
    assert "CANCELLED" not in ben.get(f"{ben.calendar}{uid}.ics")


def test_an_organizer_dropping_its_organizer_calls_the_meeting_off(org):
    anna, ben = org.people["anna"], org.people["ben"]
    slug = org.rooms["free"]
    uid = str(uuid.uuid4())
    path = f"{anna.calendar}{uid}.ics"
    times = dict(start="20300710T090000Z", end="20300710T100000Z")
    attendees = [room_address(slug), f"mailto:{ben.email}"]
    assert anna.put(path, invitation(anna.email, attendees, uid=uid, **times)).status_code == 201
    stored = anna.request("GET", path)
    assert stored.headers.get("Schedule-Tag")
    plain = "".join(
        line + "\r\n"
        for line in stored.text.splitlines()
        if not line.startswith(("ORGANIZER", "ATTENDEE", " "))
    )
    r = anna.put(path, plain, **{"If-Match": stored.headers["ETag"]})
    assert r.status_code == 204, r.text
    assert "Schedule-Tag" not in r.headers
    again = anna.request("GET", path)
    assert again.status_code == 200 and "Schedule-Tag" not in again.headers
    told = messages_about(ben, uid)
    assert len(told) == 1 and "METHOD:CANCEL" in told[0]
    assert "STATUS:CANCELLED" in ben.get(f"{ben.calendar}{uid}.ics")
    assert anna.request("GET", f"{room_calendar(anna, slug)}{uid}.ics").status_code == 404
