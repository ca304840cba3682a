"""Collection revisions and the change history behind ctags and sync tokens (RFC 6578).

Every write to a collection's members calls `record_change` inside its transaction:
the collection's revision goes up by one and one Change row names the member.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import peewee

from resources.store.database import insert_rows, lock_for_update
from resources.store.models import Change, Collection, StoredObject


def lock_collection(collection_id: int) -> Collection:
    """Read the collection row, row-locked until the transaction ends."""
    return lock_for_update(Collection.select().where(Collection.id == collection_id)).get()


def record_change(
    collection_id: int,
    names: list[str],
    *,
    deleted: bool,
    previous: Mapping[str, str] | None = None,
) -> int:
    """Bump the collection's revision for changed members; return the new revision.
    `previous` gives the members' ETags before the change ("" for new ones)."""
    revision = lock_collection(collection_id).sync_revision + 1
    if names and not deleted:
        StoredObject.update(revision=revision).where(
            (StoredObject.collection == collection_id) & StoredObject.name.in_(names)
        ).execute()
    log_change(collection_id, revision, names, deleted=deleted, previous=previous)
    return revision


def log_change(
    collection_id: int,
    revision: int,
    names: list[str],
    *,
    deleted: bool,
    previous: Mapping[str, str] | None = None,
) -> None:
    """Move the collection to `revision` (the locked collection's sync_revision + 1) and
    name its changed members; for writers that already set the members' revision."""
    now = time.time()
    Collection.update(sync_revision=revision, modified=now).where(
        Collection.id == collection_id
    ).execute()
    if names and previous is None:
        insert_rows(
            Change,
            ("collection", "revision", "name", "deleted", "changed"),
            [(collection_id, revision, name, deleted, now) for name in names],
        )
    elif names and previous is not None:
        insert_rows(
            Change,
            ("collection", "revision", "name", "deleted", "changed", "previous_etag"),
            [(collection_id, revision, n, deleted, now, previous.get(n)) for n in names],
        )


@dataclass(frozen=True)
class MemberChange:
    name: str
    deleted: bool
    revision: int


class HistoryPruned(Exception):
    """The change history no longer reaches back to the requested revision."""


def changes_since(collection: Collection, revision: int) -> list[MemberChange]:
    """Members changed after `revision`, the last change of each, oldest first.

    Reads only the change rows after the token's revision (index on collection, revision).
    """
    if revision < collection.history_floor or revision > collection.sync_revision:
        raise HistoryPruned()
    rows = (
        Change.select(Change.name, Change.deleted, Change.revision)
        .where((Change.collection == collection.id) & (Change.revision > revision))
        .order_by(Change.revision)
        .tuples()
    )
    latest: dict[str, MemberChange] = {}
    # .tuples() rows: peewee's stubs still call them model instances
    for name, deleted, rev in cast("Iterable[tuple[str, bool, int]]", rows):
        latest.pop(name, None)
        latest[name] = MemberChange(name, bool(deleted), rev)
    return list(latest.values())


def prune_history(older_than: float) -> int:
    """Forget change rows older than `older_than` (epoch seconds); return how many.

    Each collection remembers the newest revision forgotten, so a client holding an
    older token is told to sync afresh (RFC 6578 §3.8) instead of missing changes.
    """
    floors = (
        Change.select(Change.collection, peewee.fn.MAX(Change.revision))
        .where(Change.changed < older_than)
        .group_by(Change.collection)
        .tuples()
    )
    removed = 0
    for collection_id, floor in cast("list[tuple[int, int]]", list(floors)):  # .tuples() rows
        Collection.update(history_floor=floor).where(
            (Collection.id == collection_id) & (Collection.history_floor < floor)
        ).execute()
        removed += (
            Change.delete()
            .where((Change.collection == collection_id) & (Change.revision <= floor))
            .execute()
        )
    return removed
