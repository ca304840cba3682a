"""Finding the calendar objects a query needs, by stored fields and indexes only:
time-range candidates by occurrence bounds (RFC 4791 §9.9 prefilter), members by
name (multiget), members in revision order (sync-collection)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from itertools import islice
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee
from icalendar import Calendar, Timezone

from resources.formats.calendar_query import CompFilter, TimeRange
from resources.formats.calendar_recurrence import rule_never_matches
from resources.formats.stored_reading import (
    UnreadableStoredObject,
    log_unreadable,
    parse_stored_calendar,
)
from resources.store.hot_queries import ObjectWithBody, objects_with_body
from resources.store.models import Collection, StoredObject

_UTC = UTC


def outer_time_range(root: CompFilter) -> tuple[str | None, TimeRange | None]:
    """The component named right below VCALENDAR and the time-range that bounds it.

    Only this level narrows candidates; deeper filters are evaluated exactly later.
    """
    children = [c for c in root.comp_filters if not c.is_not_defined]
    if len(children) != 1 or len(root.comp_filters) != 1:
        return None, None
    component = children[0]
    return component.name, component.time_range


PAGE_SIZE = 200


def candidates(collection_id: int, root: CompFilter) -> list[StoredObject]:
    """Objects that may match `root`: by component type and stored occurrence bounds."""
    component, time_range = outer_time_range(root)
    return in_range(collection_id, (component,) if component else None, time_range)


def candidate_pages(
    collection_id: int, root: CompFilter, page_size: int = PAGE_SIZE
) -> Iterator[list[tuple[int, bytes | None]]]:
    """(id, occurrence list) of the objects that may match `root`, in name order, a page
    at a time; bodies are left in the database until a page needs them (rows_by_ids)."""
    component, time_range = outer_time_range(root)
    query = StoredObject.select(StoredObject.id, StoredObject.occurrences).where(
        _in_range_condition(collection_id, (component,) if component else None, time_range)
    )
    cursor = query.order_by(StoredObject.name).tuples().iterator()
    while page := list(islice(cursor, page_size)):
        yield page


def rows_by_ids(collection_id: int, ids: list[int]) -> dict[int, ObjectWithBody]:
    return {row.id: row for row in objects_with_body(collection_id, "id", ids)}


def in_range(
    collection_id: int, components: tuple[str, ...] | None, time_range: TimeRange | None
) -> list[StoredObject]:
    """Objects of these component types whose stored bounds touch the range, in one query."""
    query = StoredObject.select().where(_in_range_condition(collection_id, components, time_range))
    return list(query.order_by(StoredObject.name))


def _in_range_condition(
    collection_id: int, components: tuple[str, ...] | None, time_range: TimeRange | None
) -> peewee.Expression:
    condition = StoredObject.collection == collection_id
    if components:
        condition &= StoredObject.component.in_(components)
    if time_range is not None:
        if time_range.end is not None:
            condition &= StoredObject.first_start < _epoch_ceil(time_range.end)
        if time_range.start is not None:
            condition &= StoredObject.last_end >= int(time_range.start.timestamp())
    return condition


def _epoch_ceil(moment: datetime) -> int:
    seconds = moment.timestamp()
    return int(seconds) + (0 if seconds == int(seconds) else 1)


def by_names(collection_id: int, names: list[str]) -> dict[str, ObjectWithBody]:
    return {row.name: row for row in objects_with_body(collection_id, "name", names)}


def member_pages_by_revision(
    collection_id: int, page_size: int = PAGE_SIZE
) -> Iterator[list[StoredObject]]:
    """Every member, oldest change first, a page at a time (one indexed query per page)."""
    revision, last_id = -1, 0
    while True:
        page = list(
            StoredObject.select()
            .where(
                (StoredObject.collection == collection_id)
                & (
                    (StoredObject.revision > revision)
                    | ((StoredObject.revision == revision) & (StoredObject.id > last_id))
                )
            )
            .order_by(StoredObject.revision, StoredObject.id)
            .limit(page_size)
        )
        if page:
            yield page
        if len(page) < page_size:
            return
        revision, last_id = page[-1].revision, page[-1].id


def collection_timezone(collection: Collection) -> tzinfo:
    """The zone floating times and all-day dates of this calendar are read in."""
    if collection.timezone_id:
        try:
            return ZoneInfo(collection.timezone_id)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if collection.timezone:
        try:
            zone = cast(Timezone, Calendar.from_ical(collection.timezone).walk("VTIMEZONE")[0])
            return zone.to_tz()  # type: ignore[no-any-return]
        except Exception:  # a damaged stored VTIMEZONE must not break queries
            pass
    return _UTC


class ParsedCalendars:
    """Parsed calendar objects by content hash: never stale, because the key is the ETag.

    Parsing dominates time-range queries over recurring series that match week after
    week; clients ask for the same windows again and again."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, Calendar] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, row: StoredObject | ObjectWithBody) -> Calendar:
        with self._lock:
            found = self._entries.get(row.etag)
            if found is not None:
                self._entries.move_to_end(row.etag)
                return found
        try:
            calendar = without_impossible_rules(parse_stored_calendar(row.body))
        except UnreadableStoredObject as error:
            log_unreadable(row.collection_id, row.name, error)
            raise
        with self._lock:
            self._entries[row.etag] = calendar
            if len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return calendar


def without_impossible_rules(calendar: Calendar) -> Calendar:
    """Drop RRULEs that can never match (30 February): expanding one walks to year 9999."""
    for component in calendar.subcomponents:
        rules = component.get("RRULE")
        listed = rules if isinstance(rules, list) else [rules] if rules is not None else []
        if listed and all(rule_never_matches(rule) for rule in listed):
            del component["RRULE"]
    return calendar


_parsed = ParsedCalendars()


def parse_stored(row: StoredObject | ObjectWithBody) -> Calendar:
    """The parsed calendar of a stored object; callers must not modify it.

    UnreadableStoredObject (a ValueError), logged, if the stored body cannot be read."""
    return _parsed.get(row)


def readable_calendars(rows: Iterable[StoredObject]) -> list[Calendar]:
    """The parsed calendars of the rows, without those that cannot be read (each logged)."""
    calendars = []
    for row in rows:
        try:
            calendars.append(parse_stored(row))
        except UnreadableStoredObject:
            continue
    return calendars
