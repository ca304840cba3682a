"""Recurrence instances of calendar components, bounded by a window (RFC 4791 §9.9).

recurring-ical-events expands RRULE, RDATE, EXDATE and RECURRENCE-ID overrides
(also RANGE=THISANDFUTURE); this module asks it only for the window a query needs
and keeps, for every instance, the stored component whose properties apply, so the
§9.9 tables can look at which properties that component really has.
X-WR-TIMEZONE is not applied: UTC values stay UTC as RFC 5545 says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import icalendar
from recurring_ical_events import CalendarQuery
from recurring_ical_events.adapters.component import ComponentAdapter
from recurring_ical_events.adapters.event import EventAdapter
from recurring_ical_events.adapters.journal import JournalAdapter
from recurring_ical_events.adapters.todo import TodoAdapter
from recurring_ical_events.selection.name import ComponentsWithName

from resources.formats.calendar_query.rule_walks import bounded_calendar
from resources.formats.expansion_budget import check_object_instances

UTC = UTC
RECURRING_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
FAR_PAST = datetime(2, 1, 1, tzinfo=UTC)
GROW_BELOW = 1000  # a lazy walk's windows double while they hold fewer instances than this
_END_PROPERTY = {"VEVENT": "DTEND", "VTODO": "DUE"}
# Errors recurring-ical-events and icalendar raise for data they cannot expand.
EXPANSION_ERRORS = (ValueError, TypeError, KeyError, OverflowError)

Time = date | datetime


@dataclass(frozen=True)
class Instance:
    """One occurrence: the stored component whose properties apply, and its own times.

    `start` is the instance's DTSTART and `end` its DTEND (VEVENT), DUE or
    DTSTART+DURATION (VTODO), as DATE, floating or zoned values; None where the
    stored component has no such property. `recurrence_id` is None for a component
    that is not part of a recurrence set; `expanded` is the instance as a component;
    `parent` is the instance a VALARM belongs to.
    """

    component: icalendar.Component
    start: Time | None
    end: Time | None
    recurrence_id: Time | None = None
    expanded: icalendar.Component | None = None
    parent: Instance | None = None


def moved_by(moment: datetime, delta: timedelta) -> datetime:
    """moment + delta, kept between FAR_PAST and FAR_FUTURE (a window from year 1 to 9999)."""
    try:
        return min(max(moment + delta, FAR_PAST), FAR_FUTURE)
    except OverflowError:
        return FAR_FUTURE if delta > timedelta(0) else FAR_PAST


def to_utc(value: Time, tz: tzinfo) -> datetime:
    """Resolve a DATE, floating or zoned value to UTC; `tz` serves the first two."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def date_value(component: icalendar.Component, name: str) -> Time | None:
    """The DATE or DATE-TIME value of a property, None if absent or unreadable."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    try:
        value = prop.dt if prop is not None else None
    except EXPANSION_ERRORS:
        return None
    return value if isinstance(value, date) else None


def duration_value(component: icalendar.Component) -> timedelta | None:
    """The DURATION of a component, None if absent or unreadable."""
    try:
        value = component["DURATION"].dt if "DURATION" in component else None  # type: ignore[union-attr]
    except EXPANSION_ERRORS:
        return None
    return value if isinstance(value, timedelta) else None


def add_duration(start: Time, duration: timedelta) -> Time:
    """DTSTART + DURATION as RFC 5545 §3.3.6 computes it (days keep the wall-clock time)."""
    if duration.seconds and not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day)
    return start + duration


def stored_instance(component: icalendar.Component) -> Instance:
    """A stored component taken as the only instance of itself."""
    start = date_value(component, "DTSTART")
    end_name = _END_PROPERTY.get(component.name)  # type: ignore[arg-type]
    end = date_value(component, end_name) if end_name else None
    duration = duration_value(component)
    if end is None and end_name and start is not None and duration is not None:
        end = add_duration(start, duration)
    rid = date_value(component, "RECURRENCE-ID")
    return Instance(component, start, end, rid, component)


def is_recurring(components: list[icalendar.Component]) -> bool:
    """Whether the components form a recurrence set (rules, dates or overrides)."""
    return any("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c for c in components)


class Expansion:
    """The instances of one component type in one calendar object, made on demand."""

    def __init__(self, calendar: icalendar.Component, name: str, tz: tzinfo) -> None:
        self.calendar = calendar
        self.name = name
        self.tz = tz
        self.stored = [c for c in calendar.subcomponents if c.name == name]
        self.recurring = name in RECURRING_COMPONENTS and is_recurring(self.stored)
        self._query: CalendarQuery | None = None

    def between(self, lower: datetime, upper: datetime) -> list[Instance]:
        """Instances that may overlap [lower, upper); the caller applies §9.9 exactly."""
        if not self.recurring:
            return [stored_instance(c) for c in self.stored]
        lower, upper = max(lower, FAR_PAST), min(upper, FAR_FUTURE)
        try:
            query = self._library(bounded_calendar(self.calendar, self.name, lower, upper))
            copies = query.between(lower.astimezone(self.tz), upper.astimezone(self.tz))
        except EXPANSION_ERRORS:
            return [stored_instance(c) for c in self.stored]
        check_object_instances(len(copies))
        return [self._instance(copy) for copy in copies]

    def iterate(
        self, lower: datetime | None, upper: datetime | None, stop_after: datetime | None = None
    ) -> Iterator[Instance]:
        """Instances from `lower` on, lazily, in growing windows, in start order.

        An open `lower` starts at the earliest stored date; an open `upper` ends at
        FAR_FUTURE. The walk also ends after the first instance past `stop_after`.
        """
        low = (
            max(lower, self.earliest()) if lower is not None else self.earliest()
        )  # none start earlier
        high = upper if upper is not None else FAR_FUTURE
        seen: set[tuple[Any, ...]] = set()
        span = timedelta(days=7)
        while low < high:
            window_end = low + min(span, high - low)
            batch = self.between(low, window_end)
            if not self.recurring:
                yield from batch
                return
            for instance in sorted(batch, key=self.sort_key):
                key = (instance.component.get("UID"), self.sort_key(instance))
                if key in seen:
                    continue
                seen.add(key)
                yield instance
                if stop_after is not None and key[1] > stop_after:
                    return
            low, span = window_end, span * 2 if len(batch) < GROW_BELOW else span

    def earliest(self) -> datetime:
        """A moment before every instance of the stored components."""
        values = [v for c in self.stored for v in _anchor_dates(c)]
        if not values:
            return datetime(1900, 1, 1, tzinfo=UTC)
        try:
            return max(min(to_utc(v, self.tz) for v in values) - timedelta(days=2), FAR_PAST)
        except OverflowError:  # a value in year 1
            return FAR_PAST

    def latest_override(self) -> datetime | None:
        """The latest start or RECURRENCE-ID of a stored override, in UTC."""
        values = [
            to_utc(v, self.tz)
            for c in self.stored
            if "RECURRENCE-ID" in c
            for v in (date_value(c, "RECURRENCE-ID"), date_value(c, "DTSTART"))
            if v is not None
        ]
        return max(values, default=None)

    def sort_key(self, instance: Instance) -> datetime:
        """The instance's recurrence id (or start) in UTC, for ordering and identity."""
        value = instance.recurrence_id or instance.start or instance.end
        return to_utc(value, self.tz) if value is not None else datetime.min.replace(tzinfo=UTC)

    def _library(self, calendar: icalendar.Component) -> CalendarQuery:
        """The library's query over `calendar` (the stored one is kept for reuse; a copy
        with moved rule starts serves one window)."""
        if calendar is not self.calendar:
            return _calendar_query(calendar, self.name)
        if self._query is None:
            self._query = _calendar_query(calendar, self.name)
        return self._query

    def _instance(self, copy: icalendar.Component) -> Instance:
        source = copy.source_component  # type: ignore[attr-defined]
        start = date_value(copy, "DTSTART") if "DTSTART" in source else None
        end_name = _END_PROPERTY.get(self.name)
        has_end = end_name in source or ("DURATION" in source and start is not None)
        end = date_value(copy, end_name) if end_name and has_end else None
        return Instance(source, start, end, _recurrence_id(copy, source), copy)


def _calendar_query(calendar: icalendar.Component, name: str) -> CalendarQuery:
    selection = ComponentsWithName(name, adapter=_SOURCE_KEEPING[name])
    return CalendarQuery(calendar, components=[selection])


def _recurrence_id(copy: icalendar.Component, source: icalendar.Component) -> Time | None:
    """The RECURRENCE-ID an instance answers to (RFC 5545 §3.8.4.4)."""
    start = date_value(copy, "DTSTART")
    stored_rid = date_value(source, "RECURRENCE-ID")
    if stored_rid is None:
        return start
    stored_start = date_value(source, "DTSTART")
    if start is None or stored_start is None or start == stored_start:
        return stored_rid
    # An instance derived from a RANGE=THISANDFUTURE override moved by its offset.
    try:
        return start - (stored_start - stored_rid)
    except TypeError:
        return start


def _anchor_dates(component: icalendar.Component) -> list[Time]:
    """DTSTART, DUE, RECURRENCE-ID and RDATE values: the earliest one starts a series."""
    values = [date_value(component, n) for n in ("DTSTART", "DUE", "RECURRENCE-ID")]
    rdates = component.get("RDATE", [])
    for prop in rdates if isinstance(rdates, list) else [rdates]:
        for item in getattr(prop, "dts", []):
            value = item.dt[0] if isinstance(item.dt, tuple) else item.dt
            values.append(value)
    return [v for v in values if isinstance(v, date)]


def _source_keeping(adapter: type[ComponentAdapter]) -> type[ComponentAdapter]:
    """An adapter whose instance copies remember the stored component they come from."""

    class SourceKeeping(adapter):  # type: ignore[misc]
        def as_component(
            self, start: Any = None, stop: Any = None, keep_recurrence_attributes: bool = True
        ) -> icalendar.Component:
            copy = super().as_component(start, stop, keep_recurrence_attributes)
            copy.source_component = self._component
            return copy  # type: ignore[no-any-return]

    return SourceKeeping


_SOURCE_KEEPING = {
    "VEVENT": _source_keeping(EventAdapter),
    "VTODO": _source_keeping(TodoAdapter),
    "VJOURNAL": _source_keeping(JournalAdapter),
}
