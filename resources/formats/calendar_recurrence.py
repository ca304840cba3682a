"""Last instance of a recurrence rule that has COUNT or UNTIL (RFC 5545 §3.3.10, §3.8.5.3).

dateutil expands the rule on wall-clock time, as RFC 5545 wants: an instance
keeps its local time across a DST change. Two guards keep a PUT cheap:

- at most MAX_INSTANCES instances are counted; a longer rule ends at its UNTIL
  (or counts as unbounded when it only has COUNT);
- a rule that matches rarely or never (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) makes
  dateutil walk day by day up to year 9999. The rule is therefore expanded in a
  copy of the calendar shifted by whole 400-year Gregorian cycles (in which
  weekdays and leap years repeat exactly) so that year 9999 lies a bounded
  number of years ahead; what lies beyond that horizon counts as unbounded.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any

from dateutil.rrule import rrule, rrulestr
from icalendar.prop import vRecur

from resources.errors import InvalidCalendarData

MAX_INSTANCES = 10_000
GREGORIAN_CYCLE_YEARS = 400
LAST_YEAR = datetime.max.year
# How many years ahead a rule is followed; finer frequencies cost more per year.
SEARCH_YEARS = {"YEARLY": 1000, "MONTHLY": 400, "WEEKLY": 100, "DAILY": 40}
FINER_SEARCH_YEARS = 10
# The rule parts dateutil understands; any other part (RSCALE, SKIP, X-…) could change
# which instances exist, so such a rule is never treated as ending.
DATEUTIL_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "WKST",
        "BYSETPOS",
        "BYMONTH",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "BYEASTER",
    }
)
ONE_DAY = timedelta(days=1)


class RuleEnd(enum.Enum):
    UNBOUNDED = "unbounded"


def last_rule_start(rule: vRecur, dtstart: date | datetime) -> datetime | RuleEnd | None:
    """The start of the rule's last instance, as a datetime in DTSTART's zone
    (naive for DATE and floating values).

    None when the rule yields no instance at all; RuleEnd.UNBOUNDED when it has no
    end, or its end could not be found cheaply. A later value than the real one
    may be returned (e.g. an UNTIL whose type does not match DTSTART), never an
    earlier one.
    """
    count = first_value(rule.get("COUNT"))
    until = first_value(rule.get("UNTIL"))
    if count is None and until is None:
        return RuleEnd.UNBOUNDED
    if count is not None and (not isinstance(count, int) or count <= 0):
        return None
    fallback = (
        RuleEnd.UNBOUNDED
        if until is None
        else _until_wall_clock(until, dtstart).replace(tzinfo=_zone(dtstart))
    )
    if not set(rule.keys()) <= DATEUTIL_PARTS | {"COUNT", "UNTIL"}:
        return fallback
    wall = wall_clock(dtstart)
    search_years = SEARCH_YEARS.get(first_value(rule.get("FREQ")), FINER_SEARCH_YEARS)
    shift = cycle_shift(wall.year, search_years)
    expansion = dateutil_rule(rule, wall.replace(year=wall.year + shift))
    ends_in_range = False
    if count is not None:
        expansion = expansion.replace(count=count)
    else:
        until_wall = _until_wall_clock(until, dtstart)
        if until_wall.year + shift < LAST_YEAR:
            expansion = expansion.replace(until=until_wall.replace(year=until_wall.year + shift))
            ends_in_range = True
    found, last = 0, None
    try:
        for last in islice(expansion, MAX_INSTANCES + 1):  # noqa: B007 - kept: the last instance
            found += 1
    except (OverflowError, ValueError):
        return fallback
    complete = found <= MAX_INSTANCES and (found == count if count is not None else ends_in_range)
    if not complete:
        return fallback
    if last is None:
        return None
    return last.replace(year=last.year - shift, tzinfo=_zone(dtstart))


def cycle_shift(year: int, search_years: int) -> int:
    """Whole 400-year cycles that move `year` to between search_years and
    search_years + 400 years before year 9999, where dateutil stops looking."""
    return GREGORIAN_CYCLE_YEARS * ((LAST_YEAR - search_years - year) // GREGORIAN_CYCLE_YEARS)


def dateutil_rule(rule: vRecur, start: datetime) -> rrule:
    """The rule without COUNT and UNTIL, starting at the naive `start`."""
    parts = vRecur({name: value for name, value in rule.items() if name not in ("COUNT", "UNTIL")})
    text = parts.to_ical().decode()
    try:
        return rrulestr(text, dtstart=start, cache=False)  # type: ignore[return-value]  # no set
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise InvalidCalendarData(
            code="rule_not_expandable", rule=repr(text), reason=str(error)
        ) from None


def _until_wall_clock(until: date | datetime, dtstart: date | datetime) -> datetime:
    """UNTIL as a naive wall-clock time comparable with DTSTART's wall clock.

    RFC 5545 wants UNTIL to have DTSTART's value type (UTC when DTSTART has a zone).
    Clients mix them up; then UNTIL is read loosely and moved a day later, so no
    instance the rule may mean is lost.
    """
    if _kind(until) == _kind(dtstart):
        if isinstance(until, datetime) and until.tzinfo is not None:
            # same kind as until: a datetime
            return until.astimezone(dtstart.tzinfo).replace(tzinfo=None)  # type: ignore[union-attr]
        return wall_clock(until)
    if isinstance(until, datetime) and until.tzinfo is not None:
        until = until.astimezone(_zone(dtstart) or UTC)
    return wall_clock(until) + ONE_DAY


def _kind(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return "date"
    return "floating" if value.tzinfo is None else "zoned"


def wall_clock(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


def _zone(value: date | datetime) -> tzinfo | None:
    return value.tzinfo if isinstance(value, datetime) else None


def first_value(values: Any) -> Any:
    if isinstance(values, list):
        return values[0] if values else None
    return values


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February as in a leap year


def _ints(rule: vRecur, part: str) -> list[int] | None:
    values = rule.get(part)
    if values is None:
        return None
    try:
        return [int(v) for v in (values if isinstance(values, list) else [values])]
    except (TypeError, ValueError):
        return None


def rule_never_matches(rule: vRecur) -> bool:
    """Whether the rule's BYMONTH/BYMONTHDAY/BYYEARDAY can never name a real day
    (30 February, 31 April, day 367): such a rule has no instances besides DTSTART,
    and following it would make dateutil walk to year 9999 on every expansion."""
    if not hasattr(rule, "get"):
        return False
    month_days = _ints(rule, "BYMONTHDAY")
    months = _ints(rule, "BYMONTH") or list(range(1, 13))
    if month_days is not None:
        if all(not 1 <= abs(day) <= 31 for day in month_days):
            return True
        if not any(
            abs(day) <= _DAYS_IN_MONTH[month - 1]
            for day in month_days
            for month in months
            if 1 <= month <= 12
        ):
            return True
    year_days = _ints(rule, "BYYEARDAY")
    return year_days is not None and all(not 1 <= abs(day) <= 366 for day in year_days)
