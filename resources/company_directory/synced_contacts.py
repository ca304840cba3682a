"""Which directory records a connection feeds, and the rule for editing them (seeds 000,
002 and 004): a synced contact person or company belongs to its source, like a
phonebook S entry, so the admin screens and the API show it as synced (`S`, with the
connection's name) and refuse to change or delete it; the one thing an administrator
changes on a synced person is its "export via CardDAV" switch, which is the
directory's own and which later runs keep. Once the connection is deleted, its records
are hand-made ones like any other."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import cast

from resources.errors import DomainError
from resources.store.connectors import Connection
from resources.store.synced_directory import SyncedCompany, SyncedContact

EDITABLE_WHEN_SYNCED = frozenset({"export_carddav"})


class SyncedRecordReadOnly(DomainError):
    """A synced person or company is changed at its source: the next run would undo it."""


def contact_origins(contact_ids: Collection[int]) -> dict[int, str]:
    """contact id -> the name of the connection that feeds it, for those that have one."""
    if not contact_ids:
        return {}
    rows = (
        SyncedContact.select(SyncedContact.contact, Connection.name)
        .join(Connection)
        .where(SyncedContact.contact.in_(list(contact_ids)))
        .tuples()
    )
    return dict(cast("list[tuple[int, str]]", list(rows)))  # .tuples() rows


def company_origins(company_ids: Collection[int]) -> dict[int, str]:
    """company id -> the name of the connection that made it, for those a connection made."""
    if not company_ids:
        return {}
    rows = (
        SyncedCompany.select(SyncedCompany.company, Connection.name)
        .join(Connection)
        .where(SyncedCompany.company.in_(list(company_ids)))
        .tuples()
    )
    return dict(cast("list[tuple[int, str]]", list(rows)))  # .tuples() rows


def refuse_contact_change(contact_id: int, changes: Mapping[str, object] | None) -> None:
    """Refuse changing (changes given) or deleting (None) a synced contact person."""
    origin = contact_origins([contact_id]).get(contact_id)
    if origin is None:
        return
    if changes is not None and set(changes) <= EDITABLE_WHEN_SYNCED:
        return
    raise SyncedRecordReadOnly(code="synced_contact_read_only", connection=origin)


def refuse_company_change(company_id: int) -> None:
    """Refuse changing or deleting a company a connection made."""
    origin = company_origins([company_id]).get(company_id)
    if origin is not None:
        raise SyncedRecordReadOnly(code="synced_company_read_only", connection=origin)
