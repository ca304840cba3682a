"""calendar-query REPORT (RFC 4791 §7.8): candidates by stored occurrence bounds,
then the exact filter (§9.7, §9.9) on those only."""

from __future__ import annotations

from collections.abc import Iterator

from davserver.caldav.calendar_data import calendar_renderers
from davserver.caldav.query_xml import parse_calendar_query
from davserver.dav.errors import DavError, translate_domain_errors
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.object_responses import add_error_response, add_object_response
from davserver.dav.xml import CALDAV, DAV, qname
from resources.errors import AnswerTooLarge, RequestTimeExhausted, TooManyInstances
from resources.formats.calendar_occurrences import stored_decision
from resources.formats.calendar_query import calendar_matches
from resources.formats.calendar_query.fast_path import plain_event_range, quick_match
from resources.objects.calendar_search import (
    candidate_pages,
    collection_timezone,
    parse_stored,
    rows_by_ids,
)


def _depth_allows_members(environ: dict) -> bool:
    depth = environ.get("HTTP_DEPTH", "1").strip().lower()
    if depth not in ("0", "1", "infinity"):
        raise DavError(400, f"Invalid Depth header {depth!r}.")
    return depth != "0"


def _evaluate(row, root, window, zone) -> bool:
    """Parse the object and decide: by the dateutil shortcut where it can, else the engine."""
    try:
        calendar = parse_stored(row)
    except ValueError:
        return False  # stored before validation existed; never matches
    decided = quick_match(calendar, window, zone) if window is not None else None
    return calendar_matches(calendar, root, timezone=zone) if decided is None else decided


@translate_domain_errors
def calendar_query(server, node: CollectionNode, root, environ, start_response):
    query = parse_calendar_query(root)
    zone = query.timezone or collection_timezone(node.row)
    renderers = calendar_renderers(query.calendar_data, zone)
    window = plain_event_range(query.filter)
    pages = (
        candidate_pages(node.row.id, query.filter) if _depth_allows_members(environ) else iter(())
    )

    def fill(result) -> Iterator[None]:
        try:
            yield from _fill(result)
        except (AnswerTooLarge, RequestTimeExhausted) as exc:
            # The answer is cut here, with what fits so far (RFC 4918 §14.24, as RFC 6578 §3.6 does).
            add_error_response(
                result,
                node.get_href(),
                507,
                qname(DAV, "number-of-matches-within-limits"),
                exc.message,
            )

    def _fill(result) -> Iterator[None]:
        for page in pages:
            # Stored occurrence lists rule most candidates out before any body is read.
            wanted = [
                (object_id, decision)
                for object_id, occurrences in page
                if (decision := stored_decision(occurrences, window) if window else None)
                is not False
            ]
            rows = rows_by_ids(node.row.id, [object_id for object_id, _ in wanted])
            for object_id, decision in wanted:
                row = rows.get(object_id)
                if row is None:
                    continue
                try:
                    if not (decision or _evaluate(row, query.filter, window, zone)):
                        continue
                except AnswerTooLarge:
                    raise
                except TooManyInstances as exc:  # this object cannot be decided within the limit
                    href = ObjectNode.for_row(row, node.row, environ, None).get_href()  # type: ignore[arg-type]
                    add_error_response(
                        result, href, 403, qname(CALDAV, "max-instances"), exc.message
                    )
                    continue
                member = ObjectNode.for_row(row, node.row, environ, None)  # type: ignore[arg-type]  # a listed row
                add_object_response(result, member, query.mode, query.properties, renderers)
            yield

    return send_multistatus_stream(environ, start_response, fill)
