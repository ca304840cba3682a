"""The loop every server process runs for connectors: fail runs whose process died, queue
the runs whose interval is due, and work through queued runs (resources/connectors/
run_queue.py makes sure that whichever processes loop, each run happens once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import peewee

from resources.connectors.catalogue import connector_types, run_targets
from resources.connectors.connection_settings import connection_settings
from resources.connectors.run_executor import execute_run
from resources.connectors.run_queue import (
    FAILED,
    LEASE_SECONDS,
    LeaseLost,
    claim_next_run,
    finish_run,
    process_owner,
    queue_due_runs,
    reap_expired_runs,
)
from resources.connectors.source_http import SourceClient
from resources.error_codes import sentence
from resources.store.connectors import Connection, ConnectorRun
from resources.store.database import write_transaction

log = logging.getLogger("davserver.connectors")


def work_once(owner: str, client: SourceClient, lease_seconds: float = LEASE_SECONDS) -> int:
    """One round: reap, queue due runs, run every queued run; the number run."""
    reap_expired_runs()
    queue_due_runs()
    done = 0
    while (run := claim_next_run(owner, lease_seconds)) is not None:
        run_claimed(run, owner, client, lease_seconds)
        done += 1
    return done


def run_claimed(
    run: ConnectorRun, owner: str, client: SourceClient, lease_seconds: float = LEASE_SECONDS
) -> ConnectorRun:
    connection = Connection.get_by_id(run.connection_id)
    connector_type = connector_types().get(connection.type)
    target = run_targets().get(connection.target)
    if connector_type is None or target is None:
        try:
            with write_transaction():
                finish_run(
                    run.id,
                    owner,
                    FAILED,
                    failure=sentence(
                        "run_type_unknown", type=connection.type, target=connection.target
                    ),
                )
        except LeaseLost:
            pass
        return ConnectorRun.get_by_id(run.id)
    return execute_run(
        run, owner, connector_type, connection_settings(connection), target, client, lease_seconds
    )


class RunWorker:
    """`work_once` every `poll_seconds` in a daemon thread, until stopped."""

    def __init__(
        self,
        client_factory: Callable[[], SourceClient],
        poll_seconds: float = 5.0,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._client_factory = client_factory
        self._poll = poll_seconds
        self._lease = lease_seconds
        self.owner = process_owner()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="connector-runs", daemon=True)

    def start(self) -> RunWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                work_once(self.owner, self._client_factory(), self._lease)
            except (peewee.OperationalError, peewee.InterfaceError) as outage:
                # the database is away (a restart, a failover): one line, not a traceback
                log.warning("connector runs wait for the database: %s", outage)
            except Exception:  # nothing must end the loop
                log.exception("connector runs failed; will retry")
            self._stop.wait(self._poll)
