"""Whether a calendar object matches a calendar-query filter (RFC 4791 §7.8, §9.7, §9.9).

A comp-filter on a recurring VEVENT, VTODO or VJOURNAL is tested instance by
instance: the time-range against the instance's own times, the prop-filters and
nested comp-filters against the stored component (master or override) that the
instance comes from, with DTSTART/DTEND/DUE taken from the instance. Instances are
expanded only within the window the filter needs: the comp-filter's time-range,
narrowed by nested VALARM and DTSTART/DTEND/DUE time-ranges. Without such a window
the stored components stand for all their instances (they carry the same
properties); over a range open on one side, the walk stops at the first master
instance that passes every time test, once every override has been seen.
Cancelled instances (STATUS:CANCELLED overrides) are instances like any other,
since §9.9 does not look at STATUS; EXDATEs remove instances.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

import icalendar

from resources.formats.calendar_query.filters import (
    INSTANCE_PROPERTIES,
    CompFilter,
    ParamFilter,
    PropFilter,
    TimeRange,
    check_filter,
)
from resources.formats.calendar_query.instances import (
    RECURRING_COMPONENTS,
    Expansion,
    Instance,
    moved_by,
    stored_instance,
    to_utc,
)
from resources.formats.calendar_query.text_match import (
    parameter_texts,
    properties_named,
    property_texts,
    text_matches,
)
from resources.formats.calendar_query.time_ranges import (
    alarm_trigger_times,
    instance_overlaps,
    value_overlaps,
)

DAY = timedelta(days=1)
LAZY_AFTER = timedelta(days=366)


class _Scope:
    """One calendar object under test, with its expansions made once."""

    def __init__(self, calendar: icalendar.Component, tz: tzinfo) -> None:
        self.calendar = calendar
        self.tz = tz
        self._expansions: dict[str, Expansion] = {}

    def expansion(self, name: str) -> Expansion:
        if name not in self._expansions:
            self._expansions[name] = Expansion(self.calendar, name, self.tz)
        return self._expansions[name]


def calendar_matches(
    calendar: icalendar.Calendar, root_filter: CompFilter, *, timezone: tzinfo
) -> bool:
    """Whether the calendar object matches the filter (RFC 4791 §9.7.1).

    `timezone` resolves DATE and floating values: the collection's
    CALDAV:calendar-timezone or the query's C:timezone. Raises InvalidFilter,
    UnsupportedFilter for filters `check_filter` refuses.
    """
    check_filter(root_filter)
    if root_filter.is_not_defined or calendar.name != "VCALENDAR":
        return False
    scope = _Scope(calendar, timezone)
    return _instance_matches(Instance(calendar, None, None, None, calendar), root_filter, scope)


def _instance_matches(instance: Instance, flt: CompFilter, scope: _Scope) -> bool:
    """All tests of a comp-filter against one instance of its component."""
    if flt.time_range is not None and not instance_overlaps(instance, flt.time_range, scope.tz):
        return False
    if not all(_prop_filter_matches(instance, p, scope.tz) for p in flt.prop_filters):
        return False
    return all(_child_filter_matches(instance, c, scope) for c in flt.comp_filters)


def _child_filter_matches(parent: Instance, flt: CompFilter, scope: _Scope) -> bool:
    """A comp-filter in the scope of `parent` (§9.7.1): one child instance must match."""
    stored = [c for c in parent.component.subcomponents if c.name == flt.name]
    if flt.is_not_defined:
        return not stored
    if not stored:
        return False
    candidates = _candidates(parent, flt, stored, scope)
    return any(_instance_matches(instance, flt, scope) for instance in candidates)


def _candidates(
    parent: Instance, flt: CompFilter, stored: list[icalendar.Component], scope: _Scope
) -> Iterable[Instance]:
    """The instances a comp-filter must look at, expanded only as far as needed."""
    if flt.name == "VALARM":
        return [Instance(alarm, None, None, parent=parent) for alarm in stored]
    if parent.component is not scope.calendar or flt.name not in RECURRING_COMPONENTS:
        return [stored_instance(c) for c in stored]
    expansion = scope.expansion(flt.name)
    if not expansion.recurring:
        return [stored_instance(c) for c in stored]
    window = _window(flt, expansion, scope.tz)
    if window is None:
        return [stored_instance(c) for c in stored]
    lower, upper, margin = window
    if lower is not None and upper is not None:
        if upper - lower > LAZY_AFTER:  # one match is enough: walk a long window in growing pieces
            return expansion.iterate(lower, upper)
        return expansion.between(lower, upper) if lower < upper else []
    return expansion.iterate(lower, upper, _stop_after(lower, margin, expansion))


def _stop_after(lower: datetime | None, margin: timedelta, expansion: Expansion) -> datetime:
    """Where a walk over an open range may end. Open to the future: past lower +
    2 * margin every master instance passes the time tests, so the first one there
    stands for all later ones. Open to the past: the earliest master instance passes
    them best, so it stands for all. Overrides (own properties) must all be seen."""
    stop = expansion.earliest() if lower is None else moved_by(lower, 2 * margin)
    latest_override = expansion.latest_override()
    return stop if latest_override is None else max(stop, moved_by(latest_override, margin))


def _window(
    flt: CompFilter, expansion: Expansion, tz: tzinfo
) -> tuple[datetime | None, datetime | None, timedelta] | None:
    """The span instances must touch to pass every time test of the filter, widened
    by a margin for durations and alarm offsets; None if no test depends on time."""
    margin = _margin(expansion, tz)
    ranges = [(flt.time_range, DAY)] if flt.time_range is not None else []
    ranges += [
        (c.time_range, margin)
        for c in flt.comp_filters
        if c.name == "VALARM" and c.time_range is not None
    ]
    ranges += [
        (p.time_range, margin)
        for p in flt.prop_filters
        if p.name in INSTANCE_PROPERTIES and p.time_range is not None
    ]
    if not ranges:
        return None
    lowers = [moved_by(tr.start, -widen) for tr, widen in ranges if tr.start is not None]
    uppers = [moved_by(tr.end, widen) for tr, widen in ranges if tr.end is not None]
    return (max(lowers) if lowers else None, min(uppers) if uppers else None, margin)


def _margin(expansion: Expansion, tz: tzinfo) -> timedelta:
    """How far an instance's times and alarms reach from its start, plus a day."""
    reach = timedelta(0)
    for component in expansion.stored:
        instance = stored_instance(component)
        if instance.start is None:
            continue
        start = to_utc(instance.start, tz)
        if instance.end is not None:
            reach = max(reach, abs(to_utc(instance.end, tz) - start))
        for alarm in component.walk("VALARM"):
            for trigger in alarm_trigger_times(alarm, instance, tz):
                reach = max(reach, abs(trigger - start))
    return 2 * reach + DAY


def _prop_filter_matches(instance: Instance, flt: PropFilter, tz: tzinfo) -> bool:
    """A prop-filter (§9.7.2): one occurrence of the property must pass all tests."""
    props = properties_named(instance.component, flt.name)
    if flt.is_not_defined:
        return not props
    return any(_property_matches(instance, prop, flt, tz) for prop in props)


def _property_matches(instance: Instance, prop: object, flt: PropFilter, tz: tzinfo) -> bool:
    if flt.time_range is not None and not _property_overlaps(instance, prop, flt, tz):
        return False
    if flt.text_match is not None and not text_matches(flt.text_match, property_texts(prop)):
        return False
    return all(_param_filter_matches(prop, p) for p in flt.param_filters)


def _property_overlaps(instance: Instance, prop: object, flt: PropFilter, tz: tzinfo) -> bool:
    """§9.9 for a date property; DTSTART, DTEND and DUE are the instance's own."""
    values: list[object]
    if flt.name == "DTSTART" and instance.start is not None:
        values = [instance.start]
    elif flt.name in ("DTEND", "DUE") and instance.end is not None:
        values = [instance.end]
    else:
        values = _date_values(prop)
    time_range: TimeRange = flt.time_range  # type: ignore[assignment]
    return any(isinstance(v, date) and value_overlaps(v, time_range, tz) for v in values)


def _date_values(prop: object) -> list[object]:
    try:
        dts = getattr(prop, "dts", None)
        return [item.dt for item in dts] if dts is not None else [prop.dt]  # type: ignore[attr-defined]
    except (ValueError, TypeError, AttributeError):
        return []


def _param_filter_matches(prop: object, flt: ParamFilter) -> bool:
    """A param-filter (§9.7.3) on one occurrence of a property."""
    values = parameter_texts(prop, flt.name)
    if flt.is_not_defined:
        return values is None
    if values is None:
        return False
    return flt.text_match is None or text_matches(flt.text_match, values)
