"""Background upkeep while the server runs: pruning sync history older than
`sync_history_days` (RFC 6578 §3.8: older tokens then make clients sync afresh)."""

from __future__ import annotations

import logging
import threading
import time

from davserver.config import Settings
from resources.objects.change_log import prune_history
from resources.store.database import connection, write_transaction

log = logging.getLogger("davserver.maintenance")

INTERVAL_SECONDS = 6 * 3600


def prune_once(settings: Settings) -> int:
    cutoff = time.time() - settings.sync_history_days * 86400
    with connection(), write_transaction():
        removed = prune_history(cutoff)
    if removed:
        log.info("pruned %d change rows older than %d days", removed, settings.sync_history_days)
    return removed


def start_maintenance(settings: Settings) -> threading.Thread:
    """Prune now and then every few hours, in a daemon thread."""

    def loop() -> None:
        while True:
            try:
                prune_once(settings)
            except Exception:  # upkeep must never take the server down
                log.exception("maintenance failed; will retry")
            time.sleep(INTERVAL_SECONDS)

    thread = threading.Thread(target=loop, name="davserver-maintenance", daemon=True)
    thread.start()
    return thread
