"""How many instances a recurrence rule makes, and how to reach a far window without
walking there (RFC 4791 §5.2.8 CALDAV:max-instances, RFC 5545 §3.3.10).

A write is refused when one object's rules make more than max-instances instances
from DTSTART up to the end of the series or, for a series without end (or ending
later), up to INSTANCE_HORIZON after the write: the stretch stored occurrence lists
and phones look at. So a stored rule never makes more than max-instances instances
before that horizon; a never-ending MINUTELY or HOURLY rule is refused, a daily one
that began this century is not.

dateutil finds an instance by walking every step from DTSTART, which for a SECONDLY
rule months old is millions of steps. For a rule whose instances are evenly spaced
(no BY… parts, so every step is an instance) `jumped_start` gives the step just
before a window, from which dateutil walks only the window. Any other rule whose walk
to a window would be longer than MAX_WALK_STEPS is refused (`walk_steps`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice

import icalendar
from icalendar.prop import vRecur

from resources.error_codes import sentence
from resources.errors import TooManyInstances
from resources.formats.calendar_recurrence import (
    DATEUTIL_PARTS,
    dateutil_rule,
    first_value,
    rule_never_matches,
    wall_clock,
)

INSTANCE_HORIZON = timedelta(days=4 * 366)
MAX_WALK_STEPS = 300_000
_STEP_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,
    "YEARLY": 365 * 86400,
}
_FIXED_STEPS = {
    "SECONDLY": "seconds",
    "MINUTELY": "minutes",
    "HOURLY": "hours",
    "DAILY": "days",
    "WEEKLY": "weeks",
}
_PLAIN_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"})


def check_instance_count(
    components: list[icalendar.Component], limit: int, written: datetime
) -> None:
    """Refuse an object whose recurrence rules make more than `limit` instances
    (see the module docstring for how a series without end counts)."""
    total = 0
    for component in components:
        start = _dtstart(component)
        rules = component.get("RRULE")
        rdates = component.get("RDATE")
        for prop in rdates if isinstance(rdates, list) else [rdates] if rdates is not None else []:
            total += len(getattr(prop, "dts", ()))
        if start is None:
            continue
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            total += rule_instance_count(rule, start, limit - total + 1, written)
            if total > limit:
                raise TooManyInstances(
                    sentence(
                        "recurrence_too_many_instances",
                        max=limit,
                        horizon=f"{(written + INSTANCE_HORIZON):%Y-%m-%d}",
                    ),
                    limit,
                )


def rule_instance_count(rule: vRecur, start: date | datetime, room: int, written: datetime) -> int:
    """Instances of one RRULE up to its end or the horizon, counted up to `room`."""
    if (
        not hasattr(rule, "get")
        or rule_never_matches(rule)
        or not set(rule.keys()) <= DATEUTIL_PARTS | {"COUNT", "UNTIL"}
    ):
        return 0
    count = first_value(rule.get("COUNT"))
    if isinstance(count, int):
        return max(0, min(count, room))
    horizon_end = written + INSTANCE_HORIZON
    estimate = (walk_steps(rule, start, horizon_end) + 1) * most_per_step(
        rule
    )  # arithmetic, an upper bound
    if 0 <= estimate < room:
        return estimate
    horizon = _wall_clock_at(horizon_end, start)
    until = _until_wall(rule, start)
    if until is not None:
        horizon = min(horizon, until)
    wall = wall_clock(start)
    if horizon < wall:
        return 0
    try:
        expansion = dateutil_rule(rule, wall).replace(until=horizon)
        return sum(1 for _ in islice(expansion, room))
    except Exception:  # noqa: BLE001 - a rule dateutil cannot follow makes no instances here
        return 0


@dataclass(frozen=True)
class Jump:
    """A later DTSTART that is itself an instance, `steps` rule steps after the real one."""

    start: date | datetime
    steps: int


def jumped_start(rule: vRecur, start: date | datetime, before: datetime) -> Jump | None:
    """For an evenly spaced rule: the latest step at or before `before` (a UTC instant),
    None when the rule is not evenly spaced or there is nothing to skip."""
    if not hasattr(rule, "get") or not set(rule.keys()) <= _PLAIN_PARTS:
        return None
    unit = _FIXED_STEPS.get(str(first_value(rule.get("FREQ"))))
    interval = first_value(rule.get("INTERVAL")) or 1
    if unit is None or not isinstance(interval, int) or interval < 1:
        return None
    step = timedelta(**{unit: interval})
    target = _wall_clock_at(before, start)
    steps = (target - wall_clock(start)) // step
    if steps < 2:
        return None
    count = first_value(rule.get("COUNT"))
    if isinstance(count, int) and steps >= count:
        steps = max(count - 1, 0)
    try:
        if not isinstance(start, datetime):
            if step.seconds:
                return None
            moved = start + step * steps
        else:  # on the wall clock, as dateutil steps
            moved = (start.replace(tzinfo=None) + step * steps).replace(tzinfo=start.tzinfo)
    except OverflowError:
        return None
    return Jump(moved, steps) if steps >= 2 else None


def walk_steps(rule: vRecur, start: date | datetime, before: datetime) -> int:
    """About how many steps dateutil takes from DTSTART to `before` (a UTC instant)."""
    if not hasattr(rule, "get"):
        return 0
    seconds = _STEP_SECONDS.get(str(first_value(rule.get("FREQ"))))
    interval = first_value(rule.get("INTERVAL")) or 1
    if seconds is None or not isinstance(interval, int) or interval < 1:
        return 0
    target = _wall_clock_at(before, start)
    until = _until_wall(rule, start)
    try:
        distance = (
            (target if until is None else min(target, until)) - wall_clock(start)
        ).total_seconds()
    except OverflowError:
        return 0
    steps = int(distance // (seconds * interval))
    count = first_value(rule.get("COUNT"))
    return min(steps, count) if isinstance(count, int) else steps


def _wall_clock_at(moment: datetime, start: date | datetime) -> datetime:
    """A UTC instant as a naive wall-clock time in DTSTART's zone (UTC for DATE or floating)."""
    zone = start.tzinfo if isinstance(start, datetime) and start.tzinfo is not None else UTC
    try:
        return moment.astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        return (
            datetime.max - timedelta(days=2)
            if moment.year > 5000
            else datetime.min + timedelta(days=2)
        )


def _until_wall(rule: vRecur, start: date | datetime) -> datetime | None:
    """UNTIL as a naive wall-clock time in DTSTART's zone, a day late when its value type
    does not match DTSTART's (never earlier than the rule's real end)."""
    until = first_value(rule.get("UNTIL"))
    if not isinstance(until, date):
        return None
    if isinstance(until, datetime) and until.tzinfo is not None:
        moment = _wall_clock_at(until, start)
        return (
            moment
            if isinstance(start, datetime) and start.tzinfo is not None
            else moment + timedelta(days=1)
        )
    return wall_clock(until) + (timedelta(0) if type(until) is type(start) else timedelta(days=1))


def _dtstart(component: icalendar.Component) -> date | datetime | None:
    prop = component.get("DTSTART")
    value = getattr(prop, "dt", None)
    return value if isinstance(value, date) else None


_LIST_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH")
_BYDAY_SPREAD = {"MONTHLY": 5, "YEARLY": 53}


def most_per_step(rule: vRecur) -> int:
    """An upper bound of the instances one step of the rule can make (its BY… lists)."""
    most = 1
    for part in _LIST_PARTS:
        values = rule.get(part)
        if values is not None:
            most *= len(values) if isinstance(values, list) else 1
    days = rule.get("BYDAY")
    if days is not None:
        most *= (len(days) if isinstance(days, list) else 1) * _BYDAY_SPREAD.get(
            str(first_value(rule.get("FREQ"))), 1
        )
    return most


def instances_between(
    rule: vRecur, start: date | datetime, lower: datetime, upper: datetime, room: int
) -> int:
    """How many instances of the rule from `start` fall in [lower, upper) (UTC instants),
    counted with dateutil up to `room` (no components are made)."""
    wall = wall_clock(start)
    low, high = _wall_clock_at(lower, start), _wall_clock_at(upper, start)
    until = _until_wall(rule, start)
    if until is not None:
        high = min(high, until + timedelta(seconds=1))
    try:
        expansion = dateutil_rule(rule, wall)
        count = first_value(rule.get("COUNT"))
        if isinstance(count, int):
            expansion = expansion.replace(count=count)
        found = 0
        for moment in expansion.xafter(low, count=room, inc=True):
            if moment >= high:
                break
            found += 1
        return found
    except Exception:  # noqa: BLE001 - what dateutil cannot follow, the expansion handles as before
        return 0
