"""Connections to data sources and their runs, as tables (DESIGN §6, seeds 002 and 004).

A connection is data: its type names code registered in `resources/connectors/`, and
its settings are JSON, with secrets sealed (resources/auth/secret_box.py) in a column of
their own so that nothing that lists settings can show them. A run is a row with a state,
counts and a lease: the process working on it holds the lease and renews it, so another
process can tell a run that is still going from one whose process died.
"""

from __future__ import annotations

import peewee

from resources.store.models_base import BaseModel
from resources.store.organisation import AccountGroup, UserAccount


class Connection(BaseModel):
    name = peewee.CharField(max_length=200, unique=True)
    type = peewee.CharField(max_length=40)  # a registered connector type's key
    description = peewee.TextField(default="")
    target = peewee.CharField(max_length=20)  # "phonebook" or "directory"
    settings = peewee.TextField(default="{}")  # JSON of the settings that are not secret
    secrets = peewee.TextField(default="{}")  # JSON of sealed tokens, by setting name
    scope_everyone = peewee.BooleanField(default=True)
    mapping = peewee.TextField(default="{}")  # JSON: target field -> source field
    defaults = peewee.TextField(default="{}")  # JSON: target field -> value
    priority = peewee.IntegerField(default=0)  # higher wins field by field
    interval_minutes = peewee.IntegerField(default=0)  # 0: on demand only
    enabled = peewee.BooleanField(default=True)
    next_due = peewee.DoubleField(null=True)  # when the interval next queues a run
    state = peewee.TextField(default="{}")  # JSON a type keeps between runs (sync tokens)
    created = peewee.DoubleField()
    modified = peewee.DoubleField()


class ConnectionScope(BaseModel):
    """One user account or group a connection's entries are shown to (when not everyone)."""

    connection_id: peewee.ForeignKeyField[int]  # the key columns peewee adds
    account_id: peewee.ForeignKeyField[int | None]
    group_id: peewee.ForeignKeyField[int | None]

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    account = peewee.ForeignKeyField(UserAccount, null=True, on_delete="CASCADE")
    group = peewee.ForeignKeyField(AccountGroup, null=True, on_delete="CASCADE")


class ConnectorRun(BaseModel):
    connection_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    state = peewee.CharField(max_length=10, default="queued")  # queued running ok failed
    trigger = peewee.CharField(max_length=10, default="manual")  # manual or interval
    queued = peewee.DoubleField()
    started = peewee.DoubleField(null=True)
    finished = peewee.DoubleField(null=True)
    lease_owner = peewee.CharField(max_length=100, default="")
    lease_until = peewee.DoubleField(null=True)
    added = peewee.IntegerField(default=0)
    updated = peewee.IntegerField(default=0)
    removed = peewee.IntegerField(default=0)
    unchanged = peewee.IntegerField(default=0)
    skipped = peewee.IntegerField(default=0)
    # JSON list of {"line", "message", "code", "values"} (rows of runs before schema step
    # 18 have only "line" and "message")
    errors = peewee.TextField(default="[]")
    message = peewee.TextField(default="")  # why a failed run failed, in English
    failure = peewee.TextField(null=True)  # the same as JSON {"code", "values"} (step 18)

    class Meta:
        indexes = ((("state", "lease_until"), False), (("connection", "queued"), False))


class StagedRecord(BaseModel):
    """A record a run fetched, mapped to the target's fields, waiting for the run to apply
    all of them in one transaction; a failed run's records are dropped, never applied."""

    run_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    run = peewee.ForeignKeyField(ConnectorRun, on_delete="CASCADE")
    key = peewee.CharField(max_length=300)  # the record's key in the source
    position = peewee.IntegerField()  # line or record number, for messages
    values = peewee.TextField()  # JSON: target field -> value

    class Meta:
        indexes = ((("run", "key"), True),)


CONNECTOR_MODELS = [Connection, ConnectionScope, ConnectorRun, StagedRecord]
ACTIVE_RUN_INDEX = "connectorrun_one_active_per_connection"


def create_connector_tables(db: peewee.Database) -> None:
    """The tables, and the partial unique index that lets each connection have at most one
    run queued or running, whichever process queues it (SQLite and PostgreSQL both have
    partial indexes)."""
    db.create_tables(CONNECTOR_MODELS, safe=True)
    table = ConnectorRun._meta.table_name
    db.execute_sql(
        f'CREATE UNIQUE INDEX IF NOT EXISTS "{ACTIVE_RUN_INDEX}" ON "{table}" '
        "(\"connection_id\") WHERE \"state\" IN ('queued', 'running')"
    )
