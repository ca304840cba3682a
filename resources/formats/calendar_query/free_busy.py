"""Busy time of calendars for the free-busy-query REPORT (RFC 4791 §7.10) and iTIP
free-busy replies (RFC 6638 §5).

VEVENT instances overlapping the range count as BUSY, or BUSY-TENTATIVE with
STATUS:TENTATIVE; TRANSP:TRANSPARENT and STATUS:CANCELLED instances (overrides
included) do not count, nor do instances of zero length. FREEBUSY periods of stored
VFREEBUSY components count with their FBTYPE (FREE ones do not). VTODO and VJOURNAL
do not count; VAVAILABILITY components (RFC 7953) count when the caller gives them
(a room's branch opening hours), stored ones do not. Periods are clipped to the range
and merged per busy type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

import icalendar
from icalendar.prop import vPeriod

from resources.formats.calendar_query.availability import (
    BUSY_TYPES,
    BusyPeriod,
    unavailable_periods,
)
from resources.formats.calendar_query.filters import TimeRange
from resources.formats.calendar_query.instances import Expansion, Instance, moved_by, to_utc
from resources.formats.calendar_query.time_ranges import (
    day_end,
    event_overlaps,
    freebusy_periods,
)

UTC = UTC
DAY = timedelta(days=1)
PRODID = "-//davserver//free-busy//EN"
__all__ = ["BUSY_TYPES", "BusyPeriod", "free_busy_periods", "render_vfreebusy"]


def free_busy_periods(
    calendars: Iterable[icalendar.Calendar],
    start: datetime,
    end: datetime,
    *,
    timezone: tzinfo,
    availability: Iterable[icalendar.Component] = (),
) -> list[BusyPeriod]:
    """Busy periods (start, end, FBTYPE) in UTC within [start, end), merged per type;
    `availability` are VAVAILABILITY components whose unavailable time counts too."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    periods: list[BusyPeriod] = unavailable_periods(availability, start, end, timezone)
    for calendar in calendars:
        periods.extend(_event_periods(calendar, start, end, timezone))
        periods.extend(_stored_freebusy_periods(calendar, start, end, timezone))
    clipped = [(max(s, start), min(e, end), fbtype) for s, e, fbtype in periods]
    return _merge([p for p in clipped if p[0] < p[1]])


def render_vfreebusy(
    periods: Iterable[BusyPeriod], start: datetime, end: datetime, stamp: datetime | None = None
) -> str:
    """A VCALENDAR with one VFREEBUSY for the range, FREEBUSY lines in UTC (§7.10)."""
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add_component(vfreebusy(periods, start, end, stamp))
    return calendar.to_ical().decode("utf-8")  # type: ignore[no-any-return]


def vfreebusy(
    periods: Iterable[BusyPeriod], start: datetime, end: datetime, stamp: datetime | None = None
) -> icalendar.Component:
    """One VFREEBUSY for the range with a FREEBUSY line per period, in UTC."""
    freebusy = icalendar.FreeBusy()
    freebusy.add("DTSTAMP", (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0))
    freebusy.add("DTSTART", start.astimezone(UTC))
    freebusy.add("DTEND", end.astimezone(UTC))
    for period_start, period_end, fbtype in periods:
        line = vPeriod((period_start.astimezone(UTC), period_end.astimezone(UTC)))
        line.params.pop("VALUE", None)  # PERIOD is FREEBUSY's default value type
        line.params["FBTYPE"] = fbtype
        freebusy.add("FREEBUSY", line)
    return freebusy


def _event_periods(
    calendar: icalendar.Calendar, start: datetime, end: datetime, tz: tzinfo
) -> list[BusyPeriod]:
    expansion = Expansion(calendar, "VEVENT", tz)
    if not expansion.stored:
        return []
    time_range = TimeRange(start, end)
    candidates = expansion.between(moved_by(start, -DAY), moved_by(end, DAY))
    periods = []
    for instance in candidates:
        busy_type = _busy_type(instance.component)
        if busy_type is None or not event_overlaps(instance, time_range, tz):
            continue
        span = _busy_span(instance, tz)
        if span is not None:
            periods.append((span[0], span[1], busy_type))
    return periods


def _busy_type(event: icalendar.Component) -> str | None:
    """BUSY or BUSY-TENTATIVE, None for transparent or cancelled events."""
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED":
        return None
    return "BUSY-TENTATIVE" if status == "TENTATIVE" else "BUSY"


def _busy_span(instance: Instance, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """The time an event instance takes, by the §9.9 VEVENT rules."""
    if instance.start is None:
        return None
    start = to_utc(instance.start, tz)
    if instance.end is not None:
        return start, to_utc(instance.end, tz)
    if isinstance(instance.start, datetime):
        return None
    return start, day_end(instance.start, tz)


def _stored_freebusy_periods(
    calendar: icalendar.Calendar, start: datetime, end: datetime, tz: tzinfo
) -> list[BusyPeriod]:
    periods = []
    for component in calendar.walk("VFREEBUSY"):
        for period_start, period_end, fbtype in freebusy_periods(component, tz):
            if fbtype in BUSY_TYPES and period_start < end and period_end > start:
                periods.append((period_start, period_end, fbtype))
    return periods


def _merge(periods: list[BusyPeriod]) -> list[BusyPeriod]:
    """Join overlapping or touching periods of the same type; sort by start."""
    merged: list[BusyPeriod] = []
    for fbtype in BUSY_TYPES:
        current: list[datetime] | None = None
        for start, end, _ in sorted(p for p in periods if p[2] == fbtype):
            if current is not None and start <= current[1]:
                current[1] = max(current[1], end)
                continue
            if current is not None:
                merged.append((current[0], current[1], fbtype))
            current = [start, end]
        if current is not None:
            merged.append((current[0], current[1], fbtype))
    return sorted(merged, key=lambda p: (p[0], p[2]))
