"""Limits on VTIMEZONE definitions, checked before icalendar sees them (RFC 5545 §3.6.5).

icalendar keeps the first VTIMEZONE it parses for each non-IANA TZID in a
process-wide cache, also from bodies that are refused afterwards, and later
bodies naming that TZID use the cached zone. The zone's observance RRULEs are
expanded from their DTSTART on offset lookups, so a rule firing every second,
or ten thousand observances, would stall every later query naming that TZID.
Such definitions are refused here, on the text, before parsing, and without
expanding anything:

- an observance needs a DTSTART and offsets within ±16 hours (the widest any
  zone ever had: local mean time in 19th-century Manila and Alaska);
- its RRULE looks like a real zone's: FREQ=YEARLY, INTERVAL 1, one month, one
  weekday (with or without ordinal), at most a week of month days, one time;
- one VTIMEZONE has at most MAX_ONSETS offset changes up to HORIZON_YEAR.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
from icalendar.prop import vDDDTypes, vRecur, vUTCOffset
from icalendar.timezone import tzp

from resources.error_codes import Sentence, sentence
from resources.errors import InvalidCalendarData
from resources.formats.calendar_recurrence import first_value, wall_clock
from resources.formats.calendar_syntax import ComponentBlock, ContentLine

MAX_ONSETS = 20_000
HORIZON_YEAR = 2200  # onsets are counted up to this year
MAX_UTC_OFFSET = timedelta(hours=16)
# Rule parts with how many values a time zone rule may list: "BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU"
# is the RFC 2445 way of saying "the Sunday on or after the 8th".
PART_LIMITS = {
    "BYMONTH": 1,
    "BYDAY": 1,
    "BYMONTHDAY": 7,
    "BYYEARDAY": 1,
    "BYHOUR": 1,
    "BYMINUTE": 1,
    "BYSECOND": 1,
}
IGNORED_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"})


def check_vtimezone(block: ComponentBlock) -> None:
    """Refuse a VTIMEZONE whose rules no real zone has."""
    onsets = 0
    for name, begin, properties in _observances(block):
        start = _read(properties, "DTSTART", vDDDTypes.from_ical, name, begin)
        if not isinstance(start, date):
            raise InvalidCalendarData(code="tz_rule_without_start", rule=name, begin=begin)
        for offset_name in ("TZOFFSETFROM", "TZOFFSETTO"):
            offset = _read(properties, offset_name, vUTCOffset.from_ical, name)
            if isinstance(offset, timedelta) and abs(offset) > MAX_UTC_OFFSET:
                line = properties[offset_name][0]
                raise InvalidCalendarData(
                    code="tz_offset_too_large", line=line.line_number, value=line.value
                )
        for line in properties.get("RRULE", []):
            rule = _read({"RRULE": [line]}, "RRULE", vRecur.from_ical, name)
            problem = observance_rule_problem(rule)
            if problem is not None:
                raise InvalidCalendarData(
                    code="tz_rule_unreal", line=line.line_number, rule=name, problem=problem
                )
            onsets += observance_onsets(rule, start)
        onsets += sum(line.value.count(",") + 1 for line in properties.get("RDATE", []))
    if onsets > MAX_ONSETS:
        raise InvalidCalendarData(
            code="tz_too_many_onsets",
            line=block.lines[0].line_number,
            count=onsets,
            max=MAX_ONSETS,
        )


def observance_rule_problem(rule: vRecur) -> Sentence | None:
    """Why an observance's RRULE is not one a real zone has (or None): such a rule
    fires at most a few times a year."""
    frequency, interval = first_value(rule.get("FREQ")), first_value(rule.get("INTERVAL"))
    if frequency != "YEARLY" or interval not in (None, 1):
        return sentence("tz_rule_not_yearly", frequency=str(frequency), interval=interval or 1)
    for part, values in rule.items():
        if part not in IGNORED_PARTS and part not in PART_LIMITS:
            return sentence("tz_rule_needless_part", part=part)
        if part in PART_LIMITS and len(values) > PART_LIMITS[part]:
            return sentence(
                "tz_rule_too_many_values", count=len(values), part=part, max=PART_LIMITS[part]
            )
    weekly = "BYDAY" in rule and str(first_value(rule["BYDAY"])).isalpha()  # "SU", not "-1SU"
    if weekly and not ({"BYMONTH", "BYMONTHDAY", "BYYEARDAY"} & set(rule.keys())):
        return sentence("tz_rule_weekly")
    return None


def observance_onsets(rule: vRecur, dtstart: date | datetime) -> int:
    """About how many onsets a checked rule has from DTSTART up to HORIZON_YEAR (one a year)."""
    count, until = first_value(rule.get("COUNT")), first_value(rule.get("UNTIL"))
    last_year = min(until.year, HORIZON_YEAR) if isinstance(until, date) else HORIZON_YEAR
    onsets = max(last_year - wall_clock(dtstart).year, 0) + 1
    return min(onsets, count) if isinstance(count, int) and count > 0 else onsets


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


def _read(
    properties: dict[str, list[ContentLine]],
    name: str,
    parse: Callable[[str], Any],
    rule: str,
    begin: int | None = None,
) -> Any:
    lines = properties.get(name)
    if not lines:
        return None
    try:
        return parse(lines[0].value)
    except Exception as error:  # noqa: BLE001 - icalendar raises several kinds for bad values
        reason = " ".join(str(error).split())[:150]
        raise InvalidCalendarData(
            code="tz_value_unreadable" if begin is None else "tz_value_unreadable_at",
            line=lines[0].line_number,
            name=name,
            rule=rule,
            begin=begin or 0,
            reason=reason,
        ) from None


# --- each object's own VTIMEZONEs ---------------------------------------------------------


class _ThreadCache(dict[str, Any]):
    """icalendar's cache of VTIMEZONE-defined zones, kept per thread and emptied around each
    parse: icalendar keeps the first definition of a non-IANA TZID for the whole process, so
    one login's "Office Time" would place another login's events."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def _zones(self) -> dict[str, Any]:
        if not hasattr(self._local, "zones"):
            self._local.zones = {}
        zones: dict[str, Any] = self._local.zones
        return zones

    def get(self, key: str, default: Any = None) -> Any:
        return self._zones().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._zones()

    def __getitem__(self, key: str) -> Any:
        return self._zones()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._zones()[key] = value

    def clear(self) -> None:
        self._zones().clear()


_CACHE = _ThreadCache()
tzp._TZP__tz_cache = _CACHE  # type: ignore[attr-defined]  # icalendar has no public switch for this cache (7.x)


def parse_with_own_timezones(data: bytes) -> icalendar.Calendar:
    """Parse one calendar object so that its TZIDs mean its own VTIMEZONEs (or IANA zones),
    never a definition another object brought."""
    _CACHE.clear()
    try:
        return icalendar.Calendar.from_ical(data)
    finally:
        _CACHE.clear()
