"""free-busy-query REPORT (RFC 4791 §7.10): busy time of one calendar as VFREEBUSY."""

from __future__ import annotations

from davserver.caldav.query_xml import MAX_FREE_BUSY_SPAN, parse_free_busy_query
from davserver.dav.errors import DavError, translate_domain_errors
from davserver.dav.responses import send_bytes
from davserver.dav.xml import DAV, qname
from resources.formats.calendar_query import render_vfreebusy
from resources.scheduling.busy_time import calendar_busy_time

# Every instance in the range becomes a FREEBUSY period: a daily event over the years
# 1 to 9999 would be 3.6 million of them. Longer ranges are refused (no client asks
# for more than a few months of busy time).
MAX_SPAN = MAX_FREE_BUSY_SPAN


@translate_domain_errors
def free_busy_query(server, node, root, environ, start_response):
    time_range = parse_free_busy_query(root)  # both ends set: the parser requires them
    if time_range.end - time_range.start > MAX_SPAN:  # type: ignore[operator]
        raise DavError(
            403,
            f"A free-busy-query may span at most {MAX_SPAN.days} days.",
            qname(DAV, "number-of-matches-within-limits"),
        )
    periods = calendar_busy_time(node.row, time_range.start, time_range.end)  # type: ignore[arg-type]
    body = render_vfreebusy(periods, time_range.start, time_range.end).encode("utf-8")  # type: ignore[arg-type]
    return send_bytes(start_response, "200 OK", body, "text/calendar; charset=utf-8")
