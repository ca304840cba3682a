"""External CalDAV accounts, sync pairs and the push outbox, as tables (issue 15, DESIGN §6).

An account is a CalDAV URL, a user name and a password sealed with
resources/auth/secret_box.py, plus the calendars its discovery found. A sync pair joins
one local calendar (a Collection) with one calendar of an account; its row carries the
pull state (sync token, ctag), the options and the lease with which one process at a time
works on it. SyncedObject keeps, per object of a pair, the name here, the href and ETag
there and the ETag here when both sides last agreed: a local object whose ETag is still
that one came from the remote and is never pushed back. OutboxEntry rows are written in
the transaction of each local change to a paired calendar (`enqueue_pushes`, called by
resources/objects/change_log.py), so that a crash or an outage loses no change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import peewee

from resources.store.database import insert_rows, is_sqlite
from resources.store.models import Collection
from resources.store.models_base import BaseModel

CONFLICT_POLICIES = ("remote_wins", "local_wins", "newest_wins")


class ExternalAccount(BaseModel):
    url = peewee.CharField(max_length=2000)  # as the administrator entered it
    found_url = peewee.CharField(max_length=2000)  # where discovery found the calendars
    username = peewee.CharField(max_length=300)
    password = peewee.TextField(default="")  # sealed token, "" for none
    calendars = peewee.TextField(default="[]")  # JSON list of the calendars found
    created = peewee.DoubleField()
    modified = peewee.DoubleField()


class SyncPair(BaseModel):
    account_id: peewee.ForeignKeyField[int]  # the key columns peewee adds
    collection_id: peewee.ForeignKeyField[int]

    account = peewee.ForeignKeyField(ExternalAccount, on_delete="CASCADE")
    remote_url = peewee.CharField(max_length=2000)
    collection = peewee.ForeignKeyField(Collection, unique=True, on_delete="CASCADE")
    conflict = peewee.CharField(max_length=20, default="remote_wins")
    interval_minutes = peewee.IntegerField(default=5)
    push_existing = peewee.BooleanField(default=True)
    sync_token = peewee.TextField(default="")
    ctag = peewee.TextField(default="")
    next_pull = peewee.DoubleField(default=0.0)
    last_pull = peewee.DoubleField(null=True)
    last_push = peewee.DoubleField(null=True)
    last_error = peewee.TextField(default="")  # English, "; " between problems
    last_failure = peewee.TextField(null=True)  # the same as JSON sentences (step 20)
    lease_owner = peewee.CharField(max_length=100, default="")
    lease_until = peewee.DoubleField(default=0.0)
    created = peewee.DoubleField()


class SyncedObject(BaseModel):
    pair_id: peewee.ForeignKeyField[int]  # the key column peewee adds

    pair = peewee.ForeignKeyField(SyncPair, on_delete="CASCADE")
    name = peewee.CharField(max_length=1000)  # the object's name here
    uid = peewee.CharField(max_length=1000, default="")
    remote_href = peewee.CharField(max_length=2000)  # an absolute path there
    remote_etag = peewee.CharField(max_length=300, default="")
    local_etag = peewee.CharField(max_length=100, default="")  # here, when both agreed

    class Meta:
        indexes = ((("pair", "name"), True), (("pair", "remote_href"), True))


class OutboxEntry(BaseModel):
    """A local change to push: the object's name; the worker sends its state as it is then."""

    collection_id = peewee.IntegerField()  # the paired calendar (one pair per calendar)
    name = peewee.CharField(max_length=1000)
    queued = peewee.DoubleField()
    attempts = peewee.IntegerField(default=0)
    next_attempt = peewee.DoubleField(default=0.0)
    last_error = peewee.TextField(default="")

    class Meta:
        indexes = ((("collection_id", "id"), False),)


class ExternalSyncRun(BaseModel):
    """One pull of a pair (and the push after it), as connector runs are: queued by the
    interval or by "sync now", running while a process holds the pair's lease, then ok
    or failed, with its counts and why it failed."""

    pair_id: peewee.ForeignKeyField[int]  # the key column peewee adds

    pair = peewee.ForeignKeyField(SyncPair, on_delete="CASCADE")
    state = peewee.CharField(max_length=10, default="queued")  # queued running ok failed
    trigger = peewee.CharField(max_length=10, default="manual")  # manual or interval
    queued = peewee.DoubleField()
    started = peewee.DoubleField(null=True)
    finished = peewee.DoubleField(null=True)
    runner = peewee.CharField(max_length=100, default="")  # the lease owner that runs it
    added = peewee.IntegerField(default=0)
    updated = peewee.IntegerField(default=0)
    removed = peewee.IntegerField(default=0)
    kept_local = peewee.IntegerField(default=0)
    skipped = peewee.IntegerField(default=0)
    sent = peewee.IntegerField(default=0)
    deleted = peewee.IntegerField(default=0)
    conflicts = peewee.IntegerField(default=0)
    refused = peewee.IntegerField(default=0)
    requests = peewee.IntegerField(default=0)  # of the pull
    problems = peewee.TextField(default="[]")  # JSON sentences: skipped and refused objects
    message = peewee.TextField(default="")  # why a failed run failed, in English
    failure = peewee.TextField(null=True)  # the same as a JSON sentence

    class Meta:
        indexes = ((("pair", "id"), False), (("state",), False))


EXTERNAL_CALENDAR_MODELS = [ExternalAccount, SyncPair, SyncedObject, OutboxEntry]
ACTIVE_RUN_INDEX = "externalsyncrun_one_active_per_pair"

_pulling: ContextVar[int | None] = ContextVar("external_pull_collection", default=None)


@contextmanager
def changes_from_remote(collection_id: int) -> Iterator[None]:
    """Writes to this collection inside are the remote's own changes: no outbox rows."""
    token = _pulling.set(collection_id)
    try:
        yield
    finally:
        _pulling.reset(token)


def enqueue_pushes(collection_id: int, names: list[str]) -> None:
    """Outbox rows for changed members of a paired calendar, in the caller's transaction."""
    if not names or _pulling.get() == collection_id:
        return
    now = time.time()
    insert_rows(
        OutboxEntry,
        ("collection_id", "name", "queued", "attempts", "next_attempt", "last_error"),
        [(collection_id, name, now, 0, 0.0, "") for name in names],
    )


def create_external_calendar_tables(db: peewee.Database) -> None:
    """The tables, and the column that tells a collection's writers it is paired (false for
    every existing one), read with the row they lock anyway: an unpaired calendar pays no
    extra query."""
    db.create_tables(EXTERNAL_CALENDAR_MODELS, safe=True)
    table = Collection._meta.table_name
    if "external_sync" not in {column.name for column in db.get_columns(table)}:
        false = "0" if is_sqlite() else "FALSE"
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "external_sync" BOOLEAN NOT NULL DEFAULT {false}'
        )


def create_external_sync_runs(db: peewee.Database) -> None:
    """Step 20: the runs of pulls, with the partial unique index that lets a pair have at
    most one run queued or running whichever process queues it, and the column of the
    pairs' last problems as sentences."""
    db.create_tables([ExternalSyncRun], safe=True)
    table = ExternalSyncRun._meta.table_name
    db.execute_sql(
        f'CREATE UNIQUE INDEX IF NOT EXISTS "{ACTIVE_RUN_INDEX}" ON "{table}" '
        "(\"pair_id\") WHERE \"state\" IN ('queued', 'running')"
    )
    pairs = SyncPair._meta.table_name
    if "last_failure" not in {column.name for column in db.get_columns(pairs)}:
        db.execute_sql(f'ALTER TABLE "{pairs}" ADD COLUMN "last_failure" TEXT')
