"""Sync deltas across the company book's audiences (RFC 6578 §3.8 tokens): a phone whose
login moved to another audience (a scope, group or account change) still holds a token
of its old audience's book; it is told exactly what differs instead of a full resync.

What the phone holds is the old book at the token's revision. The old book's changes
since that revision, joined with every member in which the old book and the new one
differ now, are exactly the members the phone must fetch again (present in the new book)
or drop (absent from it). An audience no login reads any more is retired, never deleted
while in use, so the old book is still there to compare with.
"""

from __future__ import annotations

from typing import cast

from resources.objects import change_log
from resources.objects.change_log import MemberChange
from resources.store.company_audiences import CompanyAudience
from resources.store.models import Collection, StoredObject


def former_book(epoch: str, current: Collection) -> Collection | None:
    """The audience book (other than `current`) whose tokens carry `epoch`, if any."""
    if not epoch or epoch == current.sync_epoch:
        return None
    found: Collection | None = (
        Collection.select()
        .join(CompanyAudience, on=(CompanyAudience.collection == Collection.id))
        .where((Collection.sync_epoch == epoch) & (Collection.id != current.id))
        .first()
    )
    return found


def _names_missing_or_different(book_id: int, other_id: int, *, compare: bool) -> list[str]:
    """Members of `book_id` that `other_id` lacks (or, with `compare`, holds another
    version of): one anti-join over the (collection, name) index."""
    other = StoredObject.alias()
    query = (
        StoredObject.select(StoredObject.name)
        .join(
            other,
            join_type="LEFT OUTER",
            on=((other.collection == other_id) & (other.name == StoredObject.name)),
        )
        .where(StoredObject.collection == book_id)
    )
    differs = other.id.is_null()
    if compare:
        differs = differs | (other.etag != StoredObject.etag)
    rows = cast("list[tuple[str]]", list(query.where(differs).tuples()))  # .tuples() rows
    return [name for (name,) in rows]


def changes_across(old: Collection, revision: int, new: Collection) -> list[MemberChange]:
    """What a phone holding `old` at `revision` must be told to hold `new` now; raises
    change_log.HistoryPruned when the old book's history no longer reaches back."""
    since = change_log.changes_since(old, revision)
    gone = _names_missing_or_different(old.id, new.id, compare=False)
    fresh = _names_missing_or_different(new.id, old.id, compare=True)
    names = sorted({c.name for c in since} | set(gone) | set(fresh))
    absent = _absent_from(new.id, names)
    return [MemberChange(name, name in absent, new.sync_revision) for name in names]


def _absent_from(book_id: int, names: list[str]) -> set[str]:
    """Which of `names` `book_id` does not hold."""
    held: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        rows = StoredObject.select(StoredObject.name).where(
            (StoredObject.collection == book_id) & StoredObject.name.in_(chunk)
        )
        held.update(row.name for row in rows)
    return set(names) - held
