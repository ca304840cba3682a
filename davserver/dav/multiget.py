"""The multiget REPORTs' common part (RFC 4791 §7.9, RFC 6352 §8.7): the named members
of one collection in one query; hrefs elsewhere or of missing members answer 404 inside
the multistatus."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from davserver.dav.errors import DavError
from davserver.dav.multistatus import add_status_response, new_multistatus, send_multistatus
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.object_responses import Renderers, add_object_response
from davserver.dav.xml import DAV, qname
from resources.objects.calendar_search import by_names

MAX_HREFS = 5000
_NEEDS_PARSING = frozenset("%?#: \t\r\n")  # escapes, a scheme or query, white space


def member_name(href: str, collection_href: str) -> str | None:
    """The member name if `href` points straight into the collection, else None."""
    if href.startswith(collection_href) and not _NEEDS_PARSING.intersection(href):
        name = href[len(collection_href) :]  # a plain path, as clients send them: no parsing
        return name if name and "/" not in name else None
    path = unquote(urlsplit(href.strip()).path)
    base = unquote(collection_href)
    if not path.startswith(base):
        return None
    name = path[len(base) :]
    return name if name and "/" not in name else None


def multiget(
    report: str,
    node: CollectionNode,
    root,
    environ,
    start_response,
    mode: str,
    names: tuple[str, ...],
    renderers: Renderers,
) -> list[bytes]:
    """The answer to multiget REPORT `report` (its name, for messages) on `node`."""
    hrefs = [h.text or "" for h in root.iterfind(qname(DAV, "href"))]
    if not hrefs:
        raise DavError(400, f"{report} needs at least one DAV:href.")
    if len(hrefs) > MAX_HREFS:
        raise DavError(
            403,
            f"At most {MAX_HREFS} hrefs per {report}.",
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
