"""Schema upgrade steps over the company directory, registered with
resources.store.schema.register_step when this module is imported (davserver.app
imports it before it upgrades)."""

from __future__ import annotations

import logging

from resources.auth import audit
from resources.company_directory import phonebook
from resources.store.directory import PhonebookEntry
from resources.store.schema import register_step

log = logging.getLogger("davserver.schema")


def link_earlier_manual_copies() -> None:
    """Upgrade 8: copies made before copies were linked to their synced entry put the
    contact on the phones twice. A manual entry without a link whose fields all equal a
    synced entry's (as the copy made them; manual entries could not be edited then) is
    linked to it, and the synced card leaves the book. Where one entry was copied more
    than once, the oldest copy is linked and the others stay as they are."""
    synced = {
        tuple(getattr(e, f) for f in phonebook.ENTRY_FIELDS): e
        for e in PhonebookEntry.select()
        .where(PhonebookEntry.source == "S")
        .order_by(PhonebookEntry.id)
    }
    linked = 0
    for copy in (
        PhonebookEntry.select()
        .where((PhonebookEntry.source == "M") & (PhonebookEntry.external_id == ""))
        .order_by(PhonebookEntry.id)
    ):
        twin = synced.get(tuple(getattr(copy, f) for f in phonebook.ENTRY_FIELDS))
        if twin is None or phonebook.manual_copy(twin) is not None:
            continue
        PhonebookEntry.update(origin=twin.origin, external_id=twin.external_id).where(
            PhonebookEntry.id == copy.id
        ).execute()
        phonebook.republish(twin)
        linked += 1
    if linked:
        log.warning("linked %d manual phonebook copies to their synced entries", linked)
        audit.record("system", "phonebook.link_copies", "phonebook", f"linked={linked}")


register_step("phonebook manual copies", link_earlier_manual_copies)  # upgrade 8
