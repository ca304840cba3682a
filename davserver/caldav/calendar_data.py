"""C:calendar-data in REPORT answers (RFC 4791 §9.6): a stored calendar object rendered
as the request asks (some components and properties, expanded or limited recurrences)."""

from __future__ import annotations

from datetime import tzinfo

from lxml import etree

from davserver.caldav.query_xml import parse_property_request
from davserver.dav.object_responses import Renderers
from davserver.dav.xml import CALDAV, qname
from resources.formats.calendar_query import CalendarDataRequest, render_calendar_data
from resources.formats.calendar_query.expand_listed import expand_listed
from resources.formats.stored_reading import stored_text
from resources.objects.calendar_search import collection_timezone, parse_stored
from resources.store.models import Collection, StoredObject

CALENDAR_DATA = qname(CALDAV, "calendar-data")


def calendar_data_text(row: StoredObject, request: CalendarDataRequest | None, zone: tzinfo) -> str:
    raw = bytes(row.body)
    if request is None or request.selects_everything:
        return stored_text(raw)
    if request.expands_only and request.expand is not None and row.occurrences is not None:
        text = expand_listed(raw, row.occurrences, request.expand)
        if text is not None:
            return text
    return render_calendar_data(parse_stored(row), raw, request, timezone=zone)


def calendar_renderers(request: CalendarDataRequest | None, zone: tzinfo) -> Renderers:
    return {CALENDAR_DATA: lambda row: calendar_data_text(row, request, zone)}


def calendar_member_request(
    root: etree._Element, collection: Collection
) -> tuple[str, tuple[str, ...], Renderers]:
    """What a REPORT body asks of each object of a calendar, with calendar-data rendered in
    the calendar's own timezone."""
    mode, names, data_request = parse_property_request(root)
    return mode, names, calendar_renderers(data_request, collection_timezone(collection))
