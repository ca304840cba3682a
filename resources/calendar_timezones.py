"""Limits on VTIMEZONE rules, so that time zone lookups stay cheap (RFC 5545 §3.6.5).

A VTIMEZONE whose TZID is not an IANA name is turned into a tzinfo that expands
the observances' RRULEs from their DTSTART on offset lookups, in this module's
checks and in every later query of the object. A rule firing every second, or
ten thousand observances, would stall them all. Real zones change offset at most
a few times a year and have a few hundred changes in all; anything far beyond
that is refused as invalid calendar data.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice

from icalendar import Component
from icalendar.prop import vRecur

from resources.calendar_recurrence import LAST_YEAR, dateutil_rule, first_value, wall_clock
from resources.errors import InvalidCalendarData

MAX_ONSETS_PER_DECADE = 60
MAX_ONSETS = 20_000
HORIZON_YEAR = 2200  # onsets are counted up to this year


def check_vtimezone(vtimezone: Component, observance_lines: list[dict[str, int]]) -> None:
    """Refuse a VTIMEZONE with costly rules; `observance_lines[i]` maps the i-th
    observance's property names to their line numbers (may be empty)."""
    onsets = 0
    for position, observance in enumerate(vtimezone.subcomponents):
        lines = observance_lines[position] if position < len(observance_lines) else {}
        start = getattr(observance.get("DTSTART"), "dt", None)
        if not isinstance(start, date):
            raise InvalidCalendarData(f"A {observance.name} rule of a VTIMEZONE has no DTSTART.")
        for rule in _listed(observance.get("RRULE")):
            problem, count = observance_onsets(rule, start) if isinstance(rule, vRecur) else (None, 1)
            if problem is not None:
                where = f"Line {lines['RRULE']}: the" if "RRULE" in lines else "The"
                raise InvalidCalendarData(f"{where} RRULE of a {observance.name} time zone rule {problem}.")
            onsets += count
        onsets += sum(len(getattr(rdate, "dts", [])) for rdate in _listed(observance.get("RDATE")))
    if onsets > MAX_ONSETS:
        raise InvalidCalendarData(
            f"The VTIMEZONE {str(vtimezone.get('TZID', ''))!r} defines about {onsets} offset changes; "
            f"real time zones have a few hundred at most (limit {MAX_ONSETS})."
        )


def observance_onsets(rule: vRecur, dtstart: date | datetime) -> tuple[str | None, int]:
    """Why an observance's RRULE is refused (or None), and about how many onsets it
    has from DTSTART up to HORIZON_YEAR."""
    frequency = first_value(rule.get("FREQ"))
    if frequency != "YEARLY":
        return f"repeats {frequency!s} where time zone rules repeat YEARLY", 0
    start = wall_clock(dtstart)
    decade_end = start.replace(year=start.year + 10) if start.year <= LAST_YEAR - 10 else datetime.max
    per_decade = 0
    try:
        for onset in islice(dateutil_rule(rule, start), MAX_ONSETS_PER_DECADE + 1):
            if onset > decade_end:
                break
            per_decade += 1
    except (OverflowError, ValueError):
        pass
    if per_decade > MAX_ONSETS_PER_DECADE:
        return f"changes the offset more than {MAX_ONSETS_PER_DECADE} times in ten years", 0
    count, until = first_value(rule.get("COUNT")), first_value(rule.get("UNTIL"))
    last_year = min(until.year, HORIZON_YEAR) if isinstance(until, date) else HORIZON_YEAR
    onsets = max(per_decade, 1) * max(last_year - start.year, 0) // 10 + 1
    return None, min(onsets, count) if isinstance(count, int) and count > 0 else onsets


def _listed(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]
