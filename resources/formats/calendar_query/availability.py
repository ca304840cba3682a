"""Busy time that a VAVAILABILITY component implies (RFC 7953 §4): within the component's
DTSTART/DTEND (unbounded where absent) every moment that no AVAILABLE part covers is busy
with the component's BUSYTYPE (BUSY-UNAVAILABLE by default).

AVAILABLE parts repeat by RRULE in the wall-clock time of their DTSTART's zone, so a
part from 08:00 to 18:00 stays 08:00-18:00 across daylight-saving changes. RDATE and
EXDATE of AVAILABLE parts are not read. Of several VAVAILABILITY components, each one's
periods are kept (the union), which equals §4's priority rules when they do not overlap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import takewhile
from typing import Any

import icalendar
from dateutil.rrule import rrulestr

DEFAULT_BUSYTYPE = "BUSY-UNAVAILABLE"
BUSY_TYPES = ("BUSY", "BUSY-UNAVAILABLE", "BUSY-TENTATIVE")
BusyPeriod = tuple[datetime, datetime, str]  # start and end in UTC, FBTYPE
# An AVAILABLE part may last at most this long: the expansion starts this far before
# the range so that a part that began earlier and still runs is found.
LONGEST_PART = timedelta(days=7)
# Opening hours repeat weekly: ten years of one weekly part are 522 repeats.
MAX_REPEATS = 4000


def unavailable_periods(
    components: Iterable[icalendar.Component], start: datetime, end: datetime, timezone: tzinfo
) -> list[BusyPeriod]:
    """Busy periods (start, end, BUSYTYPE) in UTC within [start, end) that the
    VAVAILABILITY components imply; floating times are read in `timezone`."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    periods: list[BusyPeriod] = []
    for component in components:
        periods.extend(_component_periods(component, start, end, timezone))
    return periods


def _component_periods(
    component: icalendar.Component, start: datetime, end: datetime, timezone: tzinfo
) -> list[BusyPeriod]:
    busy_type = str(component.get("BUSYTYPE", DEFAULT_BUSYTYPE)).upper()
    if busy_type not in BUSY_TYPES:
        busy_type = DEFAULT_BUSYTYPE
    lower = _moment(component, "DTSTART", timezone) or start
    upper = _moment(component, "DTEND", timezone) or end
    lower, upper = max(lower, start), min(upper, end)
    if lower >= upper:
        return []
    available = sorted(
        span
        for part in component.walk("AVAILABLE")
        for span in _part_spans(part, lower, upper, timezone)
    )
    periods, cursor = [], lower
    for span_start, span_end in available:
        if span_start > cursor:
            periods.append((cursor, min(span_start, upper), busy_type))
        cursor = max(cursor, span_end)
        if cursor >= upper:
            break
    if cursor < upper:
        periods.append((cursor, upper, busy_type))
    return periods


def _part_spans(
    part: icalendar.Component, lower: datetime, upper: datetime, timezone: tzinfo
) -> list[tuple[datetime, datetime]]:
    """The UTC spans an AVAILABLE part covers that touch [lower, upper)."""
    first = part.decoded("DTSTART", None)
    if not isinstance(first, datetime):
        return []
    zone = first.tzinfo or timezone
    length = _length(part, first)
    if length is None or length <= timedelta(0) or length > LONGEST_PART:
        return []
    wall_start = first.replace(tzinfo=None)
    rule = part.get("RRULE")
    if rule is None:
        starts = [wall_start]
    else:
        window_start = lower.astimezone(zone).replace(tzinfo=None) - length
        window_end = upper.astimezone(zone).replace(tzinfo=None)
        starts = _repeats(rule, wall_start, window_start, window_end)
    spans = []
    for wall in starts:
        span = (
            wall.replace(tzinfo=zone).astimezone(UTC),
            (wall + length).replace(tzinfo=zone).astimezone(UTC),
        )
        if span[0] < upper and span[1] > lower:
            spans.append(span)
    return spans


def _repeats(
    rule: object, wall_start: datetime, window_start: datetime, window_end: datetime
) -> list[datetime]:
    """Wall-clock starts of a repeating part within the window, at most MAX_REPEATS."""
    rules: list[Any] = rule if isinstance(rule, list) else [rule]
    try:
        expansion = rrulestr(rules[0].to_ical().decode("ascii"), dtstart=wall_start)
        found = expansion.xafter(window_start, count=MAX_REPEATS, inc=True)
        return list(takewhile(lambda moment: moment <= window_end, found))
    except (ValueError, TypeError, AttributeError):  # a rule dateutil cannot read
        return []


def _length(part: icalendar.Component, first: datetime) -> timedelta | None:
    """The wall-clock length of a part: DTEND minus DTSTART in the start's zone, or DURATION."""
    last = part.decoded("DTEND", None)
    if isinstance(last, datetime):
        if last.tzinfo is not None and first.tzinfo is not None:
            last = last.astimezone(first.tzinfo)
        return last.replace(tzinfo=None) - first.replace(tzinfo=None)
    duration = part.decoded("DURATION", None)
    return duration if isinstance(duration, timedelta) else None


def _moment(component: icalendar.Component, name: str, timezone: tzinfo) -> datetime | None:
    value = component.decoded(name, None)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), timezone).astimezone(UTC)
    return None
