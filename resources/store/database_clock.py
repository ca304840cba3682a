"""The database's clock, which every host on one database shares: leases compared with
it hold even when the hosts' own clocks disagree by more than a lease lasts."""

from __future__ import annotations

import time

from resources.store.database import database_proxy, is_sqlite


def database_now() -> float:
    """Epoch seconds by PostgreSQL's clock (one query); SQLite serves one machine, whose
    clock is the database's."""
    if is_sqlite():
        return time.time()
    database_proxy.obj.connect(reuse_if_open=True)
    cursor = database_proxy.obj.execute_sql("SELECT extract(epoch FROM clock_timestamp())")
    return float(cursor.fetchone()[0])
