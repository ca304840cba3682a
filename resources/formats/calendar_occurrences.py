"""Stored occurrence lists: when each instance of a simple event starts, so that the
query clients send most (a plain VEVENT time-range, RFC 4791 §9.9) is decided from
stored numbers instead of parsing and expanding the object on every request.

Only objects whose instants do not depend on the calendar's time zone get a list:
VEVENTs in UTC or IANA zones (DTSTART, DTEND, EXDATE, RECURRENCE-ID), with at most one
RRULE of parts dateutil knows and plain overrides that carry their own times; no RDATE,
EXRULE or RANGE=THISANDFUTURE. Everything else (all-day and floating values, custom
VTIMEZONEs) is decided by the query engine, as before.

A list holds at most MAX_LISTED instances. It starts at DTSTART, or, for a long series,
at most a year before the object was written; it ends with the series, or a few years
after the write. A window outside the stretch a list is complete for is left to the
engine, which keeps every answer exact however old the list is.

The instants are the ones the engine would compute: instances on wall-clock time from
DTSTART (dateutil, as RFC 5545 wants), DTSTART always one of them, each lasting DTEND -
DTSTART (or DURATION) of wall-clock time; tests/test_query_occurrences.py compares
both on every corpus file.
"""

from __future__ import annotations

import struct
import warnings
from bisect import bisect_left
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Component
from icalendar.prop import vRecur

from resources.formats.calendar_recurrence import DATEUTIL_PARTS, rule_never_matches

MAX_LISTED = 1000
# Rules are followed from DTSTART on every write; finer frequencies than daily, or series
# with more instances than this before the list's end, are left to the engine.
LISTED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_FOLLOWED = 50_000
LISTED_BEFORE = timedelta(days=366)
LISTED_AHEAD = timedelta(days=4 * 366)
FORMAT_VERSION = 2
_HEADER = struct.Struct("<Bqqq")  # version, listed_from, listed_until, longest length (seconds)
_SERIES_START = -(2**62)  # listed_from when the list starts at the series' first instance
_FOREVER = 2**62  # listed_until when no instance follows the listed ones

if TYPE_CHECKING:  # the query package imports this module
    from resources.formats.calendar_query import TimeRange


class OccurrenceList:
    """A decoded list: instance starts (epoch seconds, ascending) and each one's length."""

    __slots__ = ("listed_from", "listed_until", "longest", "starts", "lengths")

    def __init__(
        self, listed_from: int, listed_until: int, starts: tuple[int, ...], lengths: tuple[int, ...]
    ):
        self.listed_from = listed_from
        self.listed_until = listed_until
        self.starts = starts
        self.lengths = lengths
        self.longest = max(lengths, default=0)

    def encode(self) -> bytes:
        count = len(self.starts)
        header = _HEADER.pack(FORMAT_VERSION, self.listed_from, self.listed_until, self.longest)
        return header + struct.pack(f"<{count}q{count}q", *self.starts, *self.lengths)

    @classmethod
    def decode(cls, blob: bytes) -> OccurrenceList | None:
        if len(blob) < _HEADER.size or (len(blob) - _HEADER.size) % 16:
            return None
        version, listed_from, listed_until, _ = _HEADER.unpack_from(blob)
        if version != FORMAT_VERSION:
            return None
        count = (len(blob) - _HEADER.size) // 16
        values = struct.unpack_from(f"<{2 * count}q", blob, _HEADER.size)
        return cls(listed_from, listed_until, values[:count], values[count:])

    def covers(self, start: float | None, end: float | None) -> bool:
        """Whether every instance that can touch [start, end) is listed."""
        covers_end = self.listed_until == _FOREVER or (end is not None and end <= self.listed_until)
        covers_start = self.listed_from == _SERIES_START or (
            start is not None and start >= self.listed_from + self.longest
        )
        return covers_end and covers_start

    def within(self, start: float, end: float) -> list[tuple[int, int]] | None:
        """(start, length) of every instance overlapping [start, end) by §9.9, in start
        order; None when the list does not cover the window."""
        if not self.covers(start, end):
            return None
        found = []
        for index in range(bisect_left(self.starts, end) - 1, -1, -1):
            begin, length = self.starts[index], self.lengths[index]
            if (begin + length > start) if length else (begin >= start):
                found.append((begin, length))
            elif begin + self.longest <= start:
                break
        return found[::-1]

    def overlaps(self, start: float | None, end: float | None) -> bool | None:
        """Whether an instance overlaps [start, end) by the VEVENT rows of §9.9; None when
        the window reaches beyond the stretch the list is complete for."""
        starts, lengths = self.starts, self.lengths
        upto = (
            len(starts) if end is None else bisect_left(starts, end)
        )  # instances starting before `end`
        for index in range(upto - 1, -1, -1):
            begin, length = starts[index], lengths[index]
            if start is None:
                return True
            if (
                (begin + length > start) if length else (begin >= start)
            ):  # an instant counts at its start
                return True
            if begin + self.longest <= start:
                break  # this one and all earlier ones end before the window
        # Nothing listed matches: that is only the answer when the list covers the window.
        return False if self.covers(start, end) else None


def occurrence_list(components: list[Component], kind: str, written: datetime) -> bytes | None:
    """The encoded list for a simple event series, or None when the engine must decide."""
    if kind != "VEVENT":
        return None
    try:
        listed = _list_series(components, written)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError):
        return None
    return None if listed is None else listed.encode()


def _absolute(value: Any) -> bool:
    """A datetime whose instant is the same in every calendar: UTC or an IANA zone."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return False
    zone = value.tzinfo
    return zone is UTC or zone == UTC or isinstance(zone, ZoneInfo)


def _zoned(prop: Any) -> datetime | None:
    """The property's value if it is absolute and the TZID the client wrote names the zone
    icalendar chose (no Windows-name mapping, no process-wide VTIMEZONE cache between)."""
    value = prop.dt
    if not _absolute(value):
        return None
    tzid = prop.params.get("TZID")
    zone = value.tzinfo
    if tzid is None:
        return value if zone is UTC or zone == UTC or getattr(zone, "key", None) == "UTC" else None
    return value if isinstance(zone, ZoneInfo) and zone.key == tzid else None


def _list_series(components: list[Component], written: datetime) -> OccurrenceList | None:
    masters = [c for c in components if "RECURRENCE-ID" not in c]
    overrides = [c for c in components if "RECURRENCE-ID" in c]
    if len(masters) != 1 or (overrides and "RRULE" not in masters[0]):
        return None
    master = masters[0]
    if any(name in master for name in ("RDATE", "EXRULE")) or "DTSTART" not in master:
        return None
    start = _zoned(master["DTSTART"])
    length = _length(master, start) if start is not None else None
    excluded = _excluded(master)
    if length is None or excluded is None:
        return None
    moved = {}
    for override in overrides:
        timing = _override_timing(override)
        if timing is None:
            return None
        moved[timing[0]] = timing[1:]
    rule = master.get("RRULE")
    if isinstance(rule, list):
        return None
    moments = [start]  # DTSTART is always an instance, even where the rule would not make one
    listed_from, complete_until = start, _FOREVER
    if rule is not None and not rule_never_matches(rule):
        # start is set where length is: _length needs it
        found, listed_from, complete_until = _rule_instances(  # type: ignore[assignment]
            rule,
            start,  # type: ignore[arg-type]
            written - LISTED_BEFORE,
            written + LISTED_AHEAD,
        )
        if found is None:
            return None
        moments.extend(found)
    instances = {  # by start: DTSTART may also be the rule's first instance
        moment.astimezone(UTC): (  # type: ignore[union-attr]
            int(moment.timestamp()),  # type: ignore[union-attr]
            int((moment + length).timestamp()) - int(moment.timestamp()),  # type: ignore[operator, union-attr]
        )
        for moment in moments
        if moment.astimezone(UTC) not in excluded and moment.astimezone(UTC) not in moved  # type: ignore[union-attr]
    }
    # Overrides keep their own times, wherever they moved to.
    ordered = sorted(
        [*instances.values(), *((int(begin.timestamp()), span) for begin, span in moved.values())]
    )
    return OccurrenceList(
        _SERIES_START if listed_from == start else int(listed_from.timestamp()),  # type: ignore[union-attr]
        complete_until if isinstance(complete_until, int) else int(complete_until.timestamp()),
        tuple(begin for begin, _ in ordered),
        tuple(span for _, span in ordered),
    )


def _override_timing(override: Component) -> tuple[datetime, datetime, int] | None:
    """(RECURRENCE-ID in UTC, own start in UTC, own length in seconds) of a plain override."""
    recurrence = override["RECURRENCE-ID"]
    if recurrence.params.get("RANGE") or any(
        name in override for name in ("RRULE", "RDATE", "EXDATE")
    ):
        return None  # THISANDFUTURE and overrides with their own rules: the engine's business
    if "DTSTART" not in override or ("DTEND" not in override and "DURATION" not in override):
        return None  # an override without its own length: the engine decides what it inherits
    recurrence_id, start = _zoned(recurrence), _zoned(override["DTSTART"])
    if recurrence_id is None or start is None:
        return None
    length = _length(override, start)
    if length is None:
        return None
    return (
        recurrence_id.astimezone(UTC),
        start.astimezone(UTC),
        int((start + length).timestamp()) - int(start.timestamp()),
    )


def _length(event: Component, start: datetime) -> timedelta | None:
    """DTEND - DTSTART (or DURATION) of wall-clock time; None for what §9.9 treats apart."""
    if "DTEND" in event and "DURATION" in event:
        return None  # invalid (RFC 5545 §3.6.1); never stored, and no list would be right
    if "DTEND" in event:
        end = _zoned(event["DTEND"])
        if end is None:
            return None
        length = end - start
        return length if length > timedelta(0) else None  # zero-length DTEND: its own §9.9 row
    if "DURATION" in event:
        length = event["DURATION"].dt  # type: ignore[assignment, union-attr]
        return length if isinstance(length, timedelta) and length >= timedelta(0) else None
    return timedelta(0)


def _excluded(event: Component) -> set[datetime] | None:
    found: set[datetime] = set()
    values = event.get("EXDATE")
    for prop in values if isinstance(values, list) else [values] if values is not None else []:
        for item in prop.dts:
            if not _absolute(item.dt):
                return None
            found.add(item.dt.astimezone(UTC))
    return found


def _rule_instances(
    rule: vRecur, start: datetime, earliest: datetime, listed_until: datetime
) -> tuple[deque[datetime], datetime, datetime | int] | tuple[None, None, None]:
    """The rule's instances before `listed_until`, the earliest start they are complete
    from, and up to when they are complete (_FOREVER when the rule ends by then).

    At most MAX_LISTED instances are kept: the oldest are dropped, but none starting
    after `earliest`; beyond that the list stops early. (None, None, None) for rules
    the engine reads differently from dateutil.
    """
    if (
        not set(rule.keys()) <= DATEUTIL_PARTS | {"COUNT", "UNTIL"}
        or (rule.get("FREQ") or [None])[0] not in LISTED_FREQUENCIES
    ):
        return None, None, None
    until = rule.get("UNTIL")
    if until and (
        not isinstance(until[0], datetime) or until[0].tzinfo is None or until[0] < start
    ):
        return None, None, None  # loosely typed or backwards UNTIL: the engine reads those
    series = rrulestr(rule.to_ical().decode("ascii"), dtstart=start, cache=False)
    ends_inside = until is not None and until[0] < listed_until
    bounded = series
    if not ends_inside:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # dateutil frowns on COUNT with UNTIL; here it only cuts
            bounded = series.replace(until=listed_until - timedelta(seconds=1))  # type: ignore[union-attr]
    found: deque[datetime] = deque()
    listed_from = start
    for step, moment in enumerate(bounded):
        if step == MAX_FOLLOWED:
            return None, None, None  # a very long series: the engine follows it per query window
        found.append(moment)
        if len(found) > MAX_LISTED:
            if found[0] >= earliest:
                found.pop()
                return found, listed_from, moment
            found.popleft()
            listed_from = found[0]
    if ends_inside:
        return found, listed_from, _FOREVER
    if "COUNT" in rule:  # did COUNT end the series before the cut?
        after = found[-1] if found else start
        if next(iter(series.xafter(after, inc=False)), None) is None:
            return found, listed_from, _FOREVER
    return found, listed_from, listed_until


def fill_missing_lists(batch: int = 500) -> int:
    """Give every stored VEVENT object that qualifies its list (after the schema upgrade
    that added them); returns how many got one."""
    from icalendar import Calendar

    from resources.store.models import StoredObject

    written, filled, after = datetime.now(UTC), 0, 0
    while True:
        rows = list(
            StoredObject.select(StoredObject.id, StoredObject.body)
            .where(
                (StoredObject.component == "VEVENT")
                & StoredObject.occurrences.is_null()
                & (StoredObject.id > after)
            )
            .order_by(StoredObject.id)
            .limit(batch)
        )
        if not rows:
            return filled
        for row in rows:
            try:
                calendar = Calendar.from_ical(bytes(row.body).decode("utf-8"))
            except Exception:  # noqa: BLE001 - unreadable old rows keep being decided by the engine
                continue
            components = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
            blob = occurrence_list(components, "VEVENT", written)
            if blob is not None:
                StoredObject.update(occurrences=blob).where(StoredObject.id == row.id).execute()
                filled += 1
        after = rows[-1].id


def stored_decision(blob: bytes | None, window: TimeRange) -> bool | None:
    """Whether the stored list says the object matches a plain VEVENT time-range
    (a calendar_query TimeRange); None when there is no list or it cannot tell."""
    if blob is None:
        return None
    listed = OccurrenceList.decode(bytes(blob))
    if listed is None:
        return None
    start = None if window.start is None else window.start.timestamp()
    end = None if window.end is None else window.end.timestamp()
    return listed.overlaps(start, end)
