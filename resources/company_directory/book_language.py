"""Changing the installation's language, and with it every card of the company book
(contact persons and phonebook entries carry their categories in that language)."""

from __future__ import annotations

from resources.company_directory import directory, phonebook
from resources.organisation.installation import store_language
from resources.store.database import write_transaction


def set_installation_language(language: str, *, actor: str = "system") -> bool:
    """Keep the language and rewrite the book's cards in it, in one transaction, so the
    phones see the new words at their next sync. False when nothing changed."""
    with write_transaction():
        if not store_language(language, actor=actor):
            return False
        for contact in directory.list_contacts():
            directory.publish_contact(contact.id)
        phonebook.republish_all()
    return True
