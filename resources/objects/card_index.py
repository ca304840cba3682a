"""Keeping the stored vCards' searchable fields (resources/store/card_fields.py) in step
with every write: a PUT into a personal book, publishing into the company book, imports
and copies; deletes take the rows with them, moves keep them. And schema step 14's
backfill of the cards stored before it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import peewee

from resources.formats.card_fields import Field, card_fields
from resources.store import card_fields as stored_fields
from resources.store.models import StoredObject
from resources.store.schema import register_step

VCARD = "VCARD"


def _tuples(query: peewee.ModelSelect[Any]) -> list[tuple[Any, ...]]:
    return cast("list[tuple[Any, ...]]", list(query.tuples()))  # .tuples() rows


def index_card(object_id: int, body: bytes) -> None:
    """Store the fields of one card just written; call inside the write's transaction."""
    stored_fields.replace_fields([(object_id, card_fields(body))])


def index_cards(
    cards: Iterable[tuple[int, bytes, Sequence[Field] | None]], *, new: bool = False
) -> None:
    """Store the fields of cards just written, by id (`new`: all of them just created),
    each given by its writer or, when that is None, read from its body; inside the
    write's transaction."""
    stored_fields.replace_fields(
        (
            (object_id, card_fields(body) if fields is None else fields)
            for object_id, body, fields in cards
        ),
        new=new,
    )


def index_stored(collection_id: int, names: list[str]) -> None:
    """Store the fields of the cards stored under these names, read back from the store
    (writers that may have skipped some of them); inside the write's transaction."""
    for start in range(0, len(names), 500):
        rows = _tuples(
            StoredObject.select(StoredObject.id, StoredObject.body).where(
                (StoredObject.collection == collection_id)
                & (StoredObject.component == VCARD)
                & StoredObject.name.in_(names[start : start + 500])
            )
        )
        stored_fields.replace_fields((object_id, card_fields(body)) for object_id, body in rows)


def copy_card_fields(source_id: int, copy_id: int) -> None:
    stored_fields.copy_fields(source_id, copy_id)


def backfill_card_fields(page_size: int = 500) -> int:
    """Fill the fields of every stored vCard (schema step 14); how many were read."""
    after, done = 0, 0
    while True:
        rows = _tuples(
            StoredObject.select(StoredObject.id, StoredObject.body)
            .where((StoredObject.component == VCARD) & (StoredObject.id > after))
            .order_by(StoredObject.id)
            .limit(page_size)
        )
        if not rows:
            return done
        stored_fields.replace_fields((object_id, card_fields(body)) for object_id, body in rows)
        done += len(rows)
        after = rows[-1][0]


register_step("card search fields", backfill_card_fields)
