"""A resource calendar's appointments for the scheduling side of the business: the
instances in a date range, and new appointments assigned to a branch.

Appointments created here are stored like those made on a phone (one calendar
object in the resource's calendar, with a branch), so every device that sees the
resource gets them with its next sync. Times are read and shown in the zone of the
resource's branch (Europe/Berlin without one); a calendar that has its own
CALDAV:calendar-timezone reads floating times in that zone instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from resources.errors import InvalidProperty, NotFound
from resources.formats.calendar_query import CompFilter, TimeRange, calendar_matches
from resources.formats.calendar_query.instances import Expansion, Instance, to_utc
from resources.formats.calendar_query.time_ranges import instance_overlaps
from resources.formats.stored_reading import UnreadableStoredObject
from resources.objects.calendar_search import candidates, collection_timezone, parse_stored
from resources.objects.stored_objects import WriteConditions, put_calendar_object
from resources.organisation.branches import DEFAULT_TIMEZONE
from resources.organisation.resource_calendars import get_resource, resource_calendar
from resources.store.models import Collection, StoredObject
from resources.store.organisation import Branch, Resource

UTC = UTC
ONE_DAY = timedelta(days=1)
MAX_RANGE_DAYS = 366
FIRST_YEAR, LAST_YEAR = 1000, 8999  # far from the ends of datetime, where zone arithmetic overflows
SUMMARY_MAX = 1000
PRODID = "-//davserver//API//EN"

Moment = date | datetime


@dataclass(frozen=True)
class EventItem:
    """One appointment instance as the API lists it; times are ISO 8601 strings."""

    uid: str
    summary: str
    start: str
    end: str
    resource: str
    branch: int | None
    name: str  # the calendar object's name in the resource calendar (href segment)
    recurrence_id: str | None = None


@dataclass(frozen=True)
class NewAppointment:
    """An appointment to create: dates for an all-day one (end exclusive), else times."""

    summary: str
    start: Moment
    end: Moment
    branch: int | None = None
    description: str = ""
    location: str = ""


def read_moment(text: str, field: str) -> Moment:
    """An ISO 8601 date (2024-05-06) or date-time (2024-05-06T09:30, optional offset)."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InvalidProperty(code="not_a_date", field=field, name=field) from None


def resource_zone(resource: Resource) -> tzinfo:
    """The zone of the resource's branch; appointment times are shown there."""
    name = resource.branch.timezone if resource.branch_id else DEFAULT_TIMEZONE  # type: ignore[union-attr]  # set
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _calendar_zone(collection: Collection, fallback: tzinfo) -> tzinfo:
    return (
        collection_timezone(collection)
        if (collection.timezone_id or collection.timezone)
        else fallback
    )


def _bound(moment: Moment, zone: tzinfo, *, day_end: bool) -> datetime:
    """A range bound in UTC; a date means the start of that day, or its end for `day_end`."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidProperty(code="date_out_of_range", first=FIRST_YEAR, last=LAST_YEAR)
    try:
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment + (ONE_DAY if day_end else timedelta(0)), time())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidProperty(code="date_out_of_range", first=FIRST_YEAR, last=LAST_YEAR) from None


def _window(start: Moment, end: Moment, zone: tzinfo) -> TimeRange:
    lower, upper = _bound(start, zone, day_end=False), _bound(end, zone, day_end=True)
    if upper <= lower:
        raise InvalidProperty(code="end_before_start", field="end")
    if upper - lower > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidProperty(code="range_too_long", days=MAX_RANGE_DAYS)
    return TimeRange(lower, upper)


def list_events(slug: str, start: Moment, end: Moment) -> list[EventItem]:
    """Every appointment instance in the resource calendar that overlaps the range.

    Dates are whole days in the resource's zone, both inclusive; date-times are exact
    bounds (end exclusive), read in that zone when they carry no offset.
    """
    resource = get_resource(slug)
    collection = resource_calendar(resource.id)
    shown_in = resource_zone(resource)
    zone = _calendar_zone(collection, shown_in)
    window = _window(start, end, shown_in)
    root = CompFilter("VCALENDAR", comp_filters=(CompFilter("VEVENT", time_range=window),))
    found: list[tuple[datetime, EventItem]] = []
    for row in candidates(collection.id, root):
        try:
            calendar = parse_stored(row)
        except UnreadableStoredObject:  # logged; the other events are still listed
            continue
        if calendar_matches(calendar, root, timezone=zone):
            found.extend(_row_items(row, calendar, window, zone, shown_in, resource.slug))
    return [item for _key, item in sorted(found, key=lambda pair: (pair[0], pair[1].uid))]


def _row_items(
    row: StoredObject,
    calendar: icalendar.Calendar,
    window: TimeRange,
    zone: tzinfo,
    shown_in: tzinfo,
    slug: str,
) -> list[tuple[datetime, EventItem]]:
    """The instances of one calendar object inside the window, with their sort keys."""
    expansion = Expansion(calendar, "VEVENT", zone)
    # the listing's window is always closed (list_events builds it from two dates)
    instances = expansion.between(window.start - ONE_DAY, window.end + ONE_DAY)  # type: ignore[arg-type, operator]
    items = []
    for instance in instances:
        if instance.start is None or not instance_overlaps(instance, window, zone):
            continue
        item = _item(instance, zone, shown_in, slug, row)
        items.append((to_utc(instance.start, zone), item))
    return items


def _item(
    instance: Instance, zone: tzinfo, shown_in: tzinfo, slug: str, row: StoredObject
) -> EventItem:
    start = instance.start  # set: the listing reads VEVENTs, and each has a DTSTART
    end = instance.end if instance.end is not None else _default_end(start)  # type: ignore[arg-type]
    rid = instance.recurrence_id if _is_recurring(instance) else None
    return EventItem(
        uid=str(instance.component.get("UID", row.uid or "")),
        summary=str(instance.component.get("SUMMARY", "")),
        start=_shown(start, zone, shown_in),  # type: ignore[arg-type]
        end=_shown(end, zone, shown_in),
        resource=slug,
        branch=row.branch_id,
        name=row.name,
        recurrence_id=_shown(rid, zone, shown_in) if rid is not None else None,
    )


def _is_recurring(instance: Instance) -> bool:
    component = instance.component
    return any(name in component for name in ("RRULE", "RDATE", "RECURRENCE-ID"))


def _default_end(start: Moment) -> Moment:
    """RFC 5545 §3.6.1: without DTEND or DURATION an all-day event lasts the day."""
    return start if isinstance(start, datetime) else start + ONE_DAY


def _shown(moment: Moment, zone: tzinfo, shown_in: tzinfo) -> str:
    """ISO 8601: a date stays a date; a time is given in `shown_in` with its offset."""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return to_utc(moment, zone).astimezone(shown_in).isoformat()


def create_appointment(slug: str, appointment: NewAppointment, *, max_size: int) -> EventItem:
    """Store a new appointment in the resource's calendar, assigned to a branch (the
    one given, else the resource's own)."""
    resource = get_resource(slug)
    branch = appointment.branch if appointment.branch is not None else resource.branch_id
    if branch is None:
        raise InvalidProperty(code="resource_without_branch", field="branch")
    if not Branch.get_or_none(Branch.id == branch):
        raise NotFound(code="no_branch_with_id", field="branch", id=branch)
    zone = resource_zone(resource)
    start, end = _appointment_times(appointment, zone)
    uid = str(uuid.uuid4())
    name = f"{uid}.ics"
    body = _vevent(uid, appointment, start, end)
    put_calendar_object(
        resource_calendar(resource.id),
        name,
        body,
        WriteConditions(if_none_match=("*",)),
        max_size=max_size,
        branch_id=branch,
    )
    return EventItem(
        uid=uid,
        summary=appointment.summary.strip(),
        start=_shown(start, zone, zone),
        end=_shown(end, zone, zone),
        resource=resource.slug,
        branch=branch,
        name=name,
    )


def _appointment_times(appointment: NewAppointment, zone: tzinfo) -> tuple[Moment, Moment]:
    """Both dates (all day) or both times (in UTC; without an offset read in `zone`)."""
    summary = appointment.summary.strip()
    if not summary or len(summary) > SUMMARY_MAX:
        raise InvalidProperty(code="summary_length", field="summary", max=SUMMARY_MAX)
    start, end = appointment.start, appointment.end
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise InvalidProperty(code="mixed_date_kinds", field="end")
    start_utc, end_utc = _bound(start, zone, day_end=False), _bound(end, zone, day_end=False)
    if isinstance(start, datetime):
        start, end = start_utc.replace(microsecond=0), end_utc.replace(microsecond=0)
    if end <= start:
        raise InvalidProperty(code="appointment_not_after_start", field="end")
    return start, end


def _vevent(uid: str, appointment: NewAppointment, start: Moment, end: Moment) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", appointment.summary.strip())
    if appointment.description:
        event.add("description", appointment.description)
    if appointment.location:
        event.add("location", appointment.location)
    calendar.add_component(event)
    return calendar.to_ical()  # type: ignore[no-any-return]
