"""Connector runs into the company book per audience (issue 13 item 1): time a csv-url
run of N rows of one everyone connection (first, then unchanged), then a second
connection delivering the same N people (numbers in another form, so every card merges
by priority), and its unchanged run. A benchmark to run, not a test; `--checkout DIR`
runs the same against another checkout (an unpacked `git archive` of main, say), which
is the reference for the single-connection rows.

    python bench/phonebook_audiences.py                  # 100,000 rows, SQLite
    python bench/phonebook_audiences.py --rows 20000 --checkout /tmp/main --single-only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--checkout", default=str(ROOT))
    parser.add_argument("--single-only", action="store_true", help="skip the merging rows")
    options = parser.parse_args()
    sys.path.insert(0, options.checkout)
    sys.path.insert(1, str(ROOT))  # tests.source_server, if the checkout lacks it
    from davserver.app import open_store
    from davserver.config import load_settings
    from tests.source_server import SourceServer

    with tempfile.TemporaryDirectory() as scratch:
        database = f"sqlite:///{os.path.join(scratch, 'bench.db')}"
        open_store(load_settings(flags=dict(database=database), environ={}))
        files = SourceServer().start()
        try:
            crm = _connection(files, "CRM", 10)
            files.put("/CRM.csv", _csv(options.rows, "030 {}"))
            _report("one connection, first run", crm, options.rows)
            _report("one connection, unchanged run", crm, 0)
            if not options.single_only:
                erp = _connection(files, "ERP", 0)
                files.put("/ERP.csv", _csv(options.rows, "+49 30 {}"))
                _report("second connection, every card merged", erp, options.rows)
                _report("second connection, unchanged run", erp, 0)
        finally:
            files.stop()


def _csv(rows: int, number: str) -> bytes:
    lines = ["id,last_name,first_name,company,phone_work,email"]
    lines += [
        f"{i},Name{i},Vor{i},Firma {i % 500},{number.format(1_000_000 + i)}," for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _connection(files, name: str, priority: int):
    from resources.store.connectors import Connection
    from resources.store.database import write_transaction

    now = time.time()
    with write_transaction():
        return Connection.create(
            name=name,
            type="csv-url",
            target="phonebook",
            settings=json.dumps({"url": files.url(f"/{name}.csv")}),
            priority=priority,
            created=now,
            modified=now,
        )


def _report(label: str, connection, expected_added: int) -> None:
    from davserver.connector_http import HttpxSourceClient
    from resources.connectors import run_queue
    from resources.connectors.csv_url import CSV_URL
    from resources.connectors.phonebook_target import PHONEBOOK_TARGET
    from resources.connectors.run_executor import execute_run

    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None
    wall, cpu = time.perf_counter(), time.process_time()
    done = execute_run(
        claimed,
        owner,
        CSV_URL,
        json.loads(connection.settings),
        PHONEBOOK_TARGET,
        HttpxSourceClient(),
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert done.state == "ok" and done.added == expected_added, (done.state, done.message)
    print(f"{label:40} {wall:6.1f} s wall {cpu:6.1f} s CPU", flush=True)


if __name__ == "__main__":
    main()
