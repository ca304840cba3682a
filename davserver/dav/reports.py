"""The REPORTs of generic WebDAV: expand-property (RFC 3253 §3.8) on every node,
sync-collection (RFC 6578) on plain collections, and the principal searches of RFC 3744
§9.4-9.5 (and CalendarServer's, which Apple prefers) on principal collections and
principals. CalDAV's and CardDAV's come from their
packages; the app builder gives all of them to the DAV app."""

from __future__ import annotations

from lxml import etree

from davserver.dav.calendarserver_search import calendarserver_principal_search
from davserver.dav.expand_property import expand_property
from davserver.dav.nodes.base import DavNode
from davserver.dav.nodes.plain_collection import PlainCollectionNode
from davserver.dav.object_responses import Renderers, parse_member_properties
from davserver.dav.principal_search import (
    is_principal_collection,
    principal_property_search,
    principal_search_property_set,
    takes_principal_search,
)
from davserver.dav.report_registry import Report
from davserver.dav.sync import sync_collection_report
from davserver.dav.xml import CALENDARSERVER, DAV, qname
from resources.store.models import Collection


def plain_member_request(
    root: etree._Element, collection: Collection
) -> tuple[str, tuple[str, ...], Renderers]:
    """What a REPORT body asks of each file of a plain collection: properties only."""
    mode, names = parse_member_properties(root)
    return mode, names, {}


REPORTS = (
    Report(qname(DAV, "expand-property"), lambda node: isinstance(node, DavNode), expand_property),
    sync_collection_report(
        lambda node: isinstance(node, PlainCollectionNode), plain_member_request
    ),
    Report(
        qname(DAV, "principal-property-search"), takes_principal_search, principal_property_search
    ),
    Report(
        qname(CALENDARSERVER, "calendarserver-principal-search"),
        is_principal_collection,
        calendarserver_principal_search,
    ),
    Report(
        qname(DAV, "principal-search-property-set"),
        is_principal_collection,
        principal_search_property_set,
    ),
)
