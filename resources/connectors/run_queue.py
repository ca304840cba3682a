"""The queue of connector runs that every server process on one database shares (DESIGN §6).

Every step is one conditional UPDATE or INSERT, so that processes on several hosts agree
without talking to each other:
- at most one run of a connection is queued or running: a partial unique index refuses a
  second, and pressing the play button twice answers with the run already queued;
- an interval queues exactly one run: the process that moves `next_due` on from the value
  it read is the one that queues it;
- a queued run is claimed by one process: the UPDATE that takes it requires it still
  queued;
- the claimer holds a lease and renews it while it works; a run whose lease ran out (its
  process was killed, its host lost) is marked failed with that reason by whichever
  process notices first, and a run that lost its lease can no longer be finished, so
  what it fetched is never applied. Leases are told by the database's clock, which
  every host shares.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import peewee

from resources.error_codes import Sentence, sentence
from resources.store.connectors import Connection, ConnectorRun, StagedRecord
from resources.store.database import write_transaction
from resources.store.database_clock import database_now

QUEUED, RUNNING, OK, FAILED = "queued", "running", "ok", "failed"
STATES = (QUEUED, RUNNING, OK, FAILED)
MANUAL, INTERVAL = "manual", "interval"
LEASE_SECONDS = 60.0
EXPIRED = sentence("run_lease_expired")
INTERVALS_MINUTES = (0, 5, 15, 60, 1440)  # off, 5, 15, 60 minutes, daily


def process_owner() -> str:
    """A name for this process that no other process on any host shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RunCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0


def active_run(connection_id: int) -> ConnectorRun | None:
    found: ConnectorRun | None = (
        ConnectorRun.select()
        .where(
            (ConnectorRun.connection == connection_id) & (ConnectorRun.state.in_((QUEUED, RUNNING)))
        )
        .first()
    )
    return found


def queue_run(connection_id: int, trigger: str = MANUAL) -> tuple[ConnectorRun, bool]:
    """The connection's queued or running run, and whether this call queued it."""
    try:
        with write_transaction():
            run = ConnectorRun.create(
                connection=connection_id, state=QUEUED, trigger=trigger, queued=time.time()
            )
        return run, True
    except peewee.IntegrityError:
        existing = active_run(connection_id)
        if existing is None:  # it finished between the INSERT and this read: queue anew
            return queue_run(connection_id, trigger)
        return existing, False


def start_run_now(
    connection_id: int, owner: str, lease_seconds: float = LEASE_SECONDS
) -> ConnectorRun | None:
    """A run this process starts at once, already claimed (an upload that only this process
    holds); None while another run of the connection is queued or running."""
    now = database_now()
    try:
        with write_transaction():
            return ConnectorRun.create(
                connection=connection_id,
                state=RUNNING,
                trigger=MANUAL,
                queued=now,
                started=now,
                lease_owner=owner,
                lease_until=now + lease_seconds,
            )
    except peewee.IntegrityError:
        return None


def queue_due_runs(now: float | None = None) -> list[ConnectorRun]:
    """Queue one run for every enabled connection whose interval is due; the process that
    moves a connection's `next_due` on is the one that queues its run."""
    now = time.time() if now is None else now
    due = Connection.select(Connection.id, Connection.next_due, Connection.interval_minutes).where(
        Connection.enabled
        & (Connection.interval_minutes > 0)
        & (Connection.next_due.is_null() | (Connection.next_due <= now))
    )
    queued = []
    for connection in list(due):
        following = now + connection.interval_minutes * 60
        previous = connection.next_due
        same_due = (
            Connection.next_due.is_null() if previous is None else Connection.next_due == previous
        )
        with write_transaction():
            moved = (
                Connection.update(next_due=following)
                .where((Connection.id == connection.id) & same_due)
                .execute()
            )
        if moved:
            run, is_new = queue_run(connection.id, INTERVAL)
            if is_new:
                queued.append(run)
    return queued


def claim_next_run(owner: str, lease_seconds: float = LEASE_SECONDS) -> ConnectorRun | None:
    """Take the oldest queued run for this process, or None when there is none."""
    while True:
        candidate = (
            ConnectorRun.select(ConnectorRun.id)
            .where(ConnectorRun.state == QUEUED)
            .order_by(ConnectorRun.queued, ConnectorRun.id)
            .first()
        )
        if candidate is None:
            return None
        now = database_now()
        with write_transaction():
            taken = (
                ConnectorRun.update(
                    state=RUNNING, lease_owner=owner, lease_until=now + lease_seconds, started=now
                )
                .where((ConnectorRun.id == candidate.id) & (ConnectorRun.state == QUEUED))
                .execute()
            )
        if taken:
            return ConnectorRun.get_by_id(candidate.id)


def _held(run_id: int, owner: str) -> peewee.Expression:
    return (
        (ConnectorRun.id == run_id)
        & (ConnectorRun.state == RUNNING)
        & (ConnectorRun.lease_owner == owner)
    )


def renew_lease(run_id: int, owner: str, lease_seconds: float = LEASE_SECONDS) -> bool:
    """Extend the lease; False when the run is no longer this process's to finish."""
    with write_transaction():
        return bool(
            ConnectorRun.update(lease_until=database_now() + lease_seconds)
            .where(_held(run_id, owner))
            .execute()
        )


class LeaseLost(Exception):
    """The run was taken from this process (its lease ran out); nothing may be applied."""


def finish_run(
    run_id: int,
    owner: str,
    state: str,
    counts: RunCounts = RunCounts(),
    errors: Sequence[dict[str, object]] = (),
    failure: Sentence | None = None,
) -> None:
    """Record the outcome. Call it inside the transaction that applies the run's changes:
    it raises LeaseLost when the run is no longer held, which rolls the changes back."""
    finished = (
        ConnectorRun.update(
            state=state,
            finished=time.time(),
            lease_until=None,
            added=counts.added,
            updated=counts.updated,
            removed=counts.removed,
            unchanged=counts.unchanged,
            skipped=counts.skipped,
            errors=json.dumps(list(errors)),
            message=failure.english if failure else "",
            failure=json.dumps(failure.as_json()) if failure else None,
        )
        .where(_held(run_id, owner))
        .execute()
    )
    if not finished:
        raise LeaseLost(f"Run {run_id} is no longer held by this process.")


def reap_expired_runs(now: float | None = None) -> int:
    """Mark failed every running run whose lease ran out, and drop what such runs had
    staged (their process died before it could); the number marked."""
    now = database_now() if now is None else now
    with write_transaction():
        marked = int(
            ConnectorRun.update(
                state=FAILED,
                finished=now,
                message=EXPIRED.english,
                failure=json.dumps(EXPIRED.as_json()),
                lease_until=None,
            )
            .where((ConnectorRun.state == RUNNING) & (ConnectorRun.lease_until < now))
            .execute()
        )
        if marked:
            running = ConnectorRun.select(ConnectorRun.id).where(ConnectorRun.state == RUNNING)
            StagedRecord.delete().where(StagedRecord.run.not_in(running)).execute()
        return marked
