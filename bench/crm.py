"""CRM connector runs (issue 14 item 7): a full run of 10,000 contacts over 100 pages from
a local fake Salesforce and a fake SugarCRM (tests/fake_salesforce.py, tests/fake_sugarcrm.py),
then an incremental run after 10 changes, then one after none, into the phonebook of a
fresh database. A benchmark to run, not a test.

    python bench/crm.py                          # SQLite in a temporary directory
    python bench/crm.py --latency-ms 50          # each answer of the service takes 50 ms more
    python bench/crm.py --database postgresql://USER@HOST/DB   # an empty PostgreSQL database

Limits: the full run at most 15 s; the incremental run at most 1 s plus the time the
service spent answering (the fakes measure it, the latency included).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from davserver.app import open_store  # noqa: E402
from davserver.config import Settings  # noqa: E402
from davserver.connector_http import HttpxSourceClient  # noqa: E402
from resources.connectors import run_queue  # noqa: E402
from resources.connectors.connections import create_connection  # noqa: E402
from resources.connectors.run_worker import run_claimed  # noqa: E402
from tests.fake_salesforce import FakeSalesforce  # noqa: E402
from tests.fake_sugarcrm import FakeSugarCrm  # noqa: E402

FULL_LIMIT_S, INCREMENTAL_LIMIT_S = 15.0, 1.0
CPU_SECONDS: list[float] = []


def run_timed(connection_id: int, service_seconds) -> tuple[float, float, object]:
    """(wall seconds, seconds the service spent answering, the run); the run's CPU
    seconds in this process go to CPU_SECONDS (on a loaded machine the steadier figure)."""
    run_queue.queue_run(connection_id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None
    before = service_seconds()
    started, cpu = time.perf_counter(), time.process_time()
    run = run_claimed(claimed, owner, HttpxSourceClient())
    wall = time.perf_counter() - started
    CPU_SECONDS.append(time.process_time() - cpu)
    if run.state != "ok":
        raise SystemExit(f"run failed: {run.message}")
    return wall, service_seconds() - before, run


def salesforce(contacts: int, pages: int):
    fake = FakeSalesforce(page_size=contacts // pages)
    old = time.time() - 2 * 86400
    for n in range(contacts):
        fake.put(
            f"003B{n:014d}",
            account=f"Firma {n % 997}",
            when=old + n,
            FirstName=f"Vorname {n}",
            LastName=f"Müller {n:06d}",
            Phone=f"+49 30 {n:07d}",
            Email=f"person{n}@example.com",
        )

    def change(n: int) -> None:
        fake.put(f"003B{n * 97:014d}", LastName=f"Geändert {n}")

    return fake, fake.settings(), change, lambda: fake.instance.answer_seconds


def sugarcrm(contacts: int, pages: int):
    fake = FakeSugarCrm(max_page=contacts // pages)
    for n in range(contacts):
        fake.put(
            f"b-{n:06d}",
            first_name=f"Vorname {n}",
            last_name=f"Schmidt {n:06d}",
            phone_work=f"+49 40 {n:07d}",
            account_name=f"Zucker {n % 997}",
            email1=f"person{n}@example.com",
        )

    def change(n: int) -> None:
        fake.put(f"b-{n * 97:06d}", last_name=f"Geändert {n}")

    return fake, fake.settings(), change, lambda: fake.http.answer_seconds


FAKES = {"salesforce": salesforce, "sugarcrm": sugarcrm}


def serve_fake(name: str, contacts: int, pages: int, latency: float, pipe) -> None:
    """The fake service in a process of its own, so that its work and ours do not share
    one interpreter lock; it takes orders through the pipe."""
    fake, settings, change, service_seconds = FAKES[name](contacts, pages)
    fake.faults.seconds_per_answer = latency
    pipe.send(settings)
    while True:
        order, value = pipe.recv()
        if order == "change":
            for n in range(value):
                change(n)
        if order == "stop":
            fake.stop()
            pipe.send(None)
            return
        pipe.send(service_seconds())


class RemoteFake:
    def __init__(self, name: str, contacts: int, pages: int, latency: float) -> None:
        context = multiprocessing.get_context("fork")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(
            target=serve_fake, args=(name, contacts, pages, latency, theirs), daemon=True
        )
        self.process.start()
        self.settings = self.pipe.recv()

    def ask(self, order: str, value: int = 0):
        self.pipe.send((order, value))
        return self.pipe.recv()

    def service_seconds(self) -> float:
        return self.ask("seconds")

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(timeout=10)


def measure(name: str, contacts: int, pages: int, changes: int, latency: float) -> bool:
    fake = RemoteFake(name, contacts, pages, latency)
    try:
        connection, _outcome = create_connection(
            f"bench {name} {uuid.uuid4().hex[:6]}",
            name,
            "phonebook",
            fake.settings,
            HttpxSourceClient(),
        )
        full, full_service, first = run_timed(connection.id, fake.service_seconds)
        fake.ask("change", changes)
        incremental, inc_service, second = run_timed(connection.id, fake.service_seconds)
        quiet, quiet_service, third = run_timed(connection.id, fake.service_seconds)
    finally:
        fake.stop()
    full_ok = full <= FULL_LIMIT_S
    inc_ok = incremental - inc_service <= INCREMENTAL_LIMIT_S
    print(f"\n{name}")
    print(
        f"  full run         {full:6.2f} s  (service {full_service:5.2f} s, "
        f"our CPU {CPU_SECONDS[-3]:5.2f} s)  added {first.added}"
        f"   limit {FULL_LIMIT_S:.0f} s: {'PASS' if full_ok else 'FAIL'}"
    )
    print(
        f"  {changes} changes       {incremental:6.2f} s  (service {inc_service:5.2f} s, "
        f"our CPU {CPU_SECONDS[-2]:5.2f} s)  "
        f"updated {second.updated}, unchanged {second.unchanged}"
        f"   limit {INCREMENTAL_LIMIT_S:.0f} s + service: {'PASS' if inc_ok else 'FAIL'}"
    )
    print(
        f"  no change        {quiet:6.2f} s  (service {quiet_service:5.2f} s, "
        f"our CPU {CPU_SECONDS[-1]:5.2f} s)  "
        f"unchanged {third.unchanged}"
    )
    return full_ok and inc_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--database", default="")
    parser.add_argument("--only", choices=("salesforce", "sugarcrm"), default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-crm-")
    database = args.database or f"sqlite:///{work}/bench.db"
    open_store(Settings(database=database))
    print(
        f"{args.contacts} contacts over {args.pages} pages, {args.changes} changes, "
        f"service latency {args.latency_ms:.0f} ms, {database.split(':')[0]}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    latency = args.latency_ms / 1000
    passed = True
    for name in FAKES:
        if args.only in (None, name):
            passed = measure(name, args.contacts, args.pages, args.changes, latency) and passed
    print("\nPASS" if passed else "\nFAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
