"""The phonebook's JSON import (POST /api/v1/phonebook/import) as a connection's run: each
import is a run of the connection named after its source, of type `phonebook-json`
(made at the first import), so it has a state, counts and skipped lines like every other
run and is applied all or nothing by run_executor and phonebook_target.

The entries are checked whole before the run starts (the first one that cannot be an
entry refuses the import, as the import always did), and keyed as before: their
`external_id`, or a digest of their names and numbers, so entries an earlier import
made are found again."""

from __future__ import annotations

import json

from resources.auth import audit
from resources.company_directory import phonebook
from resources.connectors.connections import RunActive, create_connection
from resources.connectors.phonebook_json import KEY
from resources.connectors.run_queue import process_owner, start_run_now
from resources.connectors.run_worker import run_claimed
from resources.connectors.uploaded_source import UploadedSource
from resources.errors import AlreadyExists
from resources.store.connectors import Connection, ConnectorRun
from resources.store.database import write_transaction


def _connection_for(source: str, actor: str) -> Connection:
    connection = Connection.get_or_none(Connection.name == source)
    if connection is None:
        connection, _outcome = create_connection(
            source, KEY, "phonebook", {}, UploadedSource(lambda: [b"[]"]), actor=actor
        )
    elif connection.type != KEY:
        raise AlreadyExists(
            code="connection_other_type",
            field="source",
            name=source,
            type=connection.type,
            wanted=KEY,
        )
    return connection


def import_entries(
    source: str, entries: list[dict[str, object]], *, actor: str = "system"
) -> ConnectorRun:
    """Make `source`'s synced entries exactly `entries` in one run of its connection (M
    entries stay); the finished run. RunActive while another import of it runs."""
    source = phonebook.checked_source(source)
    checked = phonebook.checked_import_entries(entries)
    connection = _connection_for(source, actor)
    owner = process_owner()
    run = start_run_now(connection.id, owner)
    if run is None:
        raise RunActive()
    body = json.dumps(checked).encode("utf-8")
    run = run_claimed(run, owner, UploadedSource(lambda: [body]))
    with write_transaction():
        audit.record(
            actor,
            "phonebook.import",
            source,
            f"run={run.id} state={run.state} created={run.added} updated={run.updated} "
            f"deleted={run.removed}",
        )
    return run
