"""The plan of a calendar-query (RFC 4791 §7.8) against one calendar collection: which
stored objects match, found the cheapest way that decides exactly.

1. Candidates by component type and stored occurrence bounds, a page at a time, in
   name order (calendar_search.candidate_pages, the §9.9 prefilter in SQL).
2. For a plain VEVENT time-range, the stored occurrence list decides most candidates
   before any body is read (calendar_occurrences.stored_decision).
3. The rest are parsed (cached by ETag) and decided by the dateutil shortcut where it
   can (calendar_query.fast_path), else by the full engine (§9.7, §9.9).
4. The C:calendar-data of a match is rendered when the answer writes it (stored text,
   expansion from the stored list, or the engine: calendar_data_text), floating times in
   the query's time zone or else the collection's.

It lives in resources/objects because it reads collections and stored objects and
composes the formats' engine over them; the REPORT handler in davserver only parses the
body, runs this and writes the answer.

Per object, an object whose match cannot be decided within max-instances is yielded as
InstanceLimitReached, which the answer reports for that object alone; an unreadable
stored object never matches. AnswerTooLarge and RequestTimeExhausted end the whole
answer and are raised for the handler to cut it there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import NamedTuple

from icalendar import Calendar

from resources.errors import AnswerTooLarge, TooManyInstances
from resources.formats.calendar_occurrences import stored_decision
from resources.formats.calendar_query import (
    CompFilter,
    TimeRange,
    calendar_matches,
)
from resources.formats.calendar_query.fast_path import plain_event_range, quick_match
from resources.formats.calendar_query.query import CalendarQuery
from resources.objects.calendar_data_text import calendar_data_text
from resources.objects.calendar_search import (
    candidate_pages,
    collection_timezone,
    parse_stored,
    rows_by_ids,
)
from resources.store.hot_queries import ObjectWithBody
from resources.store.models import Collection, StoredObject


class InstanceLimitReached(NamedTuple):
    """A stored object whose match cannot be decided within max-instances instances."""

    row: ObjectWithBody
    message: str


# A match is the stored row itself: nothing is made per match that the answer does not need.
CalendarQueryResult = ObjectWithBody | InstanceLimitReached


class CalendarQueryPlan:
    """One calendar-query against one calendar collection: its results, and the calendar
    data of a match as the query asks for it (§9.6).

    The answer calls `calendar_data` only for the matches whose C:calendar-data it writes,
    so that a failure there (TooManyInstances, UnreadableStoredObject) concerns that one
    property; the time zone and the request are worked out once per query."""

    def __init__(self, query: CalendarQuery, collection: Collection) -> None:
        self.collection_id: int = collection.id
        self.filter = query.filter
        self.request = query.calendar_data
        self.timezone = query.timezone or collection_timezone(collection)
        self.window = plain_event_range(query.filter)

    def results(self) -> Iterator[Iterator[CalendarQueryResult]]:
        """The results in name order, page by page: the answer can be sent after each page.
        A page is decided as it is read, so what came before an AnswerTooLarge is answered."""
        for page in candidate_pages(self.collection_id, self.filter):
            yield self._page_results(page)

    def calendar_data(self, row: StoredObject | ObjectWithBody) -> str:
        """C:calendar-data of a match: stored text, expansion from the stored occurrence
        list, or the engine's rendering. (It takes a model row too, as every renderer of
        an object response does.)"""
        return calendar_data_text(row, self.request, self.timezone)

    def _page_results(self, page: list[tuple[int, bytes | None]]) -> Iterator[CalendarQueryResult]:
        window = self.window
        # Stored occurrence lists rule most candidates out before any body is read.
        wanted = [
            (object_id, decision)
            for object_id, occurrences in page
            if (decision := stored_decision(occurrences, window) if window else None) is not False
        ]
        rows = rows_by_ids(self.collection_id, [object_id for object_id, _ in wanted])
        for object_id, decision in wanted:
            row = rows.get(object_id)
            if row is None:
                continue
            try:
                if not (decision or _evaluate(row, self.filter, window, self.timezone)):
                    continue
            except AnswerTooLarge:
                raise
            except TooManyInstances as exc:  # this object cannot be decided within the limit
                yield InstanceLimitReached(row, exc.message)
                continue
            yield row


def _evaluate(
    row: ObjectWithBody, root: CompFilter, window: TimeRange | None, zone: tzinfo
) -> bool:
    """Parse the object and decide: by the dateutil shortcut where it can, else the engine."""
    try:
        calendar: Calendar = parse_stored(row)
    except ValueError:
        return False  # stored before validation existed; never matches
    decided = quick_match(calendar, window, zone) if window is not None else None
    return calendar_matches(calendar, root, timezone=zone) if decided is None else decided
