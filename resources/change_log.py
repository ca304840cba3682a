"""Collection revisions and the change history behind ctags and sync tokens (RFC 6578).

Every write to a collection's members calls `record_change` inside its transaction:
the collection's revision goes up by one and one Change row names the member.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from resources.store.database import lock_for_update
from resources.store.models import Change, Collection


def lock_collection(collection_id: int) -> Collection:
    """Read the collection row, row-locked until the transaction ends."""
    return lock_for_update(Collection.select().where(Collection.id == collection_id)).get()


def record_change(collection_id: int, names: list[str], *, deleted: bool) -> int:
    """Bump the collection's revision for changed members; return the new revision."""
    collection = lock_collection(collection_id)
    revision = collection.sync_revision + 1
    now = time.time()
    Collection.update(sync_revision=revision, modified=now).where(Collection.id == collection_id).execute()
    if names:
        Change.insert_many(
            [dict(collection=collection_id, revision=revision, name=n, deleted=deleted, changed=now) for n in names]
        ).execute()
    return revision


@dataclass(frozen=True)
class MemberChange:
    name: str
    deleted: bool


class HistoryPruned(Exception):
    """The change history no longer reaches back to the requested revision."""


def changes_since(collection_id: int, revision: int, *, oldest_kept: int) -> tuple[list[MemberChange], int]:
    """Members changed after `revision` (last state per name) and the newest revision seen."""
    if revision < oldest_kept:
        raise HistoryPruned()
    rows = (
        Change.select(Change.name, Change.deleted, Change.revision)
        .where((Change.collection == collection_id) & (Change.revision > revision))
        .order_by(Change.revision)
        .tuples()
    )
    latest: dict[str, MemberChange] = {}
    newest = revision
    for name, deleted, rev in rows:
        latest.pop(name, None)
        latest[name] = MemberChange(name, bool(deleted))
        newest = max(newest, rev)
    return list(latest.values()), newest
