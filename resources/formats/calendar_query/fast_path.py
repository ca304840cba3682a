"""A shortcut for the query clients send most (RFC 4791 §9.9): a plain VEVENT time-range
over an event that is either single or one RRULE series without overrides or RDATEs.

It decides with dateutil directly instead of the general engine's expansion; when the
object or the filter is anything else it answers None and the engine decides. The
tests compare both on every corpus file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import icalendar
from dateutil.rrule import rrulestr
from icalendar.prop import vRecur

from resources.formats.calendar_query.filters import CompFilter, TimeRange
from resources.formats.calendar_recurrence import first_value
from resources.formats.recurrence_limits import MAX_WALK_STEPS, jumped_start, walk_steps

MAX_STEPS = 20000
JUMP_AFTER = 1000  # steps dateutil would walk silently before the window
JUMP_MARGIN = timedelta(hours=2)


def plain_event_range(root: CompFilter) -> TimeRange | None:
    """The time-range if the filter is exactly VCALENDAR > VEVENT with a time-range."""
    if root.prop_filters or root.time_range or root.is_not_defined or len(root.comp_filters) != 1:
        return None
    event = root.comp_filters[0]
    if event.name != "VEVENT" or event.is_not_defined or event.prop_filters or event.comp_filters:
        return None
    return event.time_range


def _aware(value: datetime, zone: tzinfo | None) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _duration(event: icalendar.Component, start: datetime) -> timedelta | None:
    if "DTEND" in event:
        end = event["DTEND"].dt  # type: ignore[union-attr]
        if not isinstance(end, datetime):
            return None
        return _aware(end, start.tzinfo) - start
    if "DURATION" in event:
        duration = event["DURATION"].dt  # type: ignore[union-attr]
        return duration if isinstance(duration, timedelta) else None
    return timedelta(0)


def _overlaps(start: datetime, duration: timedelta, window: TimeRange) -> bool:
    end = start + duration
    after_start = window.start is None or (
        end > window.start if duration else start >= window.start
    )
    before_end = window.end is None or start < window.end
    return after_start and before_end


def _excluded(event: icalendar.Component, zone: tzinfo) -> set[datetime] | None:
    found: set[datetime] = set()
    values = event.get("EXDATE")
    for prop in values if isinstance(values, list) else [values] if values is not None else []:
        for item in prop.dts:
            if not isinstance(item.dt, datetime):
                return None
            found.add(_aware(item.dt, zone).astimezone(UTC))
    return found


def quick_match(calendar: icalendar.Calendar, window: TimeRange, zone: tzinfo) -> bool | None:
    """True or False when this shortcut can decide exactly; None otherwise."""
    try:
        return _decide(calendar, window, zone)
    except Exception:  # broken values (an unreadable DTSTART…): the engine decides  # noqa: BLE001
        return None


def _decide(calendar: icalendar.Calendar, window: TimeRange, zone: tzinfo) -> bool | None:
    events = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    if len(events) != 1 or events[0].name != "VEVENT":
        return None
    event = events[0]
    if "RECURRENCE-ID" in event or "RDATE" in event or "EXRULE" in event or "DTSTART" not in event:
        return None
    start = event["DTSTART"].dt  # type: ignore[union-attr]
    if not isinstance(start, datetime):
        return None
    start = _aware(start, zone)
    duration = _duration(event, start)
    if duration is None or duration < timedelta(0) or (not duration and "DTEND" in event):
        return None  # zero-length DTEND events follow a special §9.9 row
    rules = event.get("RRULE")
    if rules is None:
        return _overlaps(start, duration, window)
    if isinstance(rules, list):
        return None
    return _series_match(event, rules, start, duration, window, zone)


def _series_match(
    event: icalendar.Component,
    rule: vRecur,
    start: datetime,
    duration: timedelta,
    window: TimeRange,
    zone: tzinfo,
) -> bool | None:
    excluded = _excluded(event, zone)
    if excluded is None:
        return None
    until = rule.get("UNTIL")
    if until and isinstance(until[0], datetime) and _aware(until[0], zone) < start:
        return None  # a rule ending before it starts: left to the engine
    if start.astimezone(UTC) not in excluded and _overlaps(start, duration, window):
        return True  # DTSTART is always an instance, even when the rule would not make it
    lower = window.start - duration - timedelta(seconds=1) if window.start is not None else None
    series_start, rule = _near_window(rule, start, lower)
    if series_start is None:
        return None  # too far to walk: the engine decides (and refuses)
    try:
        series = rrulestr(rule.to_ical().decode("ascii"), dtstart=series_start)
    except (ValueError, TypeError):
        return None
    steps = 0
    try:
        iterator = series.xafter(lower, inc=True) if lower is not None else iter(series)
        for instance in iterator:
            steps += 1
            if steps > MAX_STEPS:
                return None
            if window.end is not None and instance >= window.end:
                return False
            if instance.astimezone(UTC) in excluded:
                continue
            if _overlaps(instance, duration, window):
                return True
    except (ValueError, TypeError, OverflowError):
        return None
    return False


def _near_window(
    rule: vRecur, start: datetime, lower: datetime | None
) -> tuple[datetime | None, vRecur]:
    """Where dateutil may start following the rule for a window from `lower`: an evenly
    spaced rule jumps to just before it; another one far away gives None."""
    if lower is None or lower <= start:
        return start, rule
    jump = jumped_start(rule, start, lower - JUMP_MARGIN)
    if jump is not None and jump.steps >= JUMP_AFTER:
        moved = vRecur(dict(rule))
        count = first_value(rule.get("COUNT"))
        if isinstance(count, int):
            moved["COUNT"] = [count - jump.steps]
        return jump.start, moved  # type: ignore[return-value]  # a datetime, as start is
    if walk_steps(rule, start, lower) > MAX_WALK_STEPS:
        return None, rule
    return start, rule
