"""Which node class answers for a stored collection: one class per kind of collection."""

from __future__ import annotations

from davserver.dav.nodes.address_book import AddressBookNode
from davserver.dav.nodes.calendar import CalendarNode
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.company_book import CompanyBookNode
from davserver.dav.nodes.plain_collection import PlainCollectionNode
from davserver.dav.nodes.resource_calendar import ResourceCalendarNode
from davserver.dav.nodes.scheduling_mailbox import InboxNode, OutboxNode
from resources.objects.address_books import COMPANY
from resources.objects.calendar_collections import ADDRESSBOOK, CALENDAR, PLAIN
from resources.scheduling.mailboxes import INBOX, OUTBOX
from resources.store.models import Collection

NODE_CLASS_BY_KIND: dict[str, type[CollectionNode]] = {
    PLAIN: PlainCollectionNode,
    CALENDAR: CalendarNode,
    ADDRESSBOOK: AddressBookNode,
    COMPANY: CompanyBookNode,
    INBOX: InboxNode,
    OUTBOX: OutboxNode,
}


def node_class(row: Collection) -> type[CollectionNode]:
    """The class for the row's kind; a resource's calendar has a class of its own."""
    if row.resource_id is not None:
        return ResourceCalendarNode
    return NODE_CLASS_BY_KIND[row.kind]


def collection_node(
    row: Collection, environ: dict, dead: dict[str, str] | None = None
) -> CollectionNode:
    return node_class(row).for_row(row, environ, dead)
