"""The indexes sorted lists walk: one (column, id) index per column a list may be sorted
by, so a page, even a deep one reached by its cursor, reads only its own rows."""

from __future__ import annotations

import logging

import peewee

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
        ("UPDATE", f'{old} INSERT INTO "{index}" (rowid, text) VALUES (new.id, {new});'),
        ("DELETE", old),
    ):
        db.execute_sql(
            f'CREATE TRIGGER IF NOT EXISTS "{index}_{event.lower()}" AFTER {event} ON "{table}" '
            f"BEGIN {body} END"
        )
