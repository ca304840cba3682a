"""An address book collection (RFC 6352 §5.2) and its properties (§6.2): description,
supported address data, the vCard size limit."""

from __future__ import annotations

from davserver.dav.live_properties import live
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.xml import CARDDAV, element, qname, sub


class AddressBookNode(CollectionNode):
    resource_types = (qname(CARDDAV, "addressbook"),)

    @live(qname(CARDDAV, "addressbook-description"))
    def _addressbook_description(self):
        return self.row.description or None

    @live(qname(CARDDAV, "supported-address-data"))
    def _supported_address_data(self):
        el = element(qname(CARDDAV, "supported-address-data"))
        for version in ("3.0", "4.0"):
            data = sub(el, qname(CARDDAV, "address-data-type"))
            data.set("content-type", "text/vcard")
            data.set("version", version)
        return el

    @live(qname(CARDDAV, "max-resource-size"))
    def _max_vcard_size(self):
        return str(self.settings.max_vcard_size)
