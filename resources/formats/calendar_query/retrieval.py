"""Partial retrieval of calendar data (RFC 4791 §9.6: comp/prop, expand, limit sets).

A C:comp returns the properties and subcomponents it lists (none if it lists
none), all of them with C:allprop / C:allcomp; an empty C:comp returns the whole
component (as the VTIMEZONE in RFC 4791 §7.8.1 shows). C:expand returns every
instance overlapping the range (§9.9) as its own component with RECURRENCE-ID,
without RRULE/RDATE/EXDATE/EXRULE, with DATE-TIME values in UTC (floating ones
resolved with the collection's time zone; DATE values stay DATE) and without
VTIMEZONE; non-recurring components outside the range are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import icalendar
from icalendar.prop import vDDDTypes, vText

from resources.formats.calendar_query.filters import TimeRange
from resources.formats.calendar_query.instances import (
    RECURRING_COMPONENTS,
    Expansion,
    Instance,
    Time,
    add_duration,
    date_value,
    duration_value,
    moved_by,
    stored_instance,
    to_utc,
)
from resources.formats.calendar_query.time_ranges import freebusy_periods, instance_overlaps
from resources.formats.expansion_budget import charge_instances

DAY = timedelta(days=1)
_RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "EXDATE", "EXRULE")
_END_PROPERTY = {"VEVENT": "DTEND", "VTODO": "DUE"}


@dataclass(frozen=True)
class PropertySelection:
    """A C:prop inside C:comp: one property to return, optionally without its value."""

    name: str
    novalue: bool = False


@dataclass(frozen=True)
class ComponentSelection:
    """A C:comp: which properties and subcomponents of a component to return (§9.6.1).

    None means all (C:allprop / C:allcomp, or an empty C:comp); () means none."""

    name: str
    properties: tuple[PropertySelection, ...] | None = None
    components: tuple[ComponentSelection, ...] | None = None


@dataclass(frozen=True)
class CalendarDataRequest:
    """A C:calendar-data request element (§9.6): selection, expansion, limits."""

    component: ComponentSelection | None = None
    expand: TimeRange | None = None
    limit_recurrence_set: TimeRange | None = None
    limit_freebusy_set: TimeRange | None = None

    @property
    def expands_only(self) -> bool:
        """Whether the request asks for every part of the object, expanded (§9.6.5)."""
        return self._whole_object and self.expand is not None

    @property
    def selects_everything(self) -> bool:
        """Whether the stored text can be returned unchanged."""
        return self._whole_object and self.expand is None

    @property
    def _whole_object(self) -> bool:
        """Every component and property, no recurrence or free-busy limits."""
        return (
            _selects_all(self.component)
            and self.limit_recurrence_set is None
            and self.limit_freebusy_set is None
        )


def render_calendar_data(
    calendar: icalendar.Calendar,
    raw: bytes,
    request: CalendarDataRequest | None,
    *,
    timezone: tzinfo,
) -> str:
    """The text of C:calendar-data for one calendar object resource (RFC 4791 §9.6)."""
    if request is None or request.selects_everything:
        return _raw_text(raw, calendar)
    result: icalendar.Component = calendar
    if request.expand is not None:
        result = expand_calendar(calendar, request.expand, timezone)
    elif request.limit_recurrence_set is not None:
        result = limit_recurrence_set(calendar, request.limit_recurrence_set, timezone)
    if request.limit_freebusy_set is not None:
        result = limit_freebusy_set(result, request.limit_freebusy_set, timezone)
    if request.component is not None:
        result = select_parts(result, request.component)
    return result.to_ical().decode("utf-8")  # type: ignore[no-any-return]


def expand_calendar(
    calendar: icalendar.Calendar, time_range: TimeRange, tz: tzinfo
) -> icalendar.Component:
    """§9.6.5: one component per instance that overlaps the range, all in UTC."""
    result = _shell(calendar)
    for key, value in calendar.items():
        result[key] = value
    names = list(dict.fromkeys(c.name for c in calendar.subcomponents))
    for name in names:
        if name == "VTIMEZONE":
            continue
        instances = _instances_in_range(calendar, name, time_range, tz)  # type: ignore[arg-type]
        charge_instances(len(instances))  # before any is written: the answer's size is bounded
        for instance in instances:
            result.add_component(_instance_in_utc(instance, tz))
    return result


def _instances_in_range(
    calendar: icalendar.Calendar, name: str, time_range: TimeRange, tz: tzinfo
) -> list[Instance]:
    expansion = Expansion(calendar, name, tz)
    if name not in RECURRING_COMPONENTS and name != "VFREEBUSY":
        return [Instance(c, None, None) for c in expansion.stored]
    lower = moved_by(time_range.start, -DAY) if time_range.start else expansion.earliest()
    upper = moved_by(time_range.end, DAY) if time_range.end else moved_by(lower, 400 * DAY)
    candidates = expansion.between(lower, upper)
    inside = [i for i in candidates if instance_overlaps(i, time_range, tz)]
    return sorted(inside, key=expansion.sort_key)


def _instance_in_utc(instance: Instance, tz: tzinfo) -> icalendar.Component:
    """The stored component moved to the instance's times, recurrence rules dropped."""
    source = instance.component
    result = _shell(source)
    for key, value in source.items():
        if key not in _RECURRENCE_PROPERTIES:
            result[key] = value
    end_name = _END_PROPERTY.get(source.name)  # type: ignore[arg-type]
    if "DTSTART" in source and instance.start is not None:
        result["DTSTART"] = vDDDTypes(instance.start)
    if (
        end_name
        and instance.end is not None
        and (end_name in source or _period_changed_duration(instance))
    ):
        result.pop("DURATION", None)
        result[end_name] = vDDDTypes(instance.end)
    if instance.recurrence_id is not None:
        result["RECURRENCE-ID"] = vDDDTypes(instance.recurrence_id)
    for sub in source.subcomponents:
        result.add_component(_component_in_utc(sub, tz))
    return _component_in_utc(result, tz, keep_subcomponents=True)


def _period_changed_duration(instance: Instance) -> bool:
    """Whether an RDATE;VALUE=PERIOD gave the instance another length than DURATION."""
    duration = duration_value(instance.component)
    if duration is None or instance.start is None or instance.end is None:
        return False
    return add_duration(instance.start, duration) != instance.end


def _component_in_utc(
    component: icalendar.Component, tz: tzinfo, keep_subcomponents: bool = False
) -> icalendar.Component:
    """A copy with every DATE-TIME property value in UTC (TZID parameters dropped)."""
    result = _shell(component)
    for key, value in component.items():
        result[key] = _value_in_utc(value, tz)
    for sub in component.subcomponents:
        result.add_component(sub if keep_subcomponents else _component_in_utc(sub, tz))
    return result


def _value_in_utc(value: object, tz: tzinfo) -> object:
    if isinstance(value, list):
        return [_value_in_utc(v, tz) for v in value]
    if not isinstance(value, vDDDTypes):
        return value
    try:
        moment = value.dt
    except (ValueError, TypeError):
        return value
    if not isinstance(moment, datetime):
        return value
    converted = vDDDTypes(to_utc(moment, tz))
    for name, param in value.params.items():
        if name not in ("TZID", "RANGE"):
            converted.params[name] = param
    return converted


def limit_recurrence_set(
    calendar: icalendar.Calendar, time_range: TimeRange, tz: tzinfo
) -> icalendar.Component:
    """§9.6.6: masters plus only the overrides whose current or original times overlap."""
    result = _shell(calendar)
    for key, value in calendar.items():
        result[key] = value
    masters = {
        (c.name, str(c.get("UID"))): c for c in calendar.subcomponents if "RECURRENCE-ID" not in c
    }
    for component in calendar.subcomponents:
        master = masters.get((component.name, str(component.get("UID"))))
        if "RECURRENCE-ID" not in component or _impacts(component, master, time_range, tz):
            result.add_component(component)
    return result


def _impacts(
    override: icalendar.Component,
    master: icalendar.Component | None,
    time_range: TimeRange,
    tz: tzinfo,
) -> bool:
    if instance_overlaps(stored_instance(override), time_range, tz):
        return True
    rid = date_value(override, "RECURRENCE-ID")
    if rid is None:
        return True
    if str(override["RECURRENCE-ID"].params.get("RANGE", "")).upper() == "THISANDFUTURE":
        return time_range.end is None or to_utc(rid, tz) < time_range.end
    if master is None:
        return False
    return instance_overlaps(_original_instance(master, rid), time_range, tz)


def _original_instance(master: icalendar.Component, rid: Time) -> Instance:
    """The instance the override replaced: the master's shape at RECURRENCE-ID."""
    stored = stored_instance(master)
    if stored.start is None or stored.end is None:
        return Instance(master, rid, None)
    try:
        return Instance(master, rid, rid + (stored.end - stored.start))
    except TypeError:
        return Instance(master, rid, None)


def limit_freebusy_set(
    calendar: icalendar.Component, time_range: TimeRange, tz: tzinfo
) -> icalendar.Component:
    """§9.6.7: VFREEBUSY components keep only the FREEBUSY periods in the range."""
    result = _shell(calendar)
    for key, value in calendar.items():
        result[key] = value
    for component in calendar.subcomponents:
        result.add_component(
            _freebusy_limited(component, time_range, tz)
            if component.name == "VFREEBUSY"
            else component
        )
    return result


def _freebusy_limited(
    component: icalendar.Component, time_range: TimeRange, tz: tzinfo
) -> icalendar.Component:
    result = _shell(component)
    for key, value in component.items():
        if key != "FREEBUSY":
            result[key] = value
    props = component.get("FREEBUSY", [])
    props = props if isinstance(props, list) else [props]
    kept = []
    for prop in props:
        periods = freebusy_periods(_holding(component, prop), tz)
        if any(_period_overlaps(s, e, time_range) for s, e, _ in periods):
            kept.append(prop)
    if kept:
        result["FREEBUSY"] = kept if len(kept) > 1 else kept[0]
    for sub in component.subcomponents:
        result.add_component(sub)
    return result


def _holding(component: icalendar.Component, prop: object) -> icalendar.Component:
    holder = _shell(component)
    holder["FREEBUSY"] = prop
    return holder


def _period_overlaps(start: datetime, end: datetime, time_range: TimeRange) -> bool:
    return (time_range.start is None or time_range.start < end) and (
        time_range.end is None or time_range.end > start
    )


def select_parts(
    component: icalendar.Component, selection: ComponentSelection
) -> icalendar.Component:
    """§9.6.1: keep the selected properties and subcomponents, recursively."""
    result = _shell(component)
    wanted = None if selection.properties is None else {p.name: p for p in selection.properties}
    for key, value in component.items():
        if wanted is None:
            result[key] = value
        elif key in wanted:
            result[key] = _without_value(value) if wanted[key].novalue else value
    children = None if selection.components is None else {c.name: c for c in selection.components}
    for sub in component.subcomponents:
        if children is None:
            result.add_component(sub)
        elif sub.name in children:
            result.add_component(select_parts(sub, children[sub.name]))
    return result


def _without_value(value: object) -> object:
    """C:prop novalue="yes": the name and parameters with an empty value."""
    if isinstance(value, list):
        return [_without_value(v) for v in value]
    empty = vText("")
    for name, param in getattr(value, "params", {}).items():
        if name != "VALUE":
            empty.params[name] = param
    return empty


def _selects_all(selection: ComponentSelection | None) -> bool:
    if selection is None:
        return True
    return (
        selection.properties is None
        and selection.components is None
        and selection.name == "VCALENDAR"
    )


def _shell(component: icalendar.Component) -> icalendar.Component:
    """An empty component of the same type and name."""
    result = type(component)()
    result.name = component.name  # type: ignore[misc]
    return result


def _raw_text(raw: bytes, calendar: icalendar.Calendar) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return calendar.to_ical().decode("utf-8")  # type: ignore[no-any-return]
