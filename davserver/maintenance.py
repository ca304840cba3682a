"""Background upkeep while the server runs: pruning sync history older than
`sync_history_days` (RFC 6578 §3.8: older tokens then make clients sync afresh).

Pruning runs once every INTERVAL_SECONDS across all processes and hosts on one
database: each looks every `maintenance_poll_seconds` whether the job is due, and the
job lease (resources/store/job_leases.py) lets one of them take it. A process killed
while pruning leaves its lease to run out after LEASE_SECONDS; the next one to look
prunes instead (one transaction: the dead one's work was rolled back).
"""

from __future__ import annotations

import logging
import threading
import time

import peewee

from davserver.config import Settings
from resources.connectors.run_queue import process_owner
from resources.objects.change_log import prune_history
from resources.store.database import connection, write_transaction
from resources.store.job_leases import claim_job, finish_job

log = logging.getLogger("davserver.maintenance")

PRUNE_JOB = "prune sync history"
INTERVAL_SECONDS = 6 * 3600
LEASE_SECONDS = 600.0
RETRY_SECONDS = 300.0  # after a failed prune


def prune_once(settings: Settings) -> int:
    """Prune now, whoever else may be pruning (the command line, tests)."""
    cutoff = time.time() - settings.sync_history_days * 86400
    with connection(), write_transaction():
        removed = prune_history(cutoff)
    if removed:
        log.info("pruned %d change rows older than %d days", removed, settings.sync_history_days)
    return removed


def prune_if_due(settings: Settings, owner: str) -> int | None:
    """Prune if the job is due and this process got it: the rows removed, else None."""
    with connection():
        if not claim_job(PRUNE_JOB, owner, LEASE_SECONDS):
            return None
        try:
            removed = prune_once(settings)
        except Exception:
            finish_job(PRUNE_JOB, owner, RETRY_SECONDS)
            raise
        finish_job(PRUNE_JOB, owner, INTERVAL_SECONDS)
        return removed


def start_maintenance(settings: Settings) -> threading.Thread:
    """Look for due upkeep every `maintenance_poll_seconds`, in a daemon thread."""
    owner = process_owner()

    def loop() -> None:
        while True:
            try:
                prune_if_due(settings, owner)
            except (peewee.OperationalError, peewee.InterfaceError) as outage:
                log.warning("maintenance waits for the database: %s", outage)
            except Exception:  # upkeep must never take the server down
                log.exception("maintenance failed; will retry")
            time.sleep(settings.maintenance_poll_seconds)

    thread = threading.Thread(target=loop, name="davserver-maintenance", daemon=True)
    thread.start()
    return thread
