"""addressbook-multiget REPORT (RFC 6352 §8.7): the named cards of one address book in
one query; hrefs elsewhere or of missing cards answer 404 inside the multistatus."""

from __future__ import annotations

from davserver.carddav.address_responses import address_member_request
from davserver.dav.errors import translate_domain_errors
from davserver.dav.multiget import multiget
from davserver.dav.nodes.address_book import AddressBookNode


@translate_domain_errors
def addressbook_multiget(server, node: AddressBookNode, root, environ, start_response):
    mode, names, renderers = address_member_request(root, node.row)
    return multiget(
        "addressbook-multiget", node, root, environ, start_response, mode, names, renderers
    )
