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


def create_search_indexes(db: peewee.Database) -> None:
    """Trigram indexes for the lists' search (LOWER(column) LIKE '%word%') on PostgreSQL.
    They need the pg_trgm extension; where the database role may not create it, search
    still works by reading the table, and the log says why it is slower."""
    if isinstance(db, peewee.SqliteDatabase):
        return  # SQLite reads 100,000 rows for a search in well under the list's budget
    try:
        with db.atomic():  # a savepoint: a refusal must not end the upgrade's transaction
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except peewee.DatabaseError as refusal:
        log.warning("no trigram indexes for list search (pg_trgm: %s)", refusal)
        return
    for model, columns in SEARCHED_COLUMNS.items():
        table = model._meta.table_name
        joined = " || ' ' || ".join(f"COALESCE(\"{column}\", '')" for column in columns)
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "search_{table}" '
            f'ON "{table}" USING gin (LOWER({joined}) gin_trgm_ops)'
        )
