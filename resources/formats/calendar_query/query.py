"""The parsed calendar-query REPORT (RFC 4791 §7.8) as the domain runs it: the filter,
the properties asked for, the calendar-data request and the query's own time zone.

It holds no XML: davserver.caldav.query_xml parses a request body into it, and
resources.objects.calendar_query_plan runs it against a calendar collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal

from resources.formats.calendar_query.filters import CompFilter
from resources.formats.calendar_query.retrieval import CalendarDataRequest

# DAV:prop (the names in `properties`), DAV:allprop or DAV:propname (RFC 4918 §14.20).
PropertyMode = Literal["prop", "allprop", "propname"]


@dataclass(frozen=True)
class CalendarQuery:
    """A parsed C:calendar-query (§7.8). `timezone` is the query's own time zone
    (C:timezone or C:timezone-id); None means the collection's applies."""

    filter: CompFilter
    mode: PropertyMode = "allprop"
    properties: tuple[str, ...] = ()
    calendar_data: CalendarDataRequest | None = None
    timezone: tzinfo | None = None
