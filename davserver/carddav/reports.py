"""The REPORTs of CardDAV (RFC 6352 §8), and sync-collection (RFC 6578) on address books
with address-data: the table the app builder gives the DAV app."""

from __future__ import annotations

from davserver.carddav.address_responses import address_member_request
from davserver.carddav.addressbook_multiget import addressbook_multiget
from davserver.carddav.addressbook_query import addressbook_query
from davserver.dav.nodes.address_book import AddressBookNode
from davserver.dav.report_registry import Report
from davserver.dav.sync import sync_collection_report
from davserver.dav.xml import CARDDAV, qname


def is_addressbook(node) -> bool:
    return isinstance(node, AddressBookNode)


REPORTS = (
    Report(qname(CARDDAV, "addressbook-multiget"), is_addressbook, addressbook_multiget),
    Report(qname(CARDDAV, "addressbook-query"), is_addressbook, addressbook_query),
    sync_collection_report(is_addressbook, address_member_request),
)
