"""CR:address-data in REPORT answers (RFC 6352 §10.4): what a REPORT body asks of each
card, and the stored vCard rendered in the version and with the properties asked for."""

from __future__ import annotations

from lxml import etree

from davserver.carddav.address_data import ADDRESS_DATA, AddressDataRequest, render_address_data
from davserver.carddav.query_xml import parse_property_request
from davserver.dav.object_responses import Renderers
from resources.formats.stored_reading import stored_text
from resources.store.models import Collection


def address_renderers(request: AddressDataRequest | None) -> Renderers:
    if request is None or (request.version is None and request.properties is None):
        # the stored card as it is (a FRITZ!Box full sync): read, never converted
        return {ADDRESS_DATA: lambda row: stored_text(row.body)}
    return {
        ADDRESS_DATA: lambda row: render_address_data(
            stored_text(row.body).encode("utf-8"), request
        )
    }


def address_member_request(
    root: etree._Element, collection: Collection
) -> tuple[str, tuple[str, ...], Renderers]:
    """What a REPORT body asks of each card of an address book."""
    mode, names, address_request = parse_property_request(root)
    return mode, names, address_renderers(address_request)
