"""Connector run benchmark (issue 13 item 9): a 100,000-row phonebook CSV into the
company book through a csv-url connection, on a real `davserver serve`.

There is no reference server for connector runs, so the figures are printed against the
issue's targets: first run at most 20 s with at most 50 MB of server memory growth; an
unchanged second run at most a fifth of that (4 s) moving no sync token; after one
changed row, a sync-collection delta holding exactly that card.

    .venv/bin/python bench/connectors.py                       # SQLite, 100,000 rows
    .venv/bin/python bench/connectors.py --database postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python bench/connectors.py --rows 10000 --workers 2

With --database the benchmark makes a database of its own on that server and drops it at
the end. Everything listens on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.phonebook_csv import write_csv  # noqa: E402
from bench.servers import (  # noqa: E402
    HOST,
    ServerSet,
    add_davserver_login,
    start_davserver,
)

TARGET_FIRST_SECONDS = 20.0
TARGET_MEMORY_MB = 50.0
TARGET_SECOND_SECONDS = TARGET_FIRST_SECONDS / 5
RUN_TIMEOUT_SECONDS = 900
DAV = "{DAV:}"
LOGIN = "bench"


class CsvFileServer:
    """Serves one file from disk at /phonebook.csv, read in 64 KiB pieces per request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        served = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != "/phonebook.csv":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(served.path.stat().st_size))
                self.end_headers()
                with served.path.open("rb") as body:
                    while piece := body.read(64 * 1024):
                        self.wfile.write(piece)

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://{HOST}:{self._server.server_address[1]}/phonebook.csv"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far (/proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RunFigures:
    state: str
    seconds: float  # from queued to finished, as the run row says
    cpu_seconds: float  # the server processes' CPU time meanwhile (a loaded machine's wall
    # time says more about the other load than about the run)
    growth_mb: float  # the largest VmRSS growth of one server process during the run
    counts: tuple[int, int, int, int, int]
    message: str


def run_and_watch(connection_id: int, pids: list[int]) -> RunFigures:
    """Queue a run, sample the server processes' memory until it ends, read its row."""
    from resources.connectors.run_queue import queue_run
    from resources.store.connectors import ConnectorRun

    before = {pid: _kib(pid) for pid in pids}
    peak = dict(before)
    cpu_before = sum(_cpu_seconds(pid) for pid in pids)
    run, _queued = queue_run(connection_id)
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for pid in pids:
            peak[pid] = max(peak[pid], _kib(pid))
        run = ConnectorRun.get_by_id(run.id)
        if run.state in ("ok", "failed"):
            break
        time.sleep(0.1)
    growth = max(peak[pid] - before[pid] for pid in pids) / 1024
    cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
    counts = (run.added, run.updated, run.removed, run.unchanged, run.skipped)
    seconds = (run.finished or time.time()) - run.queued
    return RunFigures(run.state, seconds, cpu, growth, counts, run.message)


def sync_token(base_url: str, password: str) -> str:
    body = '<D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>'
    answer = requests.request(
        "PROPFIND",
        f"{base_url}/dav/addressbooks/{LOGIN}/company/",
        data=body,
        headers={"Depth": "0", "Content-Type": "application/xml"},
        auth=(LOGIN, password),
        timeout=60,
    )
    answer.raise_for_status()
    token = ElementTree.fromstring(answer.content).find(f".//{DAV}sync-token")
    assert token is not None and token.text, answer.text
    return token.text


def sync_delta(base_url: str, password: str, token: str) -> list[str]:
    body = (
        '<D:sync-collection xmlns:D="DAV:"><D:sync-token>' + token + "</D:sync-token>"
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    answer = requests.request(
        "REPORT",
        f"{base_url}/dav/addressbooks/{LOGIN}/company/",
        data=body,
        headers={"Content-Type": "application/xml"},
        auth=(LOGIN, password),
        timeout=120,
    )
    assert answer.status_code == 207, answer.text[:500]
    root = ElementTree.fromstring(answer.content)
    return [href.text or "" for href in root.findall(f"{DAV}response/{DAV}href")]


def own_database(server_url: str | None, work: Path) -> tuple[str, str | None]:
    """The benchmark's database URL, and the PostgreSQL database to drop at the end."""
    if server_url is None:
        return f"sqlite:///{work / 'bench.db'}", None
    import psycopg2

    name = f"davserver_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    admin.close()
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_database(server_url: str, name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def benchmark(args: argparse.Namespace, work: Path, database_url: str) -> bool:
    from davserver.app import open_store
    from davserver.config import load_settings
    from davserver.connector_http import HttpxSourceClient
    from resources.company_directory import phonebook
    from resources.connectors.connections import create_connection
    from resources.store.directory import PhonebookEntry

    csv_path = work / "phonebook.csv"
    started = time.monotonic()
    write_csv(csv_path, args.rows, args.seed)
    print(
        f"CSV: {args.rows} rows, {csv_path.stat().st_size / 1e6:.1f} MB "
        f"({time.monotonic() - started:.1f} s to write)",
        flush=True,
    )
    files = CsvFileServer(csv_path)
    servers = ServerSet(work, davserver_workers=args.workers)
    password = secrets.token_urlsafe(12)
    try:
        # The server upgrades the schema at start; the login is made on the upgraded one.
        server = start_davserver(
            servers, database_url, env={"DAVSERVER_CONNECTOR_POLL_SECONDS": "1"}
        )
        add_davserver_login(database_url, LOGIN, password)
        open_store(load_settings({"database": database_url}, environ={}))
        connection, _outcome = create_connection(
            "Bench CSV", "csv-url", "phonebook", {"url": files.url}, HttpxSourceClient()
        )
        time.sleep(2)  # the server's processes settle after start
        pids = server.pids()
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"davserver: {len(pids)} process(es), database {database_url.split(':')[0]}; "
            f"load average {load} on {os.cpu_count()} cores"
        )

        first = run_and_watch(connection.id, pids)
        print(f"first run: {first}", flush=True)
        token = sync_token(server.base_url, password)
        second = run_and_watch(connection.id, pids)
        print(f"second run (unchanged): {second}", flush=True)
        token_after = sync_token(server.base_url, password)

        changed_row = args.rows // 2
        write_csv(csv_path, args.rows, args.seed, changed=changed_row)
        third = run_and_watch(connection.id, pids)
        print(f"third run (one row changed): {third}", flush=True)
        delta = sync_delta(server.base_url, password, token_after)
        entry = PhonebookEntry.get(
            (PhonebookEntry.origin == "Bench CSV")
            & (PhonebookEntry.external_id == f"P{changed_row:06d}")
        )
        expected = [f"/dav/addressbooks/{LOGIN}/company/{phonebook.entry_name(entry)}"]
    finally:
        servers.stop_all()
        files.stop()

    checks = [
        (
            "first run",
            f"{first.seconds:.1f} s, CPU {first.cpu_seconds:.1f} s ({first.counts[0]} added)",
            f"<= {TARGET_FIRST_SECONDS:.0f} s",
            first.state == "ok"
            and first.counts[0] == args.rows
            and first.seconds <= TARGET_FIRST_SECONDS,
        ),
        (
            "memory growth",
            f"{first.growth_mb:.1f} MB",
            f"<= {TARGET_MEMORY_MB:.0f} MB",
            first.growth_mb <= TARGET_MEMORY_MB,
        ),
        (
            "unchanged run",
            f"{second.seconds:.1f} s, CPU {second.cpu_seconds:.1f} s ({second.counts[3]} same)",
            f"<= {TARGET_SECOND_SECONDS:.0f} s",
            second.state == "ok"
            and second.counts[3] == args.rows
            and second.seconds <= TARGET_SECOND_SECONDS,
        ),
        (
            "sync token",
            "moved" if token_after != token else "unmoved",
            "unmoved",
            token == token_after,
        ),
        (
            "one changed row",
            f"{third.seconds:.1f} s, counts {third.counts}, delta {len(delta)} card(s)",
            "exactly that card",
            third.state == "ok" and third.counts[1] == 1 and delta == expected,
        ),
    ]
    print()
    print(f"{'measure':<16} {'davserver':<44} {'target':<18} verdict")
    for name, figure, target, ok in checks:
        print(f"{name:<16} {figure:<44} {target:<18} {verdict(ok)}")
    print(
        f"(second-run memory growth {second.growth_mb:.1f} MB; third run {third.growth_mb:.1f} MB)"
    )
    return all(ok for *_rest, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", metavar="POSTGRESQL_URL", help="a PostgreSQL server")
    parser.add_argument("--workers", type=int, default=1, help="davserver's server processes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="davserver-bench-connectors-"))
    database_url, made = own_database(args.database, work)
    try:
        passed = benchmark(args, work, database_url)
    finally:
        if made is not None:
            from resources.store.database import database_proxy

            if database_proxy.obj is not None:
                database_proxy.obj.close()
            drop_database(args.database, made)
        if args.keep:
            print(f"kept {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
