"""C:calendar-data of one stored calendar object as a REPORT asks for it (RFC 4791 §9.6):
the stored text, the expansion written from the stored occurrence list, or the engine's
rendering of the parsed object.

It lives with the stored objects because it reads their stored fields (body and
occurrence list) and their parsed form from the cache of calendar_search; the REPORT
handlers only put the text it returns into their answer.
"""

from __future__ import annotations

from datetime import tzinfo

from resources.formats.calendar_query import CalendarDataRequest, render_calendar_data
from resources.formats.calendar_query.expand_listed import expand_listed
from resources.formats.stored_reading import stored_text
from resources.objects.calendar_search import parse_stored
from resources.store.hot_queries import ObjectWithBody
from resources.store.models import StoredObject


def calendar_data_text(
    row: StoredObject | ObjectWithBody, request: CalendarDataRequest | None, zone: tzinfo
) -> str:
    """The calendar data of `row` as `request` selects it, floating times read in `zone`.

    TooManyInstances when an expansion would write more than max-instances instances,
    UnreadableStoredObject (logged) when the stored body cannot be read."""
    raw = bytes(row.body)
    if request is None or request.selects_everything:
        return stored_text(raw)
    expand = request.expand
    if expand is not None and request.expands_only and row.occurrences is not None:
        # The fast path: the instances in the range are listed already, no parsing.
        text = expand_listed(raw, row.occurrences, expand)
        if text is not None:
            return text
    return render_calendar_data(parse_stored(row), raw, request, timezone=zone)
