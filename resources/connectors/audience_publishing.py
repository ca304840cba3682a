"""A connector run's cards into the company book of every audience that sees the
connection (seed 004's scope and priority), batch by batch as the run applies them.

A book that holds only this connection's synced entries takes each batch's cards as
they come, as the single shared book always did (a 100,000-entry run of one everyone
connection costs one more query, no more); a book that merges several sources is
refilled once, after the run's last write, so the merge sees the run's final state.
"""

from __future__ import annotations

from resources.company_directory import audience_cards, phonebook
from resources.store.directory import PhonebookEntry


class AudienceWriter:
    """Publishes one run of the connection whose entries carry `origin`."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.single, self.merged = audience_cards.merged_audiences(origin)

    def batch(
        self,
        created: list[PhonebookEntry],
        changed: list[PhonebookEntry],
        removed: list[PhonebookEntry],
    ) -> None:
        """One batch the run wrote (`removed` still in the table or just deleted)."""
        audience_cards.clear_keys(audience_cards.ids_with_keys(changed))
        for audience in self.single:
            phonebook.publish_synced_batch(
                self.origin, created + changed, removed, audience.collection_id
            )

    def finish(self) -> None:
        """After the run's last write: the merging books, refilled."""
        for audience in self.merged:
            audience_cards.refresh(audience)
