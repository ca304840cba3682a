"""Free-busy over the scheduling outbox (RFC 6638 §5) and branch opening hours as
VAVAILABILITY (RFC 7953): raw iTIP POSTs read with lxml, the `caldav` library's
freebusy_request, the free-busy-query REPORT of a room whose branch has opening hours,
and the opening hours in the JSON API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import caldav
import icalendar
import pytest
from lxml import etree

from tests.davxml import NS, error_condition
from tests.ical import CALENDAR_TYPE, XML_TYPE, event
from tests.scheduling_site import HOURS, build_site

# Friday 5 March 2027 to Sunday 7 March (Berlin is on CET, UTC+1).
START, END = "20270305T000000Z", "20270307T000000Z"
BUSY_UID = str(uuid.uuid4())
ROOM_EVENTS = {
    "busy.ics": event(uid=BUSY_UID, start="20270305T100000Z", end="20270305T110000Z"),
    "tentative.ics": event(
        start="20270305T120000Z", end="20270305T130000Z", extra="STATUS:TENTATIVE\r\n"
    ),
    "transparent.ics": event(
        start="20270305T140000Z", end="20270305T150000Z", extra="TRANSP:TRANSPARENT\r\n"
    ),
    "cancelled.ics": event(
        start="20270305T160000Z", end="20270305T170000Z", extra="STATUS:CANCELLED\r\n"
    ),
    "later.ics": event(start="20270401T100000Z", end="20270401T110000Z"),
    "weekly.ics": event(
        start="20270219T180000Z", end="20270219T190000Z", extra="RRULE:FREQ=WEEKLY;COUNT=10\r\n"
    ),
}


@pytest.fixture(scope="module")
def site(server):
    site = build_site(server)
    login = site.login
    for name, body in ROOM_EVENTS.items():
        assert (
            login.request(
                "PUT", site.calendar_path("room") + name, body, **CALENDAR_TYPE
            ).status_code
            == 201
        )
    person_event = event(start="20270306T090000Z", end="20270306T100000Z")
    assert (
        login.request(
            "PUT", site.calendar_path("own_person") + "p.ics", person_event, **CALENDAR_TYPE
        ).status_code
        == 201
    )
    hours_event = event(start="20270305T090000Z", end="20270305T100000Z")
    assert (
        login.request(
            "PUT", site.calendar_path("hours_room") + "h.ics", hours_event, **CALENDAR_TYPE
        ).status_code
        == 201
    )
    return site


def request_body(
    site, *attendees: str, organizer: str | None = None, start=START, end=END, extra=()
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//tests//EN",
        "METHOD:REQUEST",
        "BEGIN:VFREEBUSY",
        f"UID:{uuid.uuid4()}",
        "DTSTAMP:20270301T000000Z",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"ORGANIZER:{organizer or 'mailto:' + site.email}",
        *(f"ATTENDEE:{a}" for a in attendees),
        *extra,
        "END:VFREEBUSY",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def post(site, body: str | bytes, content_type: str = "text/calendar; charset=utf-8"):
    return site.login.request(
        "POST", site.login.home_path + "outbox/", body, Content_Type=content_type
    )


def answers(response) -> dict[str, tuple[str, icalendar.Component | None]]:
    """recipient -> (request-status, its VFREEBUSY or None)."""
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{NS['C']}}}schedule-response"
    found = {}
    for item in root.findall("C:response", NS):
        data = item.findtext("C:calendar-data", namespaces=NS)
        reply = icalendar.Calendar.from_ical(data) if data else None
        if reply is not None:
            assert str(reply["METHOD"]) == "REPLY"
            reply = reply.walk("VFREEBUSY")[0]
        found[item.findtext("C:recipient/D:href", namespaces=NS)] = (
            item.findtext("C:request-status", namespaces=NS),
            reply,
        )
    return found


def periods(freebusy: icalendar.Component) -> list[tuple[str, str, str]]:
    lines = freebusy.get("FREEBUSY", [])
    lines = lines if isinstance(lines, list) else [lines]
    found = []
    for line in lines:
        for start, end in line.dt if isinstance(line.dt, list) else [line.dt]:
            found.append((f"{start:%d %H:%M}", f"{end:%d %H:%M}", line.params["FBTYPE"]))
    return sorted(found)


def test_a_room_s_busy_time_without_transparent_or_cancelled_events(site):
    found = answers(post(site, request_body(site, site.address("room"))))
    status, reply = found[site.address("room")]
    assert status == "2.0;Success"
    assert str(reply["ATTENDEE"]) == site.address("room")
    assert str(reply["ORGANIZER"]) == f"mailto:{site.email}"
    assert periods(reply) == [
        ("05 10:00", "05 11:00", "BUSY"),
        ("05 12:00", "05 13:00", "BUSY-TENTATIVE"),
        ("05 18:00", "05 19:00", "BUSY"),  # the weekly series' instance in range
    ]


def test_the_appointment_being_moved_can_be_left_out(site):
    masked = request_body(
        site, site.address("room"), extra=[f"X-CALENDARSERVER-MASK-UID:{BUSY_UID}"]
    )
    status, reply = answers(post(site, masked))[site.address("room")]
    assert status == "2.0;Success" and ("05 10:00", "05 11:00", "BUSY") not in periods(reply)
    assert len(periods(reply)) == 2


def test_a_person_by_e_mail_and_the_login_itself(site):
    person = f"mailto:{site.email.upper()}"  # addresses compare without case
    principal = f"{site.login.base_url}{site.login.principal_path}"
    found = answers(post(site, request_body(site, person, site.address("room"), principal)))
    assert list(found) == [person, site.address("room"), principal]  # in the request's order
    for address in (person, principal):
        status, reply = found[address]
        assert status == "2.0;Success" and periods(reply) == [("06 09:00", "06 10:00", "BUSY")]


def test_closed_hours_of_a_room_s_branch_are_busy_unavailable(site):
    status, reply = answers(post(site, request_body(site, site.address("hours_room"))))[
        site.address("hours_room")
    ]
    expected = [
        ("05 00:00", "05 07:00", "BUSY-UNAVAILABLE"),  # opens at 08:00 Berlin
        ("05 09:00", "05 10:00", "BUSY"),
        ("05 17:00", "06 08:00", "BUSY-UNAVAILABLE"),  # Saturday opens at 09:00
        ("06 12:00", "07 00:00", "BUSY-UNAVAILABLE"),
    ]
    assert status == "2.0;Success" and periods(reply) == expected
    report = f"""<?xml version="1.0" encoding="utf-8"?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{START}" end="{END}"/></C:free-busy-query>"""
    r = site.login.request(
        "REPORT", site.calendar_path("hours_room"), report, Depth="1", **XML_TYPE
    )
    assert r.status_code == 200, r.text
    assert periods(icalendar.Calendar.from_ical(r.content).walk("VFREEBUSY")[0]) == expected
    always_open = site.login.request(
        "REPORT", site.calendar_path("room"), report, Depth="1", **XML_TYPE
    )
    assert "BUSY-UNAVAILABLE" not in always_open.text


def test_opening_hours_keep_the_wall_clock_across_the_change_to_summer_time(site):
    report = """<?xml version="1.0" encoding="utf-8"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
<C:time-range start="20270326T000000Z" end="20270330T000000Z"/></C:free-busy-query>"""
    r = site.login.request(
        "REPORT", site.calendar_path("hours_room"), report, Depth="1", **XML_TYPE
    )
    closed = periods(icalendar.Calendar.from_ical(r.content).walk("VFREEBUSY")[0])
    assert closed == [
        ("26 00:00", "26 07:00", "BUSY-UNAVAILABLE"),  # Friday, CET: opens 08:00 = 07:00 UTC
        ("26 17:00", "27 08:00", "BUSY-UNAVAILABLE"),
        ("27 12:00", "29 06:00", "BUSY-UNAVAILABLE"),  # Monday, CEST: opens 08:00 = 06:00 UTC
        ("29 16:00", "30 00:00", "BUSY-UNAVAILABLE"),
    ]


def test_who_the_login_may_not_see_is_answered_as_if_no_one_had_the_address(site):
    hidden = [
        site.address("hidden_room"),  # a room with sync off
        f"mailto:{site.colleague_email}",  # a colleague's person resource
        site.address("colleague"),
        "mailto:nobody-here@example.org",  # no one at all
        f"{site.login.base_url}/dav/principals/resources/{site.slugs['hidden_room']}/",
    ]
    found = answers(post(site, request_body(site, *hidden, "tel:+4930123456")))
    assert {found[a][0] for a in hidden} == {"3.8;No authority"}
    assert all(found[a][1] is None for a in hidden)
    assert found["tel:+4930123456"][0] == "3.7;Invalid calendar user"


@pytest.mark.parametrize(
    "body, status, condition",
    [
        ("not a calendar", 400, "C:valid-calendar-data"),
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VFREEBUSY\r\nUID:x\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n",
            400,
            "C:valid-scheduling-message",
        ),
        ("no attendee", 400, "C:valid-scheduling-message"),
        ("backwards", 400, "C:valid-scheduling-message"),
        ("eleven years", 403, "D:number-of-matches-within-limits"),
        ("someone else organizes", 403, "C:organizer-allowed"),
    ],
)
def test_malformed_or_foreign_requests_are_refused_with_their_precondition(
    site, body, status, condition
):
    bodies = {
        "no attendee": request_body(site),
        "backwards": request_body(site, site.address("room"), start=END, end=START),
        "eleven years": request_body(site, site.address("room"), end="20380101T000000Z"),
        "someone else organizes": request_body(
            site, site.address("room"), organizer="mailto:boss@example.org"
        ),
    }
    r = post(site, bodies.get(body, body))
    prefix, local = condition.split(":")
    assert (r.status_code, error_condition(r.content)) == (status, f"{{{NS[prefix]}}}{local}")
    assert "Traceback" not in r.text


def test_post_takes_icalendar_and_only_the_outbox_takes_it(site):
    wrong_type = post(site, request_body(site, site.address("room")), "application/xml")
    assert wrong_type.status_code == 415
    assert error_condition(wrong_type.content) == f"{{{NS['C']}}}supported-calendar-data"
    on_calendar = site.login.request(
        "POST", site.calendar_path("room"), request_body(site), Content_Type="text/calendar"
    )
    assert on_calendar.status_code == 405 and "POST" not in on_calendar.headers.get("Allow", "")
    options = site.login.request("OPTIONS", site.login.home_path + "outbox/")
    assert "POST" in options.headers["Allow"]


def test_the_caldav_library_s_freebusy_request(site):
    client = caldav.DAVClient(
        url=site.login.url("/dav/"), username=site.login.username, password=site.login.password
    )
    principal = client.principal()
    found = principal.freebusy_request(
        datetime(2027, 3, 5, tzinfo=UTC),
        datetime(2027, 3, 7, tzinfo=UTC),
        [site.address("room"), site.address("hidden_room")],
    )
    reply = found[site.address("room")].icalendar_instance.walk("VFREEBUSY")[0]
    assert ("05 10:00", "05 11:00", "BUSY") in periods(reply)
    assert site.address("hidden_room") in found["errors"]


def test_opening_hours_in_the_branches_api(admin):
    created = admin.post(
        "/branches",
        {
            "name": f"Filiale {uuid.uuid4().hex[:8]}",
            "opening_hours": "di 9:00-12:00, 8:00-9:30; Mo 8:00-18:00",
        },
    )
    assert created.status_code == 201, created.text
    branch = created.json()
    assert branch["opening_hours"] == "Mo 08:00-18:00; Tu 08:00-12:00"
    assert branch["opening_hours_by_day"] == {
        "mo": [["08:00", "18:00"]],
        "tu": [["08:00", "12:00"]],
    }
    changed = admin.patch(f"/branches/{branch['id']}", {"opening_hours": HOURS.replace("; ", "\n")})
    assert changed.json()["opening_hours"] == HOURS
    for bad in ("Mo 18:00-08:00", "Xy 08:00-10:00", "Mo-Fr 8-18", "Mo 08:00-25:00"):
        refused = admin.patch(f"/branches/{branch['id']}", {"opening_hours": bad})
        assert refused.status_code == 422 and "cannot be read as opening hours" in refused.text, (
            refused.text
        )
    assert (
        admin.patch(f"/branches/{branch['id']}", {"opening_hours": ""}).json()[
            "opening_hours_by_day"
        ]
        == {}
    )
