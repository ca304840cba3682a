"""GET on a calendar collection: the whole calendar as one iCalendar file (export)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from icalendar import Calendar

from resources.formats.stored_reading import (
    UnreadableStoredObject,
    log_unreadable,
    parse_stored_calendar,
)
from resources.store.models import StoredObject


def export_calendar(collection_id: int, display_name: str) -> bytes:
    """Merge every readable object of the calendar into one VCALENDAR, each VTIMEZONE once."""
    merged = Calendar()
    merged.add("PRODID", "-//davserver//export//EN")
    merged.add("VERSION", "2.0")
    if display_name:
        merged.add("X-WR-CALNAME", display_name)
    seen_zones: set[str] = set()
    rows = StoredObject.select(StoredObject.name, StoredObject.body).where(
        StoredObject.collection == collection_id
    )
    # .tuples() rows: peewee's stubs still call them model instances
    for name, body in cast("Iterable[tuple[str, bytes]]", rows.tuples()):
        try:
            calendar = parse_stored_calendar(body)
        except UnreadableStoredObject as error:  # the others are still exported
            log_unreadable(collection_id, name, error)
            continue
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                tzid = str(component.get("TZID"))
                if tzid in seen_zones:
                    continue
                seen_zones.add(tzid)
            merged.add_component(component)
    return merged.to_ical()
