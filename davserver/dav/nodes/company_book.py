"""The company address book: every login with CardDAV sees it; the server fills it from
the company directory, so clients may only read it."""

from __future__ import annotations

from davserver.dav.nodes.address_book import AddressBookNode
from davserver.dav.nodes.base import READ_PRIVILEGES, read_only


class CompanyBookNode(AddressBookNode):
    privileges = READ_PRIVILEGES

    def _refuse_change(self, action: str) -> None:
        raise read_only()
