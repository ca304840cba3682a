"""Sync deltas across the company book's audiences (RFC 6578 §3.8 tokens): a phone whose
login moved to another audience (a scope, group or account change) still holds a token
of its old audience's book; it is told exactly what differs instead of a full resync.

What the phone holds is the old book at the token's revision: the old book as it is now,
except for the members changed since, whose earlier ETag the change log keeps. Every
member where that differs from the new book is one the phone must fetch again (present
in the new book) or drop (absent from it), and no other. An audience no login reads any more is retired, never deleted
while in use, so the old book is still there to compare with.
"""

from __future__ import annotations

from typing import cast

import peewee

from resources.objects import change_log
from resources.objects.address_books import COMPANY
from resources.objects.change_log import MemberChange
from resources.store.company_audiences import CompanyAudience
from resources.store.models import Change, Collection, StoredObject


def former_book(epoch: str, current: Collection) -> Collection | None:
    """The audience book (other than `current`, itself a company book) whose tokens
    carry `epoch`, if any."""
    if not epoch or epoch == current.sync_epoch or current.kind != COMPANY:
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
            join_type=peewee.JOIN.LEFT_OUTER,
            on=((other.collection == other_id) & (other.name == StoredObject.name)),
        )
        .where(StoredObject.collection == book_id)
    )
    differs = other.id.is_null()
    if compare:
        differs = differs | (other.etag != StoredObject.etag)
    rows = cast("list[tuple[str]]", list(query.where(differs).tuples()))  # .tuples() rows
    return [name for (name,) in rows]


def _held_at(old: Collection, revision: int) -> dict[str, str | None]:
    """For each member the old book changed after `revision`: the ETag the phone held
    at that revision ("" for none, None where the log does not say)."""
    if revision < old.history_floor or revision > old.sync_revision:
        raise change_log.HistoryPruned()
    rows = (
        Change.select(Change.name, Change.previous_etag)
        .where((Change.collection == old.id) & (Change.revision > revision))
        .order_by(Change.revision)
        .tuples()
    )
    held: dict[str, str | None] = {}
    for name, previous in cast("list[tuple[str, str | None]]", list(rows)):  # .tuples() rows
        held.setdefault(name, previous)  # the first change after the token tells
    return held


def _etags(book_id: int, names: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(names), 500):
        rows = (
            StoredObject.select(StoredObject.name, StoredObject.etag)
            .where(
                (StoredObject.collection == book_id)
                & StoredObject.name.in_(names[start : start + 500])
            )
            .tuples()
        )
        found.update(cast("list[tuple[str, str]]", list(rows)))  # .tuples() rows
    return found


def changes_across(old: Collection, revision: int, new: Collection) -> list[MemberChange]:
    """What a phone holding `old` at `revision` must be told to hold `new` now; raises
    change_log.HistoryPruned when the old book's history no longer reaches back."""
    held = _held_at(old, revision)
    gone = [n for n in _names_missing_or_different(old.id, new.id, compare=False) if n not in held]
    fresh = [n for n in _names_missing_or_different(new.id, old.id, compare=True) if n not in held]
    now = _etags(new.id, sorted(held))
    told = [MemberChange(name, True, new.sync_revision) for name in gone]
    told += [MemberChange(name, False, new.sync_revision) for name in fresh]
    for name, previous in sorted(held.items()):
        if name in now and previous != now[name]:
            told.append(MemberChange(name, False, new.sync_revision))
        elif name not in now and previous != "":
            told.append(MemberChange(name, True, new.sync_revision))
    return sorted(told, key=lambda change: change.name)
