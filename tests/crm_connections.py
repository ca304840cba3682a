"""Connections to the fake CRMs for the connector tests: made through the domain
(create_connection: the type's test runs first, secrets are sealed), run as the run loop
runs them, and read back from the phonebook and the connection's state."""

from __future__ import annotations

import json
import uuid

from davserver.connector_http import HttpxSourceClient
from resources.connectors import run_queue
from resources.connectors.connections import create_connection
from resources.connectors.run_worker import run_claimed
from resources.objects.address_books import company_book
from resources.store.connectors import Connection
from resources.store.database import write_transaction
from resources.store.directory import Company, ContactPerson, PhonebookEntry
from resources.store.synced_directory import SyncedContact


def connect(
    type_key: str, settings: dict, *, mapping: dict | None = None, target: str = "phonebook"
) -> Connection:
    connection, outcome = create_connection(
        f"{type_key} {uuid.uuid4().hex[:8]}",
        type_key,
        target,
        settings,
        HttpxSourceClient(),
        actor="test",
    )
    assert outcome.passed
    if mapping is not None:  # over the type's default one, which the connection starts with
        merged = {**json.loads(connection.mapping), **mapping}
        with write_transaction():
            Connection.update(mapping=json.dumps(merged)).where(
                Connection.id == connection.id
            ).execute()
    return Connection.get_by_id(connection.id)


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    return run_claimed(claimed, owner, HttpxSourceClient())


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def entries(connection: Connection) -> dict[str, dict[str, str]]:
    fields = ("first_name", "last_name", "company", "phone_work", "phone_mobile", "email")
    return {
        entry.external_id: {name: getattr(entry, name) for name in fields}
        for entry in PhonebookEntry.select().where(PhonebookEntry.origin == connection.name)
    }


def persons(connection: Connection) -> dict[str, tuple[str, str, str, str]]:
    """The directory's contact persons the connection made: key -> (company, last name,
    position, e-mail)."""
    rows = (
        ContactPerson.select(ContactPerson, Company, SyncedContact.external_id)
        .join(Company)
        .switch(ContactPerson)
        .join(SyncedContact, on=SyncedContact.contact == ContactPerson.id)
        .where(SyncedContact.connection == connection.id)
    )
    return {
        row.syncedcontact.external_id: (row.company.name, row.last_name, row.position, row.emails)
        for row in rows
    }


def state_of(connection: Connection) -> dict:
    return json.loads(Connection.get_by_id(connection.id).state)


def revision() -> int:
    return company_book().sync_revision


def checks(outcome) -> list[tuple[str, bool]]:
    return [(check.check, check.ok) for check in outcome.checks]


def unchanged_by_failure(connection: Connection, run, before_entries, before_state, before_rev):
    """A failed run left entries, state and the company book's revision as they were."""
    assert run.state == "failed", run.message
    assert entries(connection) == before_entries
    assert Connection.get_by_id(connection.id).state == before_state
    assert revision() == before_rev
