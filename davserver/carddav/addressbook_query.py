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
from resources.formats.addressbook_query import card_matches, parse_card
from resources.store.hot_queries import object_pages_with_body


@translate_domain_errors
def addressbook_query(server, node: CollectionNode, root, environ, start_response):
    query = parse_addressbook_query(root)
    renderers = address_renderers(query.address_data)
    pages = (
        iter(())
        if environ.get("HTTP_DEPTH", "1").strip() == "0"
        else object_pages_with_body(node.row.id)
    )

    def fill(result) -> Iterator[None]:
        matched = 0
        for page in pages:
            for row in page:
                try:
                    card = parse_card(row.body)
                except Exception:  # a stored card that no longer parses never matches
                    continue
                if not card_matches(card, query.filter):
                    continue
                if query.limit is not None and matched >= query.limit:
                    add_status_response(result, node.get_href(), 507)
                    return
                matched += 1
                add_object_response(
                    result,
                    ObjectNode.for_row(row, node.row, environ, None),  # type: ignore[arg-type]  # a listed row
                    query.mode,
                    query.properties,
                    renderers,
                )
            yield

    return send_multistatus_stream(environ, start_response, fill)
