"""calendar-multiget REPORT (RFC 4791 §7.9): the named objects of one calendar in one
query; hrefs elsewhere or of missing objects answer 404 inside the multistatus."""

from __future__ import annotations

from davserver.caldav.calendar_data import calendar_member_request
from davserver.dav.errors import translate_domain_errors
from davserver.dav.multiget import multiget
from davserver.dav.nodes.calendar import CalendarNode


@translate_domain_errors
def calendar_multiget(server, node: CalendarNode, root, environ, start_response):
    mode, names, renderers = calendar_member_request(root, node.row)
    return multiget(
        "calendar-multiget", node, root, environ, start_response, mode, names, renderers
    )
