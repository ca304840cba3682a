"""The indexes sorted lists walk: one (column, id) index per column a list may be sorted
by, so a page, even a deep one reached by its cursor, reads only its own rows."""

from __future__ import annotations

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
