"""A connector run's cards into the company book of every audience that sees the
connection (seed 004's scope and priority), batch by batch as the run applies them.

A book that holds only this connection's synced entries takes each batch's cards as
they come, as the single shared book always did (a 100,000-entry run of one everyone
connection costs a few more queries, no more); in a book that merges several sources,
the people the run touched are merged again once, after the run's last write, found
through the match keys' indexes from the run's entries and the keys they had before.
"""

from __future__ import annotations

from collections.abc import Sequence

from resources.company_directory import audience_cards, audiences, phonebook, phonebook_merge
from resources.company_directory.vcard_builder import PhonebookCard
from resources.store.directory import PhonebookEntry


class AudienceWriter:
    """Publishes one run of the connection whose entries carry `origin`."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.single, self.merged = audience_cards.merged_audiences(origin)
        self.sources = audiences.sources()
        self.touched = phonebook_merge.Touched()
        if self.merged:  # the keys every merging book's sources need, filled once
            seen = audience_cards.synced_origins() | {origin}
            phonebook_merge.fill_missing_keys(
                {o for a in self.merged for o in self.sources.sees(a.key, seen)}
            )

    def batch(
        self,
        created: Sequence[PhonebookEntry | PhonebookCard],
        changed: list[PhonebookEntry],
        removed: list[PhonebookEntry],
    ) -> None:
        """One batch the run wrote (`removed` still in the table or just deleted;
        `created` with uids just drawn)."""
        if self.merged:
            for entry in changed + removed:  # the keys as they were before this run
                self.touched.keys.update(phonebook_merge.stored_keys(entry))
                self.touched.names.add(audience_cards.card_name(entry.uid))
            phonebook_merge.store_keys([*created, *changed])
            self.touched.uids.update(entry.uid for entry in [*created, *changed])
        else:
            audience_cards.clear_keys(audience_cards.ids_with_keys(changed))
        for audience in self.single:
            phonebook.publish_synced_batch(
                self.origin, changed, removed, audience.collection_id, created=created
            )

    def finish(self) -> None:
        """After the run's last write: in each merging book, the people it touched."""
        for audience in self.merged:
            audience_cards.refresh_people(audience, self.sources, self.touched)
