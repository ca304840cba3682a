"""The searchable fields of stored vCards (schema step 14): one row per value of FN,
EMAIL, TEL, NICKNAME, ORG and N, as the addressbook-query filter reads it (RFC 6352
§10.5) and folded for i;unicode-casemap, so a text-match is a trigram index lookup
instead of a parse of every card; plus one marker row per card that parsed.

On PostgreSQL a GIN pg_trgm index covers the folded values (where the role may not
create the extension, the query reads the table, as list search does, step 11); on
SQLite an FTS5 trigram table over them, kept in step by triggers. Rows go with their
card (ON DELETE CASCADE); a moved card keeps its rows, since it keeps its id.

The writers here put new rows into SQLite's trigram table themselves, one row each, as
plain inserts (schema step 19 dropped the insert trigger): a trigger makes every insert a
statement of its own that FTS5 flushes to a new segment, and merging those segments cost
a connector run of 100,000 cards ten times more than the rows. Deleting keeps its trigger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import peewee

from resources.store.database import database_proxy, insert_rows, is_sqlite
from resources.store.models import StoredObject
from resources.store.models_base import BaseModel

log = logging.getLogger("davserver.store")

MARKER = "BEGIN"  # the row every card that parsed has: "its fields are here"
SEARCH_TABLE = "search_card_field"
# The values SQLite's trigram table holds: what phones look callers up by. N and ORG
# (half again as many values to index on every publish) are searched in the stored
# values without it.
SQLITE_TRIGRAM_PROPS = ("FN", "EMAIL", "TEL", "NICKNAME")


class CardField(BaseModel):
    stored_object = peewee.ForeignKeyField(StoredObject, on_delete="CASCADE")
    stored_object_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    prop = peewee.CharField(max_length=20)  # upper case: FN, EMAIL, TEL, ... or MARKER
    value = peewee.TextField()  # the value as the filter reads it
    folded = peewee.TextField()  # the value under i;unicode-casemap

    class Meta:
        indexes = ((("stored_object", "prop"), False),)


def create_card_field_table(db: peewee.Database) -> None:
    """Schema step 14 (the table and its text index); the backfill runs above the store."""
    db.create_tables([CardField], safe=True)
    table = CardField._meta.table_name
    if isinstance(db, peewee.SqliteDatabase):
        db.execute_sql(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{SEARCH_TABLE}" USING fts5(folded, '
            f"content='{table}', content_rowid='id', tokenize='trigram case_sensitive 1')"
        )
        removed = f'INSERT INTO "{SEARCH_TABLE}" ("{SEARCH_TABLE}", rowid, folded) VALUES (\'delete\', old.id, old.folded);'
        added = f'INSERT INTO "{SEARCH_TABLE}" (rowid, folded) VALUES (new.id, new.folded);'
        for event, row, body in (("UPDATE", "new", removed + added), ("DELETE", "old", removed)):
            db.execute_sql(
                f'CREATE TRIGGER IF NOT EXISTS "{SEARCH_TABLE}_{event.lower()}" AFTER {event} '
                f'ON "{table}" WHEN {row}.prop IN ({_indexed_props()}) BEGIN {body} END'
            )
        return
    try:
        with db.atomic():  # a savepoint: a refusal must not end the upgrade's transaction
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except peewee.DatabaseError as refusal:
        log.warning("no trigram index for addressbook-query (pg_trgm: %s)", refusal)
        return
    db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "{SEARCH_TABLE}" ON "{table}" USING gin (folded gin_trgm_ops)'
    )


def _indexed_props() -> str:
    return ", ".join(f"'{prop}'" for prop in SQLITE_TRIGRAM_PROPS)


def drop_insert_trigger(db: peewee.Database) -> None:
    """Schema step 19: new rows reach SQLite's trigram table from the writers here."""
    if isinstance(db, peewee.SqliteDatabase):
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{SEARCH_TABLE}_insert"')


def reindex_search_table(db: peewee.Database) -> None:
    """Rebuild SQLite's trigram table from the stored fields, for rows written past the
    writers here (a restore inserts the table as it was archived)."""
    if not isinstance(db, peewee.SqliteDatabase):
        return  # PostgreSQL's index follows its table by itself
    table = CardField._meta.table_name
    db.execute_sql(f'INSERT INTO "{SEARCH_TABLE}" ("{SEARCH_TABLE}") VALUES (\'delete-all\')')
    db.execute_sql(
        f'INSERT INTO "{SEARCH_TABLE}" (rowid, folded) SELECT id, folded FROM "{table}" '
        f"WHERE prop IN ({_indexed_props()})"
    )


COLUMNS = ("stored_object", "prop", "value", "folded")


def replace_fields(
    rows: Iterable[tuple[int, Sequence[tuple[str, str, str]] | None]], *, new: bool = False
) -> None:
    """Store each card's fields (prop, value, folded) in place of what it had (`new`:
    cards just created, which have none); None for a card that did not parse (it then
    has no rows, so no query finds it). Inside the write's transaction."""
    pending = list(rows)
    for start in range(0, len(pending), 500):
        chunk = pending[start : start + 500]
        if not new:
            CardField.delete().where(
                CardField.stored_object.in_([object_id for object_id, _ in chunk])
            ).execute()
        _insert(
            [
                (object_id, prop, value, folded)
                for object_id, fields in chunk
                if fields is not None
                for prop, value, folded in [(MARKER, "", ""), *fields]
            ]
        )


def _insert(rows: list[tuple[int, str, str, str]]) -> None:
    """The rows, and on SQLite their entries in the trigram table."""
    ids = insert_rows(CardField, COLUMNS, rows, with_ids=is_sqlite())
    if not ids:
        return  # PostgreSQL: its GIN index takes the rows' values itself
    indexed = [
        (row_id, folded)
        for row_id, (_object_id, prop, _value, folded) in zip(ids, rows, strict=True)
        if prop in SQLITE_TRIGRAM_PROPS
    ]
    if indexed:
        database_proxy.obj.cursor().executemany(
            f'INSERT INTO "{SEARCH_TABLE}" (rowid, folded) VALUES (?, ?)', indexed
        )


def copy_fields(source_id: int, copy_id: int) -> None:
    """A copied card's fields are its source's."""
    rows = CardField.select(CardField.prop, CardField.value, CardField.folded).where(
        CardField.stored_object == source_id
    )
    _insert([(copy_id, row.prop, row.value, row.folded) for row in rows.order_by(CardField.id)])


def _like_pattern(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cards_with_text(collection_id: int, prop: str, folded: str) -> set[int] | None:
    """The cards of a collection with a `prop` value whose folded form contains `folded`
    (at least three characters: the trigram indexes need them); None when no index
    holds that prop's values."""
    table, objects = CardField._meta.table_name, StoredObject._meta.table_name
    db = database_proxy.obj
    if is_sqlite():
        if prop not in SQLITE_TRIGRAM_PROPS:
            return None
        sql = (
            f'SELECT f.stored_object_id FROM "{SEARCH_TABLE}" s JOIN "{table}" f ON f.id = s.rowid '
            f'JOIN "{objects}" o ON o.id = f.stored_object_id '
            f'WHERE s."{SEARCH_TABLE}" MATCH ? AND f.prop = ? AND o.collection_id = ?'
        )
        # The text as one FTS5 phrase: its trigrams side by side (measured at 100,000
        # cards: faster than asking fts5vocab for the rarest trigrams first).
        phrase = '"' + folded.replace('"', '""') + '"'
        rows = db.execute_sql(sql, (phrase, prop, collection_id)).fetchall()
    else:
        sql = (
            f'SELECT f.stored_object_id FROM "{table}" f JOIN "{objects}" o '
            "ON o.id = f.stored_object_id WHERE f.folded LIKE %s ESCAPE '\\' "
            "AND f.prop = %s AND o.collection_id = %s"
        )
        rows = db.execute_sql(
            sql, ("%" + _like_pattern(folded) + "%", prop, collection_id)
        ).fetchall()
    return {row[0] for row in rows}


def fields_of(
    collection_id: int, props: Sequence[str], object_ids: Sequence[int] | None
) -> dict[int, tuple[str, dict[str, list[str]]]]:
    """The name and the prop -> values of each card that parsed (all of the collection's,
    or those named), for the props asked; a card without a value of a prop has no list
    for it."""
    table, objects = CardField._meta.table_name, StoredObject._meta.table_name
    db = database_proxy.obj
    p = db.param
    wanted = [MARKER, *props]
    marks = ", ".join([p] * len(wanted))
    found: dict[int, tuple[str, dict[str, list[str]]]] = {}
    base = (
        f'SELECT f.stored_object_id, o.name, f.prop, f.value FROM "{table}" f '
        f'JOIN "{objects}" o ON o.id = f.stored_object_id '
        f"WHERE o.collection_id = {p} AND f.prop IN ({marks})"
    )
    batches: list[list[int] | None] = (
        [None]
        if object_ids is None
        else [list(object_ids[i : i + 500]) for i in range(0, len(object_ids), 500)]
    )
    for batch in batches:
        sql, params = base, [collection_id, *wanted]
        if batch is not None:
            sql += f" AND f.stored_object_id IN ({', '.join([p] * len(batch))})"
            params += batch
        for object_id, name, prop, value in db.execute_sql(sql, params).fetchall():
            card = found.setdefault(object_id, (name, {}))[1]
            if prop != MARKER:
                card.setdefault(prop, []).append(value)
    return found


CARD_FIELD_MODELS = [CardField]
