"""Whether an instance, alarm or property value overlaps a time-range (RFC 4791 §9.9).

Each function follows one §9.9 table row by row. DATE and floating values are
resolved with the calendar collection's time zone (or the query's C:timezone).
An open start or end of the time-range stands for minus or plus infinity.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

import icalendar

from resources.formats.calendar_query.filters import TimeRange
from resources.formats.calendar_query.instances import (
    EXPANSION_ERRORS,
    Instance,
    Time,
    date_value,
    to_utc,
)

DAY = timedelta(days=1)


def _start_lt(tr: TimeRange, value: datetime) -> bool:
    """`start < value`."""
    return tr.start is None or tr.start < value


def _start_le(tr: TimeRange, value: datetime) -> bool:
    """`start <= value`."""
    return tr.start is None or tr.start <= value


def _end_gt(tr: TimeRange, value: datetime) -> bool:
    """`end > value`."""
    return tr.end is None or tr.end > value


def _end_ge(tr: TimeRange, value: datetime) -> bool:
    """`end >= value`."""
    return tr.end is None or tr.end >= value


def instance_overlaps(instance: Instance, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 for the instance's component type; other types were refused by check_filter."""
    name = instance.component.name
    if name == "VEVENT":
        return event_overlaps(instance, tr, tz)
    if name == "VTODO":
        return todo_overlaps(instance, tr, tz)
    if name == "VJOURNAL":
        return journal_overlaps(instance, tr, tz)
    if name == "VFREEBUSY":
        return freebusy_overlaps(instance.component, tr, tz)
    if name == "VALARM" and instance.parent is not None:
        return alarm_overlaps(instance.component, instance.parent, tr, tz)
    return False


def event_overlaps(instance: Instance, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 VEVENT table; with both DTEND and DURATION (a client bug) DTEND wins."""
    if instance.start is None:
        return False
    component, start = instance.component, to_utc(instance.start, tz)
    if instance.end is not None and ("DTEND" in component or "DURATION" in component):
        end = to_utc(instance.end, tz)
        if "DTEND" in component or end > start:
            return _start_lt(tr, end) and _end_gt(tr, start)
        return _start_le(tr, start) and _end_gt(tr, start)
    if isinstance(instance.start, datetime):
        return _start_le(tr, start) and _end_gt(tr, start)
    return _start_lt(tr, day_end(instance.start, tz)) and _end_gt(tr, start)


def todo_overlaps(instance: Instance, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 VTODO table, all eight rows; with both DUE and DURATION, DUE wins."""
    component = instance.component
    due = to_utc(instance.end, tz) if "DUE" in component and instance.end is not None else None
    if instance.start is not None:
        start = to_utc(instance.start, tz)
        if instance.end is None:
            return _start_le(tr, start) and _end_gt(tr, start)
        if due is not None:
            return (_start_lt(tr, due) or _start_le(tr, start)) and (
                _end_gt(tr, start) or _end_ge(tr, due)
            )
        end = to_utc(instance.end, tz)
        return _start_le(tr, end) and (_end_gt(tr, start) or _end_ge(tr, end))
    if due is not None:
        return _start_lt(tr, due) and _end_ge(tr, due)
    return _todo_without_dates_overlaps(component, tr, tz)


def _todo_without_dates_overlaps(component: icalendar.Component, tr: TimeRange, tz: tzinfo) -> bool:
    """The four §9.9 VTODO rows for a to-do with neither DTSTART nor DUE."""
    completed = _utc_or_none(date_value(component, "COMPLETED"), tz)
    created = _utc_or_none(date_value(component, "CREATED"), tz)
    if completed is not None and created is not None:
        return (_start_le(tr, created) or _start_le(tr, completed)) and (
            _end_ge(tr, created) or _end_ge(tr, completed)
        )
    if completed is not None:
        return _start_le(tr, completed) and _end_ge(tr, completed)
    if created is not None:
        return _end_gt(tr, created)
    return True


def journal_overlaps(instance: Instance, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 VJOURNAL table: a DATE lasts one day, a DATE-TIME is a point."""
    if instance.start is None:
        return False
    start = to_utc(instance.start, tz)
    if isinstance(instance.start, datetime):
        return _start_le(tr, start) and _end_gt(tr, start)
    return _start_lt(tr, day_end(instance.start, tz)) and _end_gt(tr, start)


def freebusy_overlaps(component: icalendar.Component, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 VFREEBUSY table: DTSTART/DTEND if both exist, else any FREEBUSY period."""
    start, end = date_value(component, "DTSTART"), date_value(component, "DTEND")
    if start is not None and end is not None:
        return _start_le(tr, to_utc(end, tz)) and _end_gt(tr, to_utc(start, tz))
    return any(
        _start_lt(tr, period_end) and _end_gt(tr, period_start)
        for period_start, period_end, _ in freebusy_periods(component, tz)
    )


def freebusy_periods(
    component: icalendar.Component, tz: tzinfo
) -> list[tuple[datetime, datetime, str]]:
    """The FREEBUSY periods of a VFREEBUSY in UTC, each with its FBTYPE (default BUSY)."""
    props = component.get("FREEBUSY", [])
    periods = []
    for prop in props if isinstance(props, list) else [props]:
        try:
            first, second = prop.dt
        except EXPANSION_ERRORS:
            continue
        start = to_utc(first, tz)
        end = start + second if isinstance(second, timedelta) else to_utc(second, tz)
        periods.append((start, end, str(prop.params.get("FBTYPE", "BUSY")).upper()))
    return periods


def alarm_overlaps(alarm: icalendar.Component, parent: Instance, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 VALARM: `start <= trigger-time < end` for any trigger, repeats included."""
    return any(_start_le(tr, t) and _end_gt(tr, t) for t in alarm_trigger_times(alarm, parent, tz))


def alarm_trigger_times(alarm: icalendar.Component, parent: Instance, tz: tzinfo) -> list[datetime]:
    """Trigger times of an alarm of one instance (RFC 5545 §3.8.6.3, REPEAT/DURATION)."""
    try:
        triggers = alarm.triggers  # type: ignore[attr-defined]
    except EXPANSION_ERRORS:
        return []
    times = [to_utc(t, tz) for t in triggers.absolute]
    if triggers.start and parent.start is not None:
        base = to_utc(parent.start, tz)
        times.extend(base + offset for offset in triggers.start)
    end = related_end(parent, tz)
    if triggers.end and end is not None:
        times.extend(end + offset for offset in triggers.end)
    return times


def related_end(instance: Instance, tz: tzinfo) -> datetime | None:
    """The end an alarm with RELATED=END counts from (RFC 5545 §3.8.6.3)."""
    if instance.end is not None:
        return to_utc(instance.end, tz)
    if instance.component.name != "VEVENT" or instance.start is None:
        return None
    if isinstance(instance.start, datetime):
        return to_utc(instance.start, tz)
    return day_end(instance.start, tz)


def value_overlaps(value: Time, tr: TimeRange, tz: tzinfo) -> bool:
    """§9.9 for a property value: a DATE-TIME is a point, a DATE its whole day."""
    start = to_utc(value, tz)
    if isinstance(value, datetime):
        return _start_le(tr, start) and _end_gt(tr, start)
    return _start_lt(tr, day_end(value, tz)) and _end_gt(tr, start)


def day_end(day: date, tz: tzinfo) -> datetime:
    """The start of the next day in `tz`, in UTC (23 or 25 hours on DST days)."""
    return to_utc(day + DAY, tz)


def _utc_or_none(value: Time | None, tz: tzinfo) -> datetime | None:
    return None if value is None else to_utc(value, tz)
