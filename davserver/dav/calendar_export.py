"""GET on a calendar collection: the whole calendar as one iCalendar file (export)."""

from __future__ import annotations

from icalendar import Calendar

from resources.store.models import StoredObject


def export_calendar(collection_id: int, display_name: str) -> bytes:
    """Merge every object of the calendar into one VCALENDAR, each VTIMEZONE once."""
    merged = Calendar()
    merged.add("PRODID", "-//davserver//export//EN")
    merged.add("VERSION", "2.0")
    if display_name:
        merged.add("X-WR-CALNAME", display_name)
    seen_zones: set[str] = set()
    bodies = StoredObject.select(StoredObject.body).where(StoredObject.collection == collection_id).tuples()
    for (body,) in bodies:
        calendar = Calendar.from_ical(bytes(body).decode("utf-8"))
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                tzid = str(component.get("TZID"))
                if tzid in seen_zones:
                    continue
                seen_zones.add(tzid)
            merged.add_component(component)
    return merged.to_ical()
