"""Limits on VTIMEZONE definitions, checked before icalendar sees them (RFC 5545 §3.6.5).

icalendar keeps the first VTIMEZONE it parses for each non-IANA TZID in a
process-wide cache, also from bodies that are refused afterwards, and later
bodies naming that TZID use the cached zone. Its observance RRULEs are expanded
from their DTSTART on offset lookups. So a zone whose rule fires every second,
or that has ten thousand observances, would stall every later query that
names its TZID. Such definitions are refused here, on the text, before parsing:

- an observance needs a DTSTART and offsets within ±16 hours (the widest any
  zone ever had, local mean time in 19th-century Manila and Alaska);
- observance rules repeat YEARLY, at most MAX_ONSETS_PER_DECADE times in ten years;
- one VTIMEZONE has at most MAX_ONSETS offset changes up to HORIZON_YEAR.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice

from icalendar.prop import vDDDTypes, vRecur, vUTCOffset

from resources.calendar_recurrence import LAST_YEAR, dateutil_rule, first_value, wall_clock
from resources.calendar_syntax import ComponentBlock, ContentLine
from resources.errors import InvalidCalendarData

MAX_ONSETS_PER_DECADE = 60
MAX_ONSETS = 20_000
HORIZON_YEAR = 2200  # onsets are counted up to this year
MAX_UTC_OFFSET = timedelta(hours=16)


def check_vtimezone(block: ComponentBlock) -> None:
    """Refuse a VTIMEZONE whose rules no real zone has."""
    onsets = 0
    for name, begin, properties in _observances(block):
        start = _read(properties, "DTSTART", vDDDTypes.from_ical, f"{name} rule starting on line {begin}")
        if not isinstance(start, date):
            raise InvalidCalendarData(f"The {name} rule starting on line {begin} has no DTSTART.")
        for offset_name in ("TZOFFSETFROM", "TZOFFSETTO"):
            offset = _read(properties, offset_name, vUTCOffset.from_ical, f"{name} rule")
            if isinstance(offset, timedelta) and abs(offset) > MAX_UTC_OFFSET:
                line = properties[offset_name][0]
                raise InvalidCalendarData(
                    f"Line {line.line_number}: {line.value} is not a UTC offset any time zone has (at most ±16:00)."
                )
        for line in properties.get("RRULE", []):
            rule = _read({"RRULE": [line]}, "RRULE", vRecur.from_ical, f"{name} rule")
            problem, count = observance_onsets(rule, start)
            if problem is not None:
                raise InvalidCalendarData(f"Line {line.line_number}: the RRULE of a {name} time zone rule {problem}.")
            onsets += count
        onsets += sum(line.value.count(",") + 1 for line in properties.get("RDATE", []))
    if onsets > MAX_ONSETS:
        raise InvalidCalendarData(
            f"The VTIMEZONE starting on line {block.lines[0].line_number} defines about {onsets} offset changes; "
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


def _observances(block: ComponentBlock) -> list[tuple[str, int, dict[str, list[ContentLine]]]]:
    """The VTIMEZONE's sub-components: name, line of BEGIN, their own properties by name."""
    observances: list[tuple[str, int, dict[str, list[ContentLine]]]] = []
    depth = 0
    for line in block.lines:
        if line.name == "BEGIN":
            depth += 1
            if depth == 2:
                observances.append((line.value.strip().upper(), line.line_number, {}))
        elif line.name == "END":
            depth -= 1
        elif depth == 2:
            observances[-1][2].setdefault(line.name, []).append(line)
    return observances


def _read(properties: dict[str, list[ContentLine]], name: str, parse, what: str):
    lines = properties.get(name)
    if not lines:
        return None
    try:
        return parse(lines[0].value)
    except Exception as error:  # noqa: BLE001 - icalendar raises several kinds for bad values
        raise InvalidCalendarData(
            f"Line {lines[0].line_number}: the {name} of a {what} cannot be read: {' '.join(str(error).split())[:150]}."
        ) from None
