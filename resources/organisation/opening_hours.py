"""Opening hours of a branch: a week of open intervals in the branch's time zone, written
"Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-13:00", and the same week as a VAVAILABILITY
(RFC 7953 §3.1) whose AVAILABLE parts repeat weekly, so free-busy of the branch's rooms
shows the closed hours as BUSY-UNAVAILABLE. No hours written means always open; once
some are written, a day that is not listed is closed.

Days are the English or German two-letter abbreviations (Mo Tu We Th Fr Sa Su, Mo Di Mi
Do Fr Sa So); the stored form is the English one, consecutive days with the same hours
joined into a range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from resources.errors import InvalidProperty

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NUMBERS = {
    **{day.casefold(): number for number, day in enumerate(DAYS)},
    "di": 1,
    "mi": 2,
    "do": 3,
    "so": 6,
}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TEXT_MAX = 500
FIELD = "opening_hours"
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
# The Monday the weekly AVAILABLE parts start on (RFC 7953 needs a DTSTART; any past
# Monday does, the rule repeats it).
_FIRST_MONDAY = date(2000, 1, 3)

Interval = tuple[int, int]  # minutes after midnight: start, end (end up to 24:00)


@dataclass(frozen=True)
class WeeklyHours:
    """The open intervals of each weekday, Monday first, each day's sorted and merged."""

    days: tuple[tuple[Interval, ...], ...] = ((),) * 7

    @property
    def always_open(self) -> bool:
        return not any(self.days)

    def text(self) -> str:
        """The stored form: days with equal hours joined, "" for always open."""
        entries, day = [], 0
        while day < 7:
            if not self.days[day]:
                day += 1
                continue
            last = day
            while last + 1 < 7 and self.days[last + 1] == self.days[day]:
                last += 1
            span = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            entries.append(f"{span} " + ",".join(_interval_text(i) for i in self.days[day]))
            day = last + 1
        return "; ".join(entries)

    def by_day(self) -> dict[str, list[list[str]]]:
        """{"mo": [["08:00", "12:00"], ...], ...} for the JSON API (open days only)."""
        return {
            DAYS[number].lower(): [[_clock(start), _clock(end)] for start, end in intervals]
            for number, intervals in enumerate(self.days)
            if intervals
        }


def parse_opening_hours(text: str) -> WeeklyHours:
    """The week `text` describes; InvalidProperty (opening_hours_invalid) names the part
    that cannot be read."""
    if len(text) > TEXT_MAX:
        raise InvalidProperty(code="opening_hours_too_long", field=FIELD, max=TEXT_MAX)
    days: list[list[Interval]] = [[] for _ in range(7)]
    for entry in re.split(r"[;\n]", text):
        entry = entry.strip()
        if not entry:
            continue
        day_part, _, hours_part = entry.partition(" ")
        numbers = _days(day_part, entry)
        intervals = [_interval(part.strip(), entry) for part in hours_part.split(",")]
        for number in numbers:
            days[number].extend(intervals)
    return WeeklyHours(tuple(_merged(intervals) for intervals in days))


def normalised(text: str) -> str:
    """The stored form of what an administrator wrote (checked)."""
    return parse_opening_hours(text).text()


def availability(hours: WeeklyHours, timezone: str, uid: str) -> icalendar.Component:
    """The week as a VAVAILABILITY (RFC 7953 §3.1): open intervals are AVAILABLE parts that
    repeat weekly in the branch's zone, all other time BUSY-UNAVAILABLE."""
    stamp = datetime(2000, 1, 1, tzinfo=UTC)
    zone = ZoneInfo(timezone)
    component = icalendar.Availability()
    component.add("UID", uid)
    component.add("DTSTAMP", stamp)
    component.add("BUSYTYPE", "BUSY-UNAVAILABLE")
    component.add("SUMMARY", "Opening hours")
    for number, intervals in enumerate(hours.days):
        for index, (start, end) in enumerate(intervals):
            day = _FIRST_MONDAY + timedelta(days=number)
            part = icalendar.Available()
            part.add("UID", f"{uid}-{RRULE_DAYS[number].lower()}-{index}")
            part.add("DTSTAMP", stamp)
            part.add("DTSTART", _local(day, start, zone))
            part.add("DTEND", _local(day, end, zone))
            part.add("RRULE", {"FREQ": "WEEKLY", "BYDAY": RRULE_DAYS[number]})
            component.add_component(part)
    return component


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone)


def _days(text: str, entry: str) -> list[int]:
    numbers: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        start, end = _day(first, entry), _day(last, entry) if last else None
        if end is None:
            numbers.append(start)
        elif end >= start:
            numbers.extend(range(start, end + 1))
        else:  # "Sa-Mo" wraps over the week's end
            numbers.extend([*range(start, 7), *range(0, end + 1)])
    return numbers


def _day(text: str, entry: str) -> int:
    number = _DAY_NUMBERS.get(text.strip().casefold())
    if number is None:
        raise InvalidProperty(code="opening_hours_invalid", field=FIELD, part=entry)
    return number


def _interval(text: str, entry: str) -> Interval:
    found = _INTERVAL.match(text)
    if found is None:
        raise InvalidProperty(code="opening_hours_invalid", field=FIELD, part=entry)
    start_hour, start_minute, end_hour, end_minute = (int(g) for g in found.groups())
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    if start_hour > 23 or start_minute > 59 or end_minute > 59 or end > 24 * 60 or end <= start:
        raise InvalidProperty(code="opening_hours_invalid", field=FIELD, part=entry)
    return start, end


def _merged(intervals: list[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _interval_text(interval: Interval) -> str:
    return f"{_clock(interval[0])}-{_clock(interval[1])}"
