"""addressbook-multiget REPORT (RFC 6352 §8.7): the named cards of one address book in
one query; hrefs elsewhere or of missing cards answer 404 inside the multistatus."""

from __future__ import annotations

from davserver.caldav.calendar_multiget import multiget
from davserver.caldav.object_responses import address_renderers
from davserver.carddav.query_xml import parse_property_request
from davserver.dav.errors import translate_domain_errors
from davserver.dav.nodes_collection import CollectionNode


@translate_domain_errors
def addressbook_multiget(server, node: CollectionNode, root, environ, start_response):
    mode, names, address_request = parse_property_request(root)
    return multiget(
        node, root, environ, start_response, mode, names, address_renderers(address_request)
    )
