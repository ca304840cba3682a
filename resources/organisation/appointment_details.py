"""What the week view shows of an appointment beyond its time and title: where it
takes place, its description and the branch it belongs to, read from the stored
calendar object (an override of one instance has its own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import icalendar

from resources.formats.stored_reading import UnreadableStoredObject
from resources.objects.calendar_search import parse_stored
from resources.organisation.resource_calendars import get_resource, resource_calendar
from resources.organisation.resource_events import EventItem, resource_zone
from resources.store.models import StoredObject
from resources.store.organisation import Branch

DETAIL_MAX = 2000  # a description longer than this is cut for the page


@dataclass(frozen=True)
class AppointmentDetails:
    location: str
    description: str
    branch: str  # the branch's name, empty without one


NO_DETAILS = AppointmentDetails("", "", "")


def appointment_details(
    slug: str, items: Iterable[EventItem]
) -> dict[tuple[str, str | None], AppointmentDetails]:
    """Details per (object name, recurrence id) of the listed appointments of a resource."""
    listed = list(items)
    resource = get_resource(slug)
    zone = resource_zone(resource)
    names = sorted({item.name for item in listed})
    rows = {
        row.name: row
        for row in StoredObject.select().where(
            (StoredObject.collection == resource_calendar(resource.id).id)
            & StoredObject.name.in_(names)
        )
    }
    branch_ids = {item.branch for item in listed if item.branch is not None}
    branches = {
        branch.id: branch.name for branch in Branch.select().where(Branch.id.in_(branch_ids))
    }
    found: dict[tuple[str, str | None], AppointmentDetails] = {}
    for item in listed:
        row = rows.get(item.name)
        component = _component(row, item.recurrence_id, zone) if row is not None else None
        if component is None:
            found[(item.name, item.recurrence_id)] = NO_DETAILS
            continue
        found[(item.name, item.recurrence_id)] = AppointmentDetails(
            location=_text(component, "LOCATION"),
            description=_text(component, "DESCRIPTION")[:DETAIL_MAX],
            branch=branches.get(item.branch, "") if item.branch is not None else "",
        )
    return found


def _component(
    row: StoredObject, recurrence_id: str | None, zone: tzinfo
) -> icalendar.Component | None:
    try:
        calendar = parse_stored(row)
    except UnreadableStoredObject:  # logged by parse_stored; the week still shows the time
        return None
    events = list(calendar.walk("VEVENT"))
    master = next((event for event in events if "RECURRENCE-ID" not in event), None)
    if recurrence_id is None:
        return master or (events[0] if events else None)
    wanted = _instant(recurrence_id, zone)
    for event in events:
        rid = event.get("RECURRENCE-ID")
        if rid is not None and _instant(rid.dt, zone) == wanted:
            return event
    return master


def _instant(value: Any, zone: tzinfo) -> Any:
    """A recurrence id comparable across its ISO text and its iCalendar value."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return value


def _text(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""
