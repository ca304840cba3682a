"""The REPORTs of CardDAV (RFC 6352 §8): addressbook-multiget and addressbook-query."""

from __future__ import annotations

from davserver.carddav.addressbook_multiget import addressbook_multiget
from davserver.carddav.addressbook_query import addressbook_query
from davserver.dav import report_registry
from davserver.dav.nodes_collection import CollectionNode
from davserver.dav.xml import CARDDAV, qname


def is_addressbook(node) -> bool:
    return isinstance(node, CollectionNode) and node.is_addressbook


report_registry.register(qname(CARDDAV, "addressbook-multiget"), is_addressbook)(
    addressbook_multiget
)
report_registry.register(qname(CARDDAV, "addressbook-query"), is_addressbook)(addressbook_query)
