"""Time span of a calendar object for the time-range index (RFC 4791 §9.9).

`time_bounds` returns (first_start, last_end) in UTC such that every instance a
CALDAV:time-range filter can match, on the component or on its VALARMs, lies
inside: a query may prefilter with `first_start < range_end AND last_end >
range_start` and then evaluate exactly. None means unbounded on that side.

- §9.9 compares some edges inclusively (`start <= DTSTART`, `end >= DUE`); the
  prefilter is strict, so such edges are widened by one second (TICK).
- DATE and floating values are read later in the calendar's time zone, which
  can be anywhere from UTC-12 to UTC+14: they are widened by FLOATING_MARGIN.
- So are values whose TZID is not an IANA name (Windows names, custom
  VTIMEZONEs, unknown zones): icalendar resolves those through a process-wide
  cache holding the first definition it saw, so another process (the one that
  answers the query) may read them with another definition.
- Zoned values are widened nowhere, but `start + duration` is taken both as
  wall-clock and as elapsed time, whichever reaches further, so DST never
  shortens a span.
- Unexpected data never makes the index lose an object: if the span cannot be
  computed it is (None, None), which every query considers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Component

from resources.errors import InvalidCalendarData
from resources.formats.calendar_recurrence import RuleEnd, last_rule_start, rule_never_matches

log = logging.getLogger(__name__)

TICK = timedelta(seconds=1)
FLOATING_MARGIN = timedelta(hours=14)
ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)
# A rarely matching RRULE may cost up to ~0.3 s to follow (calendar_recurrence); rules
# beyond this many in one object are not followed and count as unbounded.
MAX_RULE_EXPANSIONS = 4

Span = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Reach:
    """How far one instance reaches around its start: [start + before, start + after].

    `after` None: the instance has no end. `lead`/`lag`: how much earlier/later
    than that its alarms may fire (or a margin for loosely read values). `shift`:
    how far a RANGE=THISANDFUTURE override moved the instance (already in
    before/after; kept for RDATE periods, which bring their own length).
    """

    before: timedelta
    after: timedelta | None
    lead: timedelta = ZERO
    lag: timedelta = ZERO
    shift: timedelta = ZERO

    def moved(self, shift: timedelta, margin: timedelta) -> Reach:
        after = None if self.after is None else self.after + shift
        return Reach(self.before + shift, after, self.lead + margin, self.lag + margin, shift)


class _RuleBudget:
    """How many more RRULEs of this object may be followed."""

    def __init__(self, rules: int) -> None:
        self.rules = rules

    def take(self) -> bool:
        self.rules -= 1
        return self.rules >= 0


def time_bounds(components: list[Component], kind: str) -> Span:
    """The span of all instances of the object's components (master and overrides)."""
    try:
        spans: list[Span] = []
        budget = _RuleBudget(MAX_RULE_EXPANSIONS)
        for component in components:
            spans.extend(_component_spans(component, kind, components, budget))
        first, last = _union(spans)
        if first is not None and last is not None and first > last:  # e.g. DTEND before DTSTART
            first, last = last, first
        return first, last
    except InvalidCalendarData:
        raise
    except Exception as error:  # noqa: BLE001 - the index must not lose the object
        log.info("time span of a %s left unbounded: %s: %s", kind, type(error).__name__, error)
        return None, None


def _component_spans(
    component: Component, kind: str, siblings: list[Component], budget: _RuleBudget
) -> list[Span]:
    if kind == "VFREEBUSY":
        return _freebusy_spans(component)
    if kind == "VAVAILABILITY":
        return _availability_spans(component, budget)
    anchored = _anchored_reach(component, kind)
    if anchored is None:
        return _todo_spans_without_anchor(component) if kind == "VTODO" else [(None, None)]
    anchor, reach = anchored
    lead, lag, alarm_spans = _alarm_reach(component)
    reach = Reach(reach.before, reach.after, lead, lag)
    reaches = [reach, *_this_and_future_reaches(component, kind, siblings)]
    return _series_spans(component, anchor, reaches, budget) + alarm_spans


# -- one instance ------------------------------------------------------------------------------


def _anchored_reach(component: Component, kind: str) -> tuple[date | datetime, Reach] | None:
    """The value instances are counted from (DTSTART; DUE for a VTODO without one) and the
    reach of one instance around it."""
    start = _value(component, "DTSTART")
    if kind == "VTODO":
        return _todo_reach(component, start)
    if start is None:
        return None
    if kind == "VJOURNAL":
        return start, Reach(ZERO, ONE_DAY if _is_date(start) else TICK)
    end, duration = _value(component, "DTEND"), _duration(component, "DURATION")
    if end is not None:
        start, length = _difference(start, end)
    elif duration is not None:
        length = duration
    else:
        length = ONE_DAY if _is_date(start) else ZERO
    # A zero-length instance (or one ending before it starts) still touches its start.
    return start, Reach(min(length, ZERO), length if length > ZERO else TICK)


def _todo_reach(
    component: Component, start: date | datetime | None
) -> tuple[date | datetime, Reach] | None:
    """§9.9 compares VTODO edges inclusively: the span is closed, one TICK wider each side."""
    due, duration = _value(component, "DUE"), _duration(component, "DURATION")
    if start is None:
        return None if due is None else (due, Reach(-TICK, TICK))
    offsets = [ZERO]
    if duration is not None:
        offsets.append(duration)
    elif due is not None:
        start, length = _difference(start, due)
        offsets.append(length)
    return start, Reach(min(offsets) - TICK, max(offsets) + TICK)


def _todo_spans_without_anchor(component: Component) -> list[Span]:
    completed, created = _value(component, "COMPLETED"), _value(component, "CREATED")
    if completed is None and created is None:
        return [(None, None)]
    if completed is None:
        return [(_earliest(created, -TICK), None)]  # type: ignore[arg-type]  # created is set
    return [
        (_earliest(point, -TICK), _latest(point, TICK))
        for point in (completed, created)
        if point is not None
    ]


def _this_and_future_reaches(
    component: Component, kind: str, siblings: list[Component]
) -> list[Reach]:
    """For a master: the reach of later instances that a RANGE=THISANDFUTURE override moved."""
    if "RECURRENCE-ID" in component:
        return []
    reaches = []
    for override in siblings:
        recurrence_id = override.get("RECURRENCE-ID")
        if (
            recurrence_id is None
            or str(recurrence_id.params.get("RANGE", "")).upper() != "THISANDFUTURE"
        ):
            continue
        anchored = _anchored_reach(override, kind)
        if anchored is None or not isinstance(recurrence_id.dt, date):
            continue
        start, reach = anchored
        moved_from, shift = _difference(_as_stored(recurrence_id.dt, recurrence_id), start)
        lead, lag, _ = _alarm_reach(override)
        margin = FLOATING_MARGIN if _is_floating(moved_from) else ZERO
        reaches.append(Reach(reach.before, reach.after, lead, lag).moved(shift, margin))
    return reaches


def _alarm_reach(component: Component) -> tuple[timedelta, timedelta, list[Span]]:
    """How much earlier (lead) and later (lag) than an instance its VALARMs may fire,
    and the spans of alarms with an absolute trigger time."""
    lead, lag, absolute = ZERO, ZERO, []
    for alarm in component.subcomponents:
        if alarm.name != "VALARM" or "TRIGGER" not in alarm:
            continue
        trigger = alarm["TRIGGER"].dt  # type: ignore[union-attr]
        if isinstance(trigger, date):
            trigger = _as_stored(trigger, alarm["TRIGGER"])
        repeats = _repeat_span(alarm)
        if isinstance(trigger, timedelta):
            lead = max(lead, -trigger)
            lag = max(lag, trigger + repeats + TICK)
        elif isinstance(trigger, date):
            absolute.append((_earliest(trigger, ZERO), _latest(trigger, repeats + TICK)))
    return lead, lag, absolute


def _repeat_span(alarm: Component) -> timedelta:
    repeat, interval = alarm.get("REPEAT"), _duration(alarm, "DURATION")
    if not isinstance(repeat, int) or repeat <= 0 or interval is None:
        return ZERO
    return interval * repeat if interval > ZERO else ZERO


# -- all instances -----------------------------------------------------------------------------


def _series_spans(
    component: Component, anchor: date | datetime, reaches: list[Reach], budget: _RuleBudget
) -> list[Span]:
    """Spans of the first, the last and every RDATE instance."""
    starts: list[date | datetime] = [anchor]
    spans: list[Span] = []
    for rdate in _values(component, "RDATE"):
        if isinstance(rdate, tuple) and len(rdate) == 2:
            spans.append(_period_span(rdate, reaches))
        elif isinstance(rdate, date):
            starts.append(rdate)
    open_ended = False
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if rule_never_matches(rule):
            continue  # no instances but DTSTART's
        followable = hasattr(rule, "get") and budget.take()
        last = last_rule_start(rule, anchor) if followable else RuleEnd.UNBOUNDED
        if last is RuleEnd.UNBOUNDED:
            open_ended = True
        elif last is not None:
            starts.append(last)
    for start in starts:
        spans.append(_instance_span(start, reaches))
    if open_ended:
        spans.append((_instance_span(anchor, reaches)[0], None))
    return spans


def _instance_span(start: date | datetime, reaches: list[Reach]) -> Span:
    lows = [_earliest(start, reach.before - reach.lead) for reach in reaches]
    highs = [
        None if reach.after is None else _latest(start, reach.after + reach.lag)
        for reach in reaches
    ]
    return _union([(low, high) for low, high in zip(lows, highs, strict=True)])


def _period_span(period: tuple[Any, Any], reaches: list[Reach]) -> Span:
    """An RDATE or FREEBUSY period (start/end or start/duration), which brings its own length."""
    begin, end = period
    if isinstance(end, timedelta):
        length = end
    elif isinstance(end, date):
        begin, length = _difference(begin, end)
    else:
        return None, None
    low, high = min(length, ZERO), max(length, ZERO) + TICK
    return _union(
        [
            (_earliest(begin, r.shift + low - r.lead), _latest(begin, r.shift + high + r.lag))
            for r in reaches
        ]
    )


# -- VFREEBUSY and VAVAILABILITY ---------------------------------------------------------------


def _freebusy_spans(component: Component) -> list[Span]:
    """§9.9: DTSTART/DTEND when both exist, else the FREEBUSY periods."""
    spans: list[Span] = []
    start, end = _value(component, "DTSTART"), _value(component, "DTEND")
    if start is not None and end is not None:
        spans.append((_earliest(start, ZERO), _latest(end, TICK)))
    for prop in _props(component, "FREEBUSY"):
        for period in _period_values(prop):
            if isinstance(period, tuple) and len(period) == 2:
                spans.append(_period_span(period, [Reach(ZERO, ZERO)]))
    return spans or [(None, None)]


def _availability_spans(component: Component, budget: _RuleBudget) -> list[Span]:
    """RFC 7953: no DTSTART is unbounded before, no DTEND/DURATION unbounded after.
    AVAILABLE subcomponents recur like VEVENTs and are queried on their own."""
    start, end, duration = (
        _value(component, "DTSTART"),
        _value(component, "DTEND"),
        _duration(component, "DURATION"),
    )
    low = None if start is None else _earliest(start, ZERO)
    if end is not None:
        high = _latest(end, ZERO)
    elif start is not None and duration is not None:
        high = _latest(start, duration)
    else:
        high = None
    spans = [(low, high)]
    for available in component.subcomponents:
        if available.name == "AVAILABLE":
            spans.extend(_component_spans(available, "AVAILABLE", [available], budget))
    return spans


# -- values and instants -----------------------------------------------------------------------


def _union(spans: list[Span]) -> Span:
    if not spans:
        return None, None
    lows, highs = [low for low, _ in spans], [high for _, high in spans]
    # min and max see no None: an open end makes the union open
    return (None if None in lows else min(lows)), (None if None in highs else max(highs))  # type: ignore[type-var]


def _earliest(value: date | datetime, offset: timedelta) -> datetime | None:
    """The earliest UTC instant `value + offset` may mean; None if out of range."""
    moment = _moment(value)
    try:
        if moment.tzinfo is None:
            return (moment + offset).replace(tzinfo=UTC) - FLOATING_MARGIN
        return min((moment + offset).astimezone(UTC), moment.astimezone(UTC) + offset)
    except OverflowError:
        return None


def _latest(value: date | datetime, offset: timedelta) -> datetime | None:
    """The latest UTC instant `value + offset` may mean; None if out of range."""
    moment = _moment(value)
    try:
        if moment.tzinfo is None:
            return (moment + offset).replace(tzinfo=UTC) + FLOATING_MARGIN
        return max((moment + offset).astimezone(UTC), moment.astimezone(UTC) + offset)
    except OverflowError:
        return None


def _difference(start: date | datetime, end: date | datetime) -> tuple[date | datetime, timedelta]:
    """end - start; if only one of them is floating, both are read as floating."""
    begin, finish = _moment(start), _moment(end)
    if (begin.tzinfo is None) != (finish.tzinfo is None):
        begin, finish = begin.replace(tzinfo=None), finish.replace(tzinfo=None)
        return begin, finish - begin
    if begin.tzinfo is not None:
        return start, finish.astimezone(UTC) - begin.astimezone(UTC)
    return start, finish - begin


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def _is_date(value: date | datetime) -> bool:
    return not isinstance(value, datetime)


def _is_floating(value: date | datetime) -> bool:
    return not isinstance(value, datetime) or value.tzinfo is None


def _props(component: Component, name: str) -> list[Any]:
    prop = component.get(name)
    return [] if prop is None else prop if isinstance(prop, list) else [prop]


def _value(component: Component, name: str) -> date | datetime | None:
    props = _props(component, name)
    value = getattr(props[0], "dt", None) if props else None
    return _as_stored(value, props[0]) if isinstance(value, date) else None


def _as_stored(value: date | datetime, prop: Any) -> date | datetime:
    """The value as any reader of the stored object sees it: zoned only if it is UTC or
    its TZID is an IANA name; other zoned values are taken as floating (see above)."""
    tzid = getattr(prop, "params", {}).get("TZID")
    if not isinstance(value, datetime) or value.tzinfo is None or tzid is None:
        return value
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key == str(tzid):
        return value
    return value.replace(tzinfo=None)


def _duration(component: Component, name: str) -> timedelta | None:
    props = _props(component, name)
    value = getattr(props[0], "dt", None) if props else None
    return value if isinstance(value, timedelta) else None


def _values(component: Component, name: str) -> list[Any]:
    """All values of a property that may repeat and hold comma-separated lists (RDATE)."""
    values = []
    for prop in _props(component, name):
        values.extend(_period_values(prop))
    return values


def _period_values(prop: Any) -> list[Any]:
    """The values of one RDATE/EXDATE/FREEBUSY line; a period as a (start, end or duration) tuple."""
    values = [item.dt for item in prop.dts] if hasattr(prop, "dts") else [getattr(prop, "dt", None)]
    return [_stored(value, prop) for value in values]


def _stored(value: Any, prop: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_stored(part, prop) for part in value)
    return _as_stored(value, prop) if isinstance(value, date) else value
