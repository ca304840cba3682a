"""Demo data for trying the server: the login demo/demo with a calendar "Demo"
holding a few events this week, one of them weekly recurring.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from resources import calendar_collections, credentials, stored_objects
from resources.calendar_collections import CALENDAR, CollectionProperties
from resources.store.models import ServiceCredential

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"

_EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//davserver//demo//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:{stamp}\r
DTSTART;TZID=Europe/Berlin:{start}\r
DTEND;TZID=Europe/Berlin:{end}\r
SUMMARY:{summary}\r
{extra}END:VEVENT\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
END:VCALENDAR\r
"""


def _event(day: date, hour: int, hours: int, summary: str, extra: str = "") -> tuple[str, bytes]:
    uid = str(uuid.uuid4())
    start = datetime(day.year, day.month, day.day, hour)
    text = _EVENT.format(
        uid=uid,
        stamp=datetime.utcnow().strftime("%Y%m%dT%H%M%SZ"),
        start=start.strftime("%Y%m%dT%H%M%S"),
        end=(start + timedelta(hours=hours)).strftime("%Y%m%dT%H%M%S"),
        summary=summary,
        extra=extra,
    )
    return f"{uid}.ics", text.encode("utf-8")


def fill_demo_data(today: date | None = None) -> bool:
    """Create the demo login and calendar on an empty database; False if not empty."""
    if ServiceCredential.select().exists():
        return False
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    login = credentials.create_credential(DEMO_USER, DEMO_PASSWORD, "Demo User")
    calendar = calendar_collections.create_collection(
        login.id,
        "demo",
        CALENDAR,
        CollectionProperties(display_name="Demo", color="#2F6FDFFF", description="Demo calendar"),
    )
    events = [
        _event(monday, 9, 1, "Team meeting", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
        _event(monday + timedelta(days=1), 14, 2, "Customer visit"),
        _event(monday + timedelta(days=3), 11, 1, "Lunch with suppliers"),
        _event(monday + timedelta(days=4), 16, 1, "Weekly review"),
    ]
    for name, body in events:
        stored_objects.put_calendar_object(
            calendar, name, body, stored_objects.WriteConditions(), max_size=len(body) + 1
        )
    return True
