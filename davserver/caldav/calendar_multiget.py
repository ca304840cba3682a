"""calendar-multiget REPORT (RFC 4791 §7.9): the named objects of one calendar in one
query; hrefs elsewhere or of missing objects answer 404 inside the multistatus."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from davserver.caldav.object_responses import add_object_response, calendar_renderers
from davserver.caldav.query_xml import parse_property_request
from davserver.dav import report_registry
from davserver.dav.errors import DavError, translate_domain_errors
from davserver.dav.multistatus import (
    add_status_response,
    new_multistatus,
    send_multistatus,
)
from davserver.dav.nodes_collection import CollectionNode
from davserver.dav.nodes_object import ObjectNode
from davserver.dav.xml import CALDAV, DAV, qname
from resources.objects.calendar_search import by_names, collection_timezone

MAX_HREFS = 5000


def is_calendar(node) -> bool:
    return isinstance(node, CollectionNode) and node.is_calendar


def member_name(href: str, collection_href: str) -> str | None:
    """The member name if `href` points straight into the collection, else None."""
    path = unquote(urlsplit(href.strip()).path)
    base = unquote(collection_href)
    if not path.startswith(base):
        return None
    name = path[len(base) :]
    return name if name and "/" not in name else None


@report_registry.register(qname(CALDAV, "calendar-multiget"), is_calendar)
@translate_domain_errors
def calendar_multiget(server, node: CollectionNode, root, environ, start_response):
    mode, names, data_request = parse_property_request(root)
    renderers = calendar_renderers(data_request, collection_timezone(node.row))
    return multiget(node, root, environ, start_response, mode, names, renderers)


def multiget(
    node: CollectionNode, root, environ, start_response, mode, names, renderers
) -> list[bytes]:
    """The named members of one collection, in one query; others answer 404 (RFC 4791 §7.9,
    RFC 6352 §8.7)."""
    hrefs = [h.text or "" for h in root.iterfind(qname(DAV, "href"))]
    if not hrefs:
        raise DavError(400, "calendar-multiget needs at least one DAV:href.")
    if len(hrefs) > MAX_HREFS:
        raise DavError(
            403,
            f"At most {MAX_HREFS} hrefs per calendar-multiget.",
            qname(DAV, "number-of-matches-within-limits"),
        )
    collection_href = node.get_href()
    wanted = {href: member_name(href, collection_href) for href in hrefs}
    rows = by_names(node.row.id, [n for n in wanted.values() if n])
    result = new_multistatus()
    for href, name in wanted.items():
        row = rows.get(name) if name else None
        if row is None:
            add_status_response(
                result, href if href.startswith("/") else urlsplit(href).path or href, 404
            )
            continue
        member = ObjectNode.for_row(row, node.row, environ, None)  # type: ignore[arg-type]  # a listed row
        add_object_response(result, member, mode, names, renderers)
    return send_multistatus(start_response, result)
