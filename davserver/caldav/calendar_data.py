"""C:calendar-data in REPORT answers (RFC 4791 §9.6): a stored calendar object rendered
as the request asks (some components and properties, expanded or limited recurrences)."""

from __future__ import annotations

from datetime import tzinfo

from lxml import etree

from davserver.caldav.query_xml import parse_property_request
from davserver.dav.object_responses import Renderers
from davserver.dav.xml import CALDAV, qname
from resources.formats.calendar_query import CalendarDataRequest
from resources.objects.calendar_data_text import calendar_data_text
from resources.objects.calendar_search import collection_timezone
from resources.store.models import Collection

CALENDAR_DATA = qname(CALDAV, "calendar-data")


def calendar_renderers(request: CalendarDataRequest | None, zone: tzinfo) -> Renderers:
    return {CALENDAR_DATA: lambda row: calendar_data_text(row, request, zone)}


def calendar_member_request(
    root: etree._Element, collection: Collection
) -> tuple[str, tuple[str, ...], Renderers]:
    """What a REPORT body asks of each object of a calendar, with calendar-data rendered in
    the calendar's own timezone."""
    mode, names, data_request = parse_property_request(root)
    return mode, names, calendar_renderers(data_request, collection_timezone(collection))
