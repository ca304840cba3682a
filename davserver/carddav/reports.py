"""addressbook-multiget (RFC 6352 §8.7) and addressbook-query (RFC 6352 §8.6) REPORTs."""

from __future__ import annotations

from collections.abc import Iterator

from davserver.caldav.calendar_multiget import multiget
from davserver.caldav.object_responses import add_object_response, address_renderers
from davserver.carddav.query_xml import parse_addressbook_query, parse_property_request
from davserver.dav import report_registry
from davserver.dav.errors import translate_domain_errors
from davserver.dav.multistatus import add_status_response
from davserver.dav.multistatus_stream import send_multistatus_stream
from davserver.dav.nodes_collection import CollectionNode
from davserver.dav.nodes_object import ObjectNode
from davserver.dav.xml import CARDDAV, qname
from resources.objects.addressbook_query_plan import LimitExceeded, addressbook_query_results


def is_addressbook(node) -> bool:
    return isinstance(node, CollectionNode) and node.is_addressbook


@report_registry.register(qname(CARDDAV, "addressbook-multiget"), is_addressbook)
@translate_domain_errors
def addressbook_multiget(server, node: CollectionNode, root, environ, start_response):
    mode, names, address_request = parse_property_request(root)
    return multiget(
        node, root, environ, start_response, mode, names, address_renderers(address_request)
    )


@report_registry.register(qname(CARDDAV, "addressbook-query"), is_addressbook)
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
