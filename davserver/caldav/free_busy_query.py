"""free-busy-query REPORT (RFC 4791 §7.10): busy time of one calendar as VFREEBUSY."""

from __future__ import annotations

from davserver.caldav.calendar_multiget import is_calendar
from davserver.caldav.query_xml import parse_free_busy_query
from davserver.dav import report_registry
from davserver.dav.errors import translate_domain_errors
from davserver.dav.responses import send_bytes
from davserver.dav.xml import CALDAV, qname
from resources.calendar_query import (
    free_busy_periods,
    render_vfreebusy,
)
from resources.calendar_search import collection_timezone, in_range, readable_calendars


@report_registry.register(qname(CALDAV, "free-busy-query"), is_calendar)
@translate_domain_errors
def free_busy_query(server, node, root, environ, start_response):
    time_range = parse_free_busy_query(root)
    zone = collection_timezone(node.row)
    calendars = readable_calendars(in_range(node.row.id, ("VEVENT", "VFREEBUSY"), time_range))
    periods = free_busy_periods(calendars, time_range.start, time_range.end, timezone=zone)
    body = render_vfreebusy(periods, time_range.start, time_range.end).encode("utf-8")
    return send_bytes(start_response, "200 OK", body, "text/calendar; charset=utf-8")
