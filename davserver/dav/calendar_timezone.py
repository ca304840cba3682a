"""CALDAV:calendar-timezone values (RFC 4791 §5.2.2): a VCALENDAR with one VTIMEZONE."""

from __future__ import annotations

from icalendar import Calendar

from davserver.dav.errors import DavError
from davserver.dav.xml import CALDAV, qname


def parse_vtimezone(text: str) -> str:
    """The TZID of a calendar-timezone value: a VCALENDAR holding exactly one VTIMEZONE."""
    try:
        calendar = Calendar.from_ical(text)
        zones = [c for c in calendar.walk("VTIMEZONE")]
    except Exception:
        zones = []
    if len(zones) != 1 or not zones[0].get("TZID"):
        raise DavError(
            403,
            "calendar-timezone must be a VCALENDAR with exactly one VTIMEZONE that has a TZID.",
            qname(CALDAV, "valid-calendar-data"),
        )
    return str(zones[0]["TZID"])
