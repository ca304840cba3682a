"""Busy time of one calendar over a range, shared by the free-busy-query REPORT
(RFC 4791 §7.10) and free-busy requests to a scheduling outbox (RFC 6638 §5).

Candidates come from the stored occurrence bounds (one indexed query), only they are
parsed and expanded; a room's calendar adds its branch's closed hours, read from the
branch's opening hours as a VAVAILABILITY (RFC 7953), as BUSY-UNAVAILABLE.
"""

from __future__ import annotations

from datetime import datetime

import icalendar

from resources.formats.calendar_query import TimeRange
from resources.formats.calendar_query.free_busy import BusyPeriod, free_busy_periods
from resources.objects.calendar_search import collection_timezone, in_range, readable_calendars
from resources.organisation.opening_hours import availability, parse_opening_hours
from resources.store.models import Collection
from resources.store.organisation import Branch, Resource

BUSY_COMPONENTS = ("VEVENT", "VFREEBUSY")


def calendar_busy_time(
    collection: Collection, start: datetime, end: datetime, *, leave_out_uid: str | None = None
) -> list[BusyPeriod]:
    """Busy periods (start, end, FBTYPE) in UTC of the calendar within [start, end);
    `leave_out_uid` names an appointment whose own time does not count (the one a client
    is moving, RFC 6638 §5's CalendarServer X-CALENDARSERVER-MASK-UID)."""
    rows = in_range(collection.id, BUSY_COMPONENTS, TimeRange(start, end))
    if leave_out_uid:
        rows = [row for row in rows if row.uid != leave_out_uid]
    return free_busy_periods(
        readable_calendars(rows),
        start,
        end,
        timezone=collection_timezone(collection),
        availability=branch_availability(collection.resource_id),
    )


def branch_availability(resource_id: int | None) -> list[icalendar.Component]:
    """The opening hours of a room's branch as a VAVAILABILITY; none for other calendars
    and for branches without opening hours (always open)."""
    if resource_id is None:
        return []
    found = (
        Branch.select(Branch.id, Branch.timezone, Branch.opening_hours)
        .join(Resource, on=(Resource.branch == Branch.id))
        .where((Resource.id == resource_id) & (Resource.kind == "room"))
        .first()
    )
    if found is None or not found.opening_hours:
        return []
    hours = parse_opening_hours(found.opening_hours)
    return [availability(hours, found.timezone, f"branch-{found.id}-opening-hours")]
