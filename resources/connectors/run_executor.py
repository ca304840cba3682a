"""One connector run, from the source to the target, all of it or nothing (DESIGN §6).

The run fetches every record first and stages it (mapped and checked) in its own rows,
in small transactions that hold no lock on the phonebook or directory; only then does the
target apply the staged records, in one transaction that also records the outcome. So a
source that fails halfway (unreachable, 401, a missing mandatory column, cut short), a
lease lost to a process that thought this one dead, or a crash leaves the target exactly
as it was, and the next run starts clean.

A type that keeps state between runs (a CardDAV sync token and the cards it has seen,
connector_types.StatefulConnectorType) is given the connection's state and yields the next
one after its records; that state is written in the transaction that applies them, so a
failed run leaves the state of the last good run and the next run starts from there. Such
a type still yields every record (the unchanged ones from its state), so the target's
rule stays simple: the connection's entries become exactly the records fetched.

A target that can tell what its entries are now (ComparingTarget, the phonebook) is
asked for their digests first, and a record equal to its entry is counted, not staged:
the apply transaction then carries only what changed, and knows every key the source
had, so that it removes exactly the entries whose key is gone.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from resources.connectors.connector_types import (
    ConnectorType,
    NextState,
    RecordProblem,
    SourceRecord,
    SourceUnreadable,
    StatefulConnectorType,
)
from resources.connectors.field_mapping import mandatory_source_fields, mapper
from resources.connectors.run_queue import (
    FAILED,
    LEASE_SECONDS,
    OK,
    LeaseLost,
    RunCounts,
    finish_run,
    renew_lease,
)
from resources.connectors.source_http import SourceClient
from resources.error_codes import Sentence, sentence
from resources.store.connectors import Connection, ConnectorRun, StagedRecord
from resources.store.database import bulk_cache, insert_rows, write_transaction

log = logging.getLogger("davserver.connectors")

STAGE_BATCH = 500
MAX_REPORTED_PROBLEMS = 1000  # a run over a broken file reports this many rows, then counts


class RunTarget(Protocol):
    """Where a connection's records go: the phonebook's S entries, or the directory."""

    @property
    def key(self) -> str: ...

    @property
    def fields(self) -> tuple[str, ...]: ...

    @property
    def mandatory(self) -> tuple[str, ...]: ...

    def record_problem(self, values: Mapping[str, str]) -> Sentence | None:
        """Why a mapped record cannot be applied (it is skipped), or None."""
        ...

    def apply(self, connection: Connection, run_id: int) -> RunCounts:
        """Make the connection's entries exactly the run's staged records, inside the
        caller's transaction; entries of other connections and manual ones stay."""
        ...


@runtime_checkable
class ComparingTarget(RunTarget, Protocol):
    """A target that can say what its entries are now, so that a run stages only the
    records that differ: a run of 100,000 unchanged rows then writes nothing at all."""

    def digest(self, values: Mapping[str, str]) -> bytes:
        """What a mapped record is compared by: equal digests, equal entries."""
        ...

    def known_digests(self, connection: Connection) -> dict[str, bytes]:
        """key -> digest of the connection's entries now."""
        ...

    def apply_changes(
        self, connection: Connection, run_id: int, seen: Container[str] | None
    ) -> RunCounts:
        """`apply`, where the staged records are those that differed and `seen` holds
        every key the source had: a seen key that is not staged keeps its entry."""
        ...


@dataclass
class Fetched:
    """What staging learnt besides the staged rows: the state the next run starts from,
    every key the source had (with its first line) and how many matched their entry."""

    next_state: Mapping[str, object] | None = None
    first_line: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0


@dataclass
class Problems:
    """The rows a run skipped, with their lines; the first MAX_REPORTED_PROBLEMS kept."""

    reported: list[dict[str, object]] = field(default_factory=list)
    count: int = 0

    def add(self, position: int, why: Sentence) -> None:
        self.count += 1
        if len(self.reported) < MAX_REPORTED_PROBLEMS:
            # the English for the API and the CLI, the code and values for the admin UI
            self.reported.append({"line": position, "message": why.english, **why.as_json()})


class Heartbeat:
    """Renews a run's lease from a thread of its own while the run works, so that a slow
    source never makes a living run look dead; `lost` says another process took it."""

    def __init__(self, run_id: int, owner: str, lease_seconds: float) -> None:
        self._run_id, self._owner, self._lease = run_id, owner, lease_seconds
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._beat, name=f"lease-{run_id}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self._lease / 4):
            try:
                if not renew_lease(self._run_id, self._owner, self._lease):
                    self.lost = True
                    return
            except Exception:  # a database outage: the next beat tries again
                log.warning("could not renew the lease of run %s", self._run_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _stage(
    run_id: int,
    records: Callable[[], Iterator[SourceRecord | RecordProblem | NextState]],
    connection: Connection,
    target: RunTarget,
    heartbeat: Heartbeat,
    problems: Problems,
) -> Fetched:
    """Stage every record (with a comparing target, every record that differs from its
    entry); what the fetch learnt besides."""
    mapped_values = mapper(
        json.loads(connection.mapping), json.loads(connection.defaults), target.fields
    )
    fetched = Fetched()
    first_line = fetched.first_line
    # Read before the fetch and emptied as keys come in, so the two never both hold every key.
    comparing = target if isinstance(target, ComparingTarget) else None
    known = comparing.known_digests(connection) if comparing is not None else {}
    batch: list[tuple[int, str, int, str]] = []

    def flush() -> None:
        if heartbeat.lost:
            raise LeaseLost(f"Run {run_id} was taken over while it fetched.")
        if batch:
            with write_transaction():
                insert_rows(StagedRecord, ("run", "key", "position", "values"), batch)
            batch.clear()

    for item in records():
        if isinstance(item, NextState):
            fetched.next_state = item.state
            continue
        if isinstance(item, RecordProblem):
            problems.add(item.position, item.sentence)
            continue
        values = mapped_values(item.values)
        key = item.key[:300]
        if key in first_line:
            problems.add(
                item.position, sentence("record_key_repeated", key=key, line=first_line[key])
            )
            continue
        # A record equal to its entry was valid when the entry was written: no check again.
        was = known.pop(key, None)
        if was is not None and comparing is not None and was == comparing.digest(values):
            first_line[key] = item.position
            fetched.unchanged += 1
            continue
        refused = target.record_problem(values)
        if refused is not None:
            problems.add(item.position, refused)
            continue
        first_line[key] = item.position
        batch.append((run_id, key, item.position, json.dumps(values)))
        if len(batch) >= STAGE_BATCH:
            flush()
    flush()
    return fetched


def _apply(connection: Connection, run_id: int, target: RunTarget, fetched: Fetched) -> RunCounts:
    if not isinstance(target, ComparingTarget):
        return target.apply(connection, run_id)
    counts = target.apply_changes(connection, run_id, fetched.first_line)
    return RunCounts(
        counts.added,
        counts.updated,
        counts.removed,
        counts.unchanged + fetched.unchanged,
        counts.skipped,
    )


def execute_run(
    run: ConnectorRun,
    owner: str,
    connector_type: ConnectorType,
    settings: Mapping[str, str | bool],
    target: RunTarget,
    client: SourceClient,
    lease_seconds: float = LEASE_SECONDS,
) -> ConnectorRun:
    """Fetch, stage and apply one claimed run; its row afterwards says how it went."""
    connection = Connection.get_by_id(run.connection_id)
    problems = Problems()
    mandatory = mandatory_source_fields(
        target.mandatory, json.loads(connection.mapping), json.loads(connection.defaults)
    )
    state: dict[str, object] = json.loads(connection.state or "{}")
    kept = state.get("since")
    since = kept if isinstance(kept, str) else None
    try:
        with Heartbeat(run.id, owner, lease_seconds) as heartbeat, bulk_cache():

            def records() -> Iterator[SourceRecord | RecordProblem | NextState]:
                if isinstance(connector_type, StatefulConnectorType):
                    return connector_type.fetch_from_state(
                        settings, state, client, mandatory=mandatory
                    )
                return connector_type.fetch(settings, since, client, mandatory=mandatory)

            fetched = _stage(run.id, records, connection, target, heartbeat, problems)
            if heartbeat.lost:
                raise LeaseLost(f"Run {run.id} was taken over before it applied.")
            with write_transaction():
                # Taking the run's row first makes every other process wait for this
                # transaction instead of failing the run for a lease the heartbeat cannot
                # renew while the apply holds the write lock.
                if not renew_lease(run.id, owner, lease_seconds):
                    raise LeaseLost(f"Run {run.id} was taken over before it applied.")
                counts = _apply(connection, run.id, target, fetched)
                if fetched.next_state is not None:  # kept only with the records it describes
                    Connection.update(state=json.dumps(fetched.next_state)).where(
                        Connection.id == connection.id
                    ).execute()
                finish_run(
                    run.id,
                    owner,
                    OK,
                    RunCounts(
                        counts.added,
                        counts.updated,
                        counts.removed,
                        counts.unchanged,
                        counts.skipped + problems.count,
                    ),
                    problems.reported,
                )
    except LeaseLost:
        log.warning(
            "run %s of connection %r lost its lease; nothing applied", run.id, connection.name
        )
    except SourceUnreadable as error:
        _fail(run.id, owner, error.sentence, problems)
    except Exception:
        log.exception("run %s of connection %r failed", run.id, connection.name)
        _fail(run.id, owner, sentence("run_internal_error"), problems)
    finally:
        with write_transaction():
            StagedRecord.delete().where(StagedRecord.run == run.id).execute()
    # The run's row is gone when its connection was deleted while it ran.
    return ConnectorRun.get_or_none(ConnectorRun.id == run.id) or run


def _fail(run_id: int, owner: str, why: Sentence, problems: Problems) -> None:
    try:
        with write_transaction():
            finish_run(
                run_id, owner, FAILED, RunCounts(skipped=problems.count), problems.reported, why
            )
    except LeaseLost:
        pass  # the process that took the lease over has failed the run already
