"""The REPORTs of CalDAV (RFC 4791 §7), and sync-collection (RFC 6578) on calendars with
calendar-data: the table the app builder gives the DAV app."""

from __future__ import annotations

from davserver.caldav.calendar_data import calendar_member_request
from davserver.caldav.calendar_multiget import calendar_multiget
from davserver.caldav.calendar_query import calendar_query
from davserver.caldav.free_busy_query import free_busy_query
from davserver.dav.nodes.calendar import CalendarNode
from davserver.dav.report_registry import Report
from davserver.dav.sync import sync_collection_report
from davserver.dav.xml import CALDAV, qname


def is_calendar(node) -> bool:
    return isinstance(node, CalendarNode)


REPORTS = (
    Report(qname(CALDAV, "calendar-multiget"), is_calendar, calendar_multiget),
    Report(qname(CALDAV, "calendar-query"), is_calendar, calendar_query),
    Report(qname(CALDAV, "free-busy-query"), is_calendar, free_busy_query),
    sync_collection_report(is_calendar, calendar_member_request),
)
