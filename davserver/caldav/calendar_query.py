"""calendar-query REPORT (RFC 4791 §7.8): the body parsed, the domain's plan run
(resources.objects.calendar_query_plan), its results written as they come."""

from __future__ import annotations

from collections.abc import Iterator

from davserver.caldav.calendar_data import CALENDAR_DATA
from davserver.caldav.query_xml import parse_calendar_query
from davserver.dav.errors import DavError, translate_domain_errors
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.object_responses import (
    Renderers,
    add_error_response,
    add_object_response,
)
from davserver.dav.xml import CALDAV, DAV, qname
from resources.errors import AnswerTooLarge, RequestTimeExhausted
from resources.objects.calendar_query_plan import CalendarQueryPlan, InstanceLimitReached


def _depth_allows_members(environ: dict) -> bool:
    depth = environ.get("HTTP_DEPTH", "1").strip().lower()
    if depth not in ("0", "1", "infinity"):
        raise DavError(400, f"Invalid Depth header {depth!r}.")
    return depth != "0"


@translate_domain_errors
def calendar_query(server, node: CollectionNode, root, environ, start_response):
    query = parse_calendar_query(root)
    plan = CalendarQueryPlan(query, node.row)
    renderers: Renderers = {CALENDAR_DATA: plan.calendar_data}
    pages = plan.results() if _depth_allows_members(environ) else iter(())

    def fill(result) -> Iterator[None]:
        try:
            for page in pages:
                for found in page:
                    if isinstance(found, InstanceLimitReached):
                        href = ObjectNode.for_row(found.row, node.row, environ, None).get_href()  # type: ignore[arg-type]
                        add_error_response(
                            result, href, 403, qname(CALDAV, "max-instances"), found.message
                        )
                        continue
                    member = ObjectNode.for_row(found, node.row, environ, None)  # type: ignore[arg-type]  # a listed row
                    add_object_response(result, member, query.mode, query.properties, renderers)
                yield
        except (AnswerTooLarge, RequestTimeExhausted) as exc:
            # The answer is cut here, with what fits so far (RFC 4918 §14.24, as RFC 6578 §3.6 does).
            add_error_response(
                result,
                node.get_href(),
                507,
                qname(DAV, "number-of-matches-within-limits"),
                exc.message,
            )

    return send_multistatus_stream(environ, start_response, fill)
