"""The indexes sorted lists walk: one (column, id) index per column a list may be sorted
by, so a page, even a deep one reached by its cursor, reads only its own rows; and the
trigram indexes of list search."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import peewee

from resources.store.database import database_proxy, is_sqlite
from resources.store.directory import Company, ContactPerson, PhonebookEntry
from resources.store.organisation import (
    AccountGroup,
    AuditEntry,
    Branch,
    Employee,
    Resource,
    ServiceCredential,
    UserAccount,
)

log = logging.getLogger("davserver.store")

SORTED_COLUMNS: dict[type[peewee.Model], tuple[str, ...]] = {
    Branch: ("name", "timezone"),
    Employee: ("first_name", "last_name", "email", "active"),
    UserAccount: ("login", "display_name", "role", "active"),
    AccountGroup: ("name",),
    Resource: ("kind", "name", "slug", "sync_allowed", "active"),
    ServiceCredential: ("username_key", "display_name", "confirmed"),
    Company: ("name", "category", "postal_code", "city", "country", "active"),
    ContactPerson: ("first_name", "last_name", "department", "active", "export_carddav"),
    PhonebookEntry: ("first_name", "last_name", "company", "email"),
    AuditEntry: ("actor", "action"),
}


def index_name(model: type[peewee.Model], column: str) -> str:
    return f"list_{model._meta.table_name}_{column}"


def create_list_indexes(db: peewee.Database) -> None:
    for model, columns in SORTED_COLUMNS.items():
        table = model._meta.table_name
        for column in columns:
            db.execute_sql(
                f'CREATE INDEX IF NOT EXISTS "{index_name(model, column)}" '
                f'ON "{table}" ("{column}", "id")'
            )


# The columns searched in lists large enough to need an index for it (a phonebook fed by
# a CRM has 100,000 entries); tests/test_field_schemas.py holds this to the schemas.
SEARCHED_COLUMNS: dict[type[peewee.Model], tuple[str, ...]] = {
    PhonebookEntry: (
        "first_name",
        "last_name",
        "company",
        "phone_work",
        "phone_mobile",
        "phone_home",
        "email",
    ),
    Company: ("name", "street", "postal_code", "city", "phone"),
    ContactPerson: ("first_name", "last_name", "emails", "phone_work", "phone_mobile"),
}


def search_table(model: type[peewee.Model]) -> str:
    """The FTS5 table that indexes a model's searched text on SQLite."""
    return f"search_{model._meta.table_name}"


def _joined(columns: tuple[str, ...], row: str = "") -> str:
    """The SQL of the searched text (resources/store/listing.py searched_text)."""
    return " || ' ' || ".join(f"COALESCE({row}\"{column}\", '')" for column in columns)


def create_search_indexes(db: peewee.Database) -> None:
    """Indexes for the lists' search of the large tables: a trigram index of the joined
    searched text. On PostgreSQL a GIN index with pg_trgm (where the database role may
    not create the extension, search still works by reading the table, and the log says
    why it is slower); on SQLite an FTS5 table with the trigram tokenizer, kept in step
    with its table by triggers."""
    if isinstance(db, peewee.SqliteDatabase):
        for model, columns in SEARCHED_COLUMNS.items():
            _create_sqlite_search_index(db, model, columns)
        return
    try:
        with db.atomic():  # a savepoint: a refusal must not end the upgrade's transaction
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except peewee.DatabaseError as refusal:
        log.warning("no trigram indexes for list search (pg_trgm: %s)", refusal)
        return
    for model, columns in SEARCHED_COLUMNS.items():
        table = model._meta.table_name
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "search_{table}" '
            f'ON "{table}" USING gin (LOWER({_joined(columns)}) gin_trgm_ops)'
        )


def _create_sqlite_search_index(
    db: peewee.Database, model: type[peewee.Model], columns: tuple[str, ...]
) -> None:
    table, index = model._meta.table_name, search_table(model)
    db.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS \"{index}\" USING fts5(text, tokenize='trigram')"
    )
    db.execute_sql(f'DELETE FROM "{index}"')
    db.execute_sql(
        f'INSERT INTO "{index}" (rowid, text) SELECT id, {_joined(columns)} FROM "{table}"'
    )
    new, old = _joined(columns, "new."), f'DELETE FROM "{index}" WHERE rowid = old.id;'
    for event, body in (
        ("INSERT", f'INSERT INTO "{index}" (rowid, text) VALUES (new.id, {new});'),
        (
            _searched_update(columns),
            f'{old} INSERT INTO "{index}" (rowid, text) VALUES (new.id, {new});',
        ),
        ("DELETE", old),
    ):
        db.execute_sql(
            f'CREATE TRIGGER IF NOT EXISTS "{index}_{event.split()[0].lower()}" AFTER {event} '
            f'ON "{table}" BEGIN {body} END'
        )


def _searched_update(columns: tuple[str, ...]) -> str:
    """The update trigger fires only when a searched column is set: a run that writes an
    entry's match keys need not index its text again."""
    return "UPDATE OF " + ", ".join(f'"{column}"' for column in columns)


def narrow_update_triggers(db: peewee.Database) -> None:
    """Schema step 19 (SQLite): the search indexes' update triggers of step 11 fired on
    every update; made again to fire only when a searched column is set."""
    if not isinstance(db, peewee.SqliteDatabase):
        return
    for model, columns in SEARCHED_COLUMNS.items():
        index, table = search_table(model), model._meta.table_name
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{index}_update"')
        db.execute_sql(
            f'CREATE TRIGGER "{index}_update" AFTER {_searched_update(columns)} ON "{table}" '
            f'BEGIN DELETE FROM "{index}" WHERE rowid = old.id; INSERT INTO "{index}" '
            f"(rowid, text) VALUES (new.id, {_joined(columns, 'new.')}); END"
        )


@contextlib.contextmanager
def search_indexed_at_end(model: type[peewee.Model]) -> Iterator[None]:
    """For a writer that inserts many rows of `model` in one transaction (call it inside
    that transaction, with no other statement of it still reading): on SQLite the rows
    it inserts meanwhile reach the trigram table in one statement at the end instead of
    one by one through the insert trigger, which is set aside until then. A trigger
    makes every insert a statement FTS5 flushes to a segment of its own; merging those
    cost a run of 100,000 phonebook entries three times the rows themselves. SQLite's
    DDL is part of the transaction: if it fails, the trigger was never away."""
    db = database_proxy.obj
    columns = SEARCHED_COLUMNS.get(model)
    if not is_sqlite() or columns is None:
        yield  # PostgreSQL's GIN index takes each row's text itself
        return
    index, table = search_table(model), model._meta.table_name
    trigger = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (f"{index}_insert",)
    ).fetchone()
    if trigger is None:  # a database before step 11
        yield
        return
    (largest,) = db.execute_sql(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"').fetchone()
    db.execute_sql(f'DROP TRIGGER "{index}_insert"')
    try:
        yield
    finally:
        # The rows after the largest id are the ones inserted meanwhile; one the writer
        # updated afterwards was indexed by the update trigger already.
        db.execute_sql(
            f'INSERT INTO "{index}" (rowid, text) SELECT "id", {_joined(columns)} '
            f'FROM "{table}" WHERE "id" > ? AND "id" NOT IN '
            f'(SELECT rowid FROM "{index}" WHERE rowid > ?)',
            (largest, largest),
        )
        db.execute_sql(trigger[0])
