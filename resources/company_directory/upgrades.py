"""Schema upgrade steps over the company directory, registered with
resources.store.schema.register_step when this module is imported (davserver.app
imports it before it upgrades)."""

from __future__ import annotations

import logging

from resources.auth import audit
from resources.company_directory import audience_cards, phonebook
from resources.store.directory import PhonebookEntry
from resources.store.schema import register_step

log = logging.getLogger("davserver.schema")


def link_earlier_manual_copies() -> None:
    """Upgrade 8: copies made before copies were linked to their synced entry put the
    contact on the phones twice. A manual entry without a link whose fields all equal a
    synced entry's (as the copy made them; manual entries could not be edited then) is
    linked to it, and the synced card leaves the book. Where one entry was copied more
    than once, the oldest copy is linked and the others stay as they are. The cards
    follow in upgrade 12, which refills every audience's book (this step reads only the
    columns the table had then)."""
    columns = [PhonebookEntry.id, PhonebookEntry.origin, PhonebookEntry.external_id] + [
        getattr(PhonebookEntry, f) for f in phonebook.ENTRY_FIELDS
    ]
    synced = {
        tuple(getattr(e, f) for f in phonebook.ENTRY_FIELDS): e
        for e in PhonebookEntry.select(*columns)
        .where(PhonebookEntry.source == "S")
        .order_by(PhonebookEntry.id)
    }
    copied = {
        (e.origin, e.external_id)
        for e in PhonebookEntry.select(*columns).where(
            (PhonebookEntry.source == "M") & (PhonebookEntry.external_id != "")
        )
    }
    linked = 0
    for copy in (
        PhonebookEntry.select(*columns)
        .where((PhonebookEntry.source == "M") & (PhonebookEntry.external_id == ""))
        .order_by(PhonebookEntry.id)
    ):
        twin = synced.get(tuple(getattr(copy, f) for f in phonebook.ENTRY_FIELDS))
        if twin is None or (twin.origin, twin.external_id) in copied:
            continue
        PhonebookEntry.update(origin=twin.origin, external_id=twin.external_id).where(
            PhonebookEntry.id == copy.id
        ).execute()
        copied.add((twin.origin, twin.external_id))
        linked += 1
    if linked:
        log.warning("linked %d manual phonebook copies to their synced entries", linked)
        audit.record("system", "phonebook.link_copies", "phonebook", f"linked={linked}")


def refill_audience_books() -> None:
    """Upgrade 12: the company book becomes the base audience's; every active book is
    brought in line with the entries (synced cards hidden behind their manual copies,
    sources merged by priority), through its change log."""
    audience_cards.refresh_all()


register_step("phonebook manual copies", link_earlier_manual_copies)  # upgrade 8
register_step("company book audiences", refill_audience_books)  # upgrade 12
