"""The background loop of external calendar sync in a serving process: every few
seconds it runs the pairs that are due (resources/external_calendars/sync_runs.py), so
local changes reach the remote within seconds and pulls follow each pair's interval.
Each process runs one; the pair leases keep two from working on one pair."""

from __future__ import annotations

import logging
import threading

import peewee

from davserver.external_caldav import HttpxCalDavClient
from resources.external_calendars.sync_runs import process_owner, run_due

log = logging.getLogger("davserver.external_sync")
POLL_SECONDS = 2.0


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
