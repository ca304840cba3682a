"""A login's address book home `/dav/addressbooks/<username>/` (RFC 6352 §7.1.1):
its personal books and the company book; integration logins see the company book only."""

from __future__ import annotations

from davserver.dav import urls
from davserver.dav.errors import forbidden, translate_domain_errors
from davserver.dav.live_properties import live, writable
from davserver.dav.nodes.base import ALL_PRIVILEGES, READ_PRIVILEGES, HomeNode, StructuralCollection
from davserver.dav.nodes.collection_kinds import collection_node
from davserver.dav.xml import CALENDARSERVER, qname
from resources.company_directory.audience_cards import book_for_account
from resources.objects import address_books, dead_properties

ME_CARD = qname(CALENDARSERVER, "me-card")


class AddressBookHomesNode(StructuralCollection):
    """`/dav/addressbooks/`: lists only the login's own address book home."""

    display_name = "Address books"

    def get_member_list(self):
        return [AddressBookHomeNode(urls.addressbook_home_path(self.login.username), self.environ)]


class AddressBookHomeNode(HomeNode):
    @property
    def privileges(self) -> tuple[str, ...]:  # type: ignore[override]
        return ALL_PRIVILEGES if self.login.has_personal_addressbooks else READ_PRIVILEGES

    def books(self) -> list:
        if not self.login.has_carddav:
            return []
        personal = (
            []
            if not self.login.has_personal_addressbooks
            else address_books.personal_books(self.login.credential_id)
        )
        return personal + [book_for_account(self.login.account_id)]

    def get_member_list(self):
        rows = self.books()
        props = dead_properties.for_collections([r.id for r in rows])
        return [collection_node(row, self.environ, props.get(row.id, {})) for row in rows]

    def get_member(self, name: str):
        return next((m for m in self.get_member_list() if m.name == name), None)

    @translate_domain_errors
    def create_collection(self, name: str):
        raise forbidden(
            "Create address books with an extended MKCOL that names CARDDAV:addressbook."
        )

    def create_empty_resource(self, name: str):
        raise forbidden("vCards belong in an address book, not directly in the home.")

    @live(ME_CARD)
    def _me_card(self):
        stored = self._me_card_holder()
        value = dead_properties.for_collection(stored.id).get(ME_CARD) if stored else None
        return None if value is None else element_from(value)

    @writable(ME_CARD)
    def _set_me_card(self, value, dry_run: bool) -> None:
        """macOS Contacts sets its own card here and misbehaves if that fails."""
        holder = self._me_card_holder()
        if holder is None:
            raise forbidden("This login has no personal address book to keep a me-card in.")
        if not dry_run:
            if value is None:
                dead_properties.remove(name=ME_CARD, collection_id=holder.id)
            else:
                from davserver.dav.live_properties import to_bytes_property

                dead_properties.put(
                    name=ME_CARD,
                    value=to_bytes_property(value).decode("utf-8"),
                    collection_id=holder.id,
                )

    def _me_card_holder(self):
        if not self.login.has_personal_addressbooks:
            return None
        return address_books.personal_books(self.login.credential_id)[0]


def element_from(value: str):
    from davserver.dav.live_properties import parse_stored

    return parse_stored(value)
