"""Bounded expansion of one calendar object for one window (RFC 4791 §5.2.8, §9.9).

Before recurring-ical-events expands an object, each RRULE is checked:
- an evenly spaced rule far from the window is moved to start just before it
  (resources.formats.recurrence_limits.jumped_start), so dateutil walks only the window;
- any other rule whose walk from DTSTART to the window is longer than MAX_WALK_STEPS,
  or that makes more than max-instances instances inside the window, is refused with
  TooManyInstances instead of costing minutes (only objects stored before the limit
  existed, or windows of centuries, get there).
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
from icalendar.prop import vDDDTypes, vRecur

from resources.error_codes import sentence
from resources.errors import TooManyInstances
from resources.formats.calendar_recurrence import first_value
from resources.formats.expansion_budget import check_object_instances, check_time, max_instances
from resources.formats.recurrence_limits import (
    MAX_WALK_STEPS,
    instances_between,
    jumped_start,
    most_per_step,
    walk_steps,
)

JUMP_AFTER = 1000  # steps; shorter walks cost less than copying the component
JUMP_MARGIN = timedelta(hours=2)  # the moved start lies this much earlier still (a DST change)
FLOATING_MARGIN = timedelta(
    hours=16
)  # floating and DATE values: read in any zone, up to 14 h off UTC
_ENDS = ("DTEND", "DUE")


def bounded_calendar(
    calendar: icalendar.Component, name: str, lower: datetime, upper: datetime
) -> icalendar.Component:
    """The calendar to expand for [lower, upper): the stored one, or a copy whose
    evenly spaced rules start near the window. Raises TooManyInstances."""
    check_time()
    limit = max_instances()
    replaced: dict[int, icalendar.Component] = {}
    expected = 0
    for index, component in enumerate(calendar.subcomponents):
        if component.name != name or "RRULE" not in component or "RECURRENCE-ID" in component:
            continue
        start = _value(component, "DTSTART")
        if start is None:
            continue
        rules: Any = component["RRULE"]  # one vRecur, or a list of them
        rules = rules if isinstance(rules, list) else [rules]
        length = _length(component, start)
        if length is None:
            continue
        if len(rules) == 1:
            margin = (
                JUMP_MARGIN if isinstance(start, datetime) and start.tzinfo else FLOATING_MARGIN
            )
            moved = _moved(component, rules[0], start, lower - length - margin)
            if moved is not None:
                replaced[index], start, rules = moved, moved["DTSTART"].dt, [moved["RRULE"]]  # type: ignore[assignment, union-attr]
        for rule in rules:
            expected += _instances_in_window(
                rule,
                start,
                lower - length,
                upper,
                limit - expected + 1,
            )
            if expected > limit:
                check_object_instances(expected)
    if not replaced:
        return calendar
    shifted = copy.copy(calendar)
    shifted.subcomponents = [replaced.get(i, c) for i, c in enumerate(calendar.subcomponents)]
    return shifted


def _instances_in_window(
    rule: vRecur, start: datetime | date, lower: datetime, upper: datetime, room: int
) -> int:
    if not hasattr(rule, "get"):
        return 0
    if walk_steps(rule, start, lower) > MAX_WALK_STEPS:
        raise TooManyInstances(
            sentence("rule_walk_too_long", rule=rule.to_ical().decode(), steps=MAX_WALK_STEPS),
            max_instances(),
        )
    steps = walk_steps(rule, start, upper) - max(walk_steps(rule, start, lower), 0)
    estimate = max(steps + 1, 0) * most_per_step(rule)  # an upper bound, from arithmetic alone
    return estimate if estimate < room else instances_between(rule, start, lower, upper, room)


def _moved(
    component: icalendar.Component, rule: vRecur, start: date | datetime, before: datetime
) -> icalendar.Component | None:
    """A copy of the master starting at the last step before `before`, or None."""
    jump = jumped_start(rule, start, before)
    if jump is None or jump.steps < JUMP_AFTER:
        return None
    moved = copy.copy(component)
    moved.subcomponents = list(component.subcomponents)
    shift = jump.start - start  # type: ignore[operator]  # both of start's kind
    moved["DTSTART"] = _like(component["DTSTART"], jump.start)
    for end_name in _ENDS:
        end = _value(component, end_name)
        if end is not None:
            moved[end_name] = _like(
                component[end_name], end + shift if type(end) is type(start) else end
            )
    new_rule = vRecur(dict(rule))
    count = first_value(rule.get("COUNT"))
    if isinstance(count, int):
        new_rule["COUNT"] = [count - jump.steps]
    moved["RRULE"] = new_rule
    return moved


def _like(prop: Any, value: date | datetime) -> vDDDTypes:
    """`value` as a property with the parameters of `prop` (TZID; VALUE=DATE for a date)."""
    result = vDDDTypes(value)
    for key, param in prop.params.items():
        if key != "VALUE" or not isinstance(value, datetime):
            result.params[key] = param
    return result


def _length(component: icalendar.Component, start: date | datetime) -> timedelta | None:
    """How long before the window an instance may start and still touch it."""
    end = _value(component, "DTEND") or _value(component, "DUE")
    duration = component.get("DURATION")
    try:
        length = (
            end - start
            if end is not None and type(end) is type(start)
            else getattr(duration, "dt", None)
        )
    except TypeError:
        return None
    length = length if isinstance(length, timedelta) else timedelta(0)
    return abs(length) + (timedelta(days=1) if not isinstance(start, datetime) else timedelta(0))


def _value(component: icalendar.Component, name: str) -> date | datetime | None:
    prop = component.get(name)
    if isinstance(prop, list):
        return None
    value = getattr(prop, "dt", None)
    return value if isinstance(value, date) else None
