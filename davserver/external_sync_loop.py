"""The background loop of external calendar sync in a serving process: every few
seconds it runs the pairs that are due (resources/external_calendars/sync_runs.py), so
local changes reach the remote within seconds and pulls follow each pair's interval.
Each process runs one; the pair leases keep two from working on one pair. And "sync
now" (API and admin UI): a queued run this process starts at once in a thread of its
own, waited for a few seconds, so that a quick run is answered done and a long one
goes on after the answer."""

from __future__ import annotations

import logging
import threading
import time

import peewee

from davserver.external_caldav import HttpxCalDavClient
from resources.external_calendars.sync_runs import (
    SyncBusy,
    process_owner,
    queue_run,
    run_due,
    run_queued,
)
from resources.store.database import database_proxy
from resources.store.external_calendars import ExternalSyncRun

log = logging.getLogger("davserver.external_sync")
POLL_SECONDS = 2.0
TAKE_SECONDS = 30.0  # how long "sync now" waits for another runner's push round to end


class ExternalSyncLoop:
    def __init__(self, poll_seconds: float = POLL_SECONDS) -> None:
        self.poll_seconds = poll_seconds
        self.owner = process_owner()
        self._stop = threading.Event()

    def start(self) -> ExternalSyncLoop:
        threading.Thread(target=self._loop, name="external-sync", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                run_due(HttpxCalDavClient(), self.owner)
            except (peewee.OperationalError, peewee.InterfaceError) as outage:
                # the database is away (a restart, a failover): one line, not a traceback
                log.warning("external calendar sync waits for the database: %s", outage)
            except Exception:  # a broken round must not end the loop; the next one retries
                log.exception("external calendar sync round failed")


def start_external_sync() -> ExternalSyncLoop:
    return ExternalSyncLoop().start()


def sync_now(pair_id: int, actor: str, wait_seconds: float) -> ExternalSyncRun:
    """Queue a run (RunActive when one is queued or running) and start it here; the run
    as it is after at most `wait_seconds`. A run this process cannot start in time (the
    pair is held by a runner elsewhere) stays queued for whichever loop is free next."""
    run = queue_run(pair_id, actor=actor)
    worker = threading.Thread(
        target=_take, args=(pair_id, run.id), name=f"external-sync-now-{run.id}", daemon=True
    )
    worker.start()
    worker.join(wait_seconds)
    current: ExternalSyncRun = ExternalSyncRun.get_by_id(run.id)
    return current


def _take(pair_id: int, run_id: int) -> None:
    """Run the queued run in this short-lived thread, then close the thread's database
    connection (a thread per "sync now" would otherwise leave one open each time)."""
    try:
        _take_run(pair_id, run_id)
    finally:
        if not database_proxy.obj.is_closed():
            database_proxy.obj.close()


def _take_run(pair_id: int, run_id: int) -> None:
    owner, deadline = process_owner(), time.monotonic() + TAKE_SECONDS
    while True:
        try:
            run_queued(pair_id, run_id, HttpxCalDavClient(), owner)
            return
        except SyncBusy:
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        except Exception:  # the run is failed by the next loop that finds it unheld
            log.exception("external calendar sync run %s failed", run_id)
            return
