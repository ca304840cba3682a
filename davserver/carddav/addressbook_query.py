"""addressbook-query REPORT (RFC 6352 §8.6): the cards of one address book that match
the filter, at most CARDDAV:nresults of them."""

from __future__ import annotations

from collections.abc import Iterator

from davserver.carddav.address_responses import address_renderers
from davserver.carddav.query_xml import parse_addressbook_query
from davserver.dav.errors import translate_domain_errors
from davserver.dav.multistatus import add_status_response
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.object_responses import add_object_response
from resources.objects.addressbook_query_plan import LimitExceeded, addressbook_query_results


@translate_domain_errors
def addressbook_query(server, node: CollectionNode, root, environ, start_response):
    query = parse_addressbook_query(root)
    renderers = address_renderers(query.address_data)
    pages = (
        iter(())
        if environ.get("HTTP_DEPTH", "1").strip() == "0"
        else addressbook_query_results(query, node.row)
    )

    def fill(result) -> Iterator[None]:
        for page in pages:
            for found in page:
                if isinstance(found, LimitExceeded):
                    add_status_response(result, node.get_href(), 507)
                    return
                add_object_response(
                    result,
                    ObjectNode.for_row(found, node.row, environ, None),  # type: ignore[arg-type]
                    query.mode,
                    query.properties,
                    renderers,
                )
            yield

    return send_multistatus_stream(environ, start_response, fill)
