"""Expanding an event with a stored occurrence list (RFC 4791 §9.6.5) as text.

The general expansion parses the object, expands it with recurring-ical-events and
serialises every instance through icalendar; for an event whose instances are
already listed (resources.formats.calendar_occurrences) the instances in the range are known,
so each one is written from the stored lines: the component as the client wrote it,
with DTSTART, DTEND and RECURRENCE-ID in UTC and the recurrence rules left out.

It answers None, and the general expansion runs, for anything it does not cover:
a range outside the list, a component property it would have to convert (a TZID or a
floating time anywhere but DTSTART, DTEND or RECURRENCE-ID), unusual parameters.
tests/test_query_expand_listed.py compares both on every corpus file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.prop import vRecur

from resources.errors import InvalidCalendarData
from resources.formats.calendar_occurrences import OccurrenceList
from resources.formats.calendar_query.filters import TimeRange
from resources.formats.calendar_recurrence import rule_never_matches
from resources.formats.calendar_syntax import (
    ComponentBlock,
    ContentLine,
    decode_body,
    physical_lines,
    scan,
)
from resources.formats.expansion_budget import charge_instances

_RULES = frozenset({"RRULE", "RDATE", "EXDATE", "EXRULE"})
_MOVED = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID"})
_DATE_TIME = re.compile(r"(\d{8})T(\d{6})(Z?)")
_FLOATING_DATE_TIME = re.compile(r"\d{8}T\d{6}(?!\d|Z)")
# Properties icalendar reads as DATE-TIME values, which the general expansion writes in UTC.
_DATE_TIME_PROPERTIES = frozenset(
    {
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "COMPLETED",
        "DUE",
        "ACKNOWLEDGED",
        "TRIGGER",
        "DTSTART",
        "DTEND",
        "RECURRENCE-ID",
        "EXDATE",
        "RDATE",
    }
)
_PLAIN_PARAMS = re.compile(r'(?:;TZID=(?:"[^"]*"|[^;:]*)|;VALUE=DATE-TIME)*', re.IGNORECASE)


def expand_listed(raw: bytes, blob: bytes, window: TimeRange) -> str | None:
    """The expanded calendar-data text, or None when the general expansion must answer."""
    listed = OccurrenceList.decode(bytes(blob))
    if listed is None or window.start is None or window.end is None:
        return None
    chosen = listed.within(window.start.timestamp(), window.end.timestamp())
    if chosen is None:
        return None
    try:
        scanned = scan(physical_lines(decode_body(raw)))
        blocks = [block for block in scanned.components if block.name != "VTIMEZONE"]
        parts = _Parts.of(blocks)
    except (InvalidCalendarData, ValueError, KeyError, ZoneInfoNotFoundError):
        return None
    if parts is None:
        return None
    charge_instances(len(chosen))
    instances = parts.assign(chosen)
    out = ["BEGIN:VCALENDAR", *(_written(line) for line in scanned.properties)]
    for recurrence_id, start, length, block in sorted(instances, key=lambda item: item[0]):
        out.extend(parts.instance_lines(block, recurrence_id, start, length))
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


class _Parts:
    """The master and its overrides, ready to be written out per instance."""

    def __init__(
        self, master: ComponentBlock, overrides: dict[int, list[ComponentBlock]], recurring: bool
    ) -> None:
        self.master = master
        self.overrides = overrides  # by own start, several overrides may share one
        self.recurring = recurring

    @classmethod
    def of(cls, blocks: list[ComponentBlock]) -> _Parts | None:
        masters = [b for b in blocks if b.property_value("RECURRENCE-ID") is None]
        if (
            len(masters) != 1
            or any(b.name != "VEVENT" for b in blocks)
            or not all(map(_convertible, blocks))
        ):
            return None
        master = masters[0]
        overrides: dict[int, list[ComponentBlock]] = {}
        for block in blocks:
            if block is not master:
                overrides.setdefault(_epoch(_own(block, "DTSTART")), []).append(block)
        rule = master.property_value("RRULE")
        recurring = rule is not None and not rule_never_matches(vRecur.from_ical(rule))
        return cls(master, overrides, recurring)

    def assign(self, chosen: list[tuple[int, int]]) -> list[tuple[int, int, int, ComponentBlock]]:
        """(recurrence id, start, length, block) per chosen instance: an override where one
        starts there, else the master's instance."""
        waiting = {start: list(blocks) for start, blocks in self.overrides.items()}
        result = []
        for start, length in chosen:
            candidates = waiting.get(start)
            if candidates:
                block = candidates.pop(0)
                result.append((_epoch(_own(block, "RECURRENCE-ID")), start, length, block))
            else:
                result.append((start, start, length, self.master))
        return result

    def instance_lines(
        self, block: ComponentBlock, recurrence_id: int, start: int, length: int
    ) -> list[str]:
        """The block as written, its times replaced by the instance's in UTC (before any
        subcomponent, where properties belong)."""
        kept, depth, has_end = [], 0, False
        for line in block.lines[1:]:
            if line.name == "BEGIN":
                depth += 1
            elif line.name == "END":
                depth -= 1
            elif depth == 0 and line.name in _RULES:
                continue
            elif depth == 0 and line.name in _MOVED:
                has_end = has_end or line.name == "DTEND"
                continue
            kept.append(_written(line))
        times = [f"DTSTART:{_utc_text(start)}"]
        if has_end:
            times.append(f"DTEND:{_utc_text(start + length)}")
        if self.recurring:
            times.append(f"RECURRENCE-ID:{_utc_text(recurrence_id)}")
        return [_written(block.lines[0]), *times, *kept]


def _convertible(block: ComponentBlock) -> bool:
    """Whether writing the block's lines as they are leaves only UTC times behind, apart
    from DTSTART, DTEND and RECURRENCE-ID of the component itself."""
    depth = 0
    for line in block.lines:
        if line.name == "BEGIN":
            depth += 1
            continue
        if line.name == "END":
            depth -= 1
            continue
        if depth == 1 and line.name in _MOVED:
            if (
                _PLAIN_PARAMS.fullmatch(line.params) is None
                or _DATE_TIME.fullmatch(line.value) is None
            ):
                return False
            continue
        if depth == 1 and line.name in _RULES:
            continue
        if line.tzid() is not None:
            return False
        if line.name in _DATE_TIME_PROPERTIES and _FLOATING_DATE_TIME.search(line.value):
            return False
    return True


def _own(block: ComponentBlock, name: str) -> ContentLine:
    line = block.own_line(name)
    if line is None:
        raise KeyError(name)
    return line


def _epoch(line: ContentLine) -> int:
    # the scan accepted only objects whose DTSTART and RECURRENCE-ID are date-times
    date_part, time_part, utc = _DATE_TIME.fullmatch(line.value).groups()  # type: ignore[union-attr]
    zone = UTC if utc else ZoneInfo(line.tzid() or "UTC")
    moment = datetime.strptime(date_part + time_part, "%Y%m%d%H%M%S").replace(tzinfo=zone)
    return int(moment.timestamp())


def _utc_text(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%dT%H%M%SZ")


def _written(line: ContentLine) -> str:
    return "\r\n".join(line.written)
