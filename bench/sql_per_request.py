"""SQL per request: the statements one GET, PUT, multiget, sync, query or PROPFIND sends
to the database, counted and listed, and on PostgreSQL the plan of each of them.

    .venv/bin/python bench/sql_per_request.py                  # SQLite, in a temporary directory
    .venv/bin/python bench/sql_per_request.py --database postgresql://postgres@127.0.0.1/postgres \\
        --plans bench/postgresql-plans.md                      # a fresh database there, dropped after

The count does not depend on how busy the machine is, so it is the evidence to set
beside latencies measured on a shared machine. The server runs in this process (the
real application on cheroot, on 127.0.0.1, one request at a time), with every cursor
of the database wrapped to record what it executes: BEGIN, COMMIT and SAVEPOINT
included, since on PostgreSQL each is a round trip like any query.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_client import (  # noqa: E402
    PROPFIND_COLLECTION,
    PROPFIND_ETAGS,
    CalDavClient,
    Target,
    calendar_query_body,
    multiget_body,
    sync_collection_body,
    sync_token,
)
from servers import free_port  # noqa: E402
from synthetic_calendar import (  # noqa: E402
    QUERY_WEEK_END,
    QUERY_WEEK_START,
    generate_specs,
    new_spec,
    render_object,
    revised,
)

USERNAME, PASSWORD = "bench", "bench-password-1"
CARDS = 200


@dataclass
class Statement:
    sql: str
    params: Any
    seconds: float


@dataclass
class StatementLog:
    """Every statement any cursor of the database executed since `clear()`."""

    entries: list[Statement] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, database) -> None:
        original = database.cursor
        log = self

        def cursor(*args, **kwargs):
            return _RecordingCursor(original(*args, **kwargs), log)

        database.cursor = cursor

    def add(self, sql: str | bytes, params: Any, seconds: float) -> None:
        if isinstance(sql, bytes):  # psycopg2's composed statements
            sql = sql.decode("utf-8")
        with self.lock:
            self.entries.append(Statement(sql, params, seconds))

    def take(self) -> list[Statement]:
        with self.lock:
            taken, self.entries = self.entries, []
        return taken


class _RecordingCursor:
    def __init__(self, cursor, log: StatementLog) -> None:
        self._cursor, self._log = cursor, log

    def execute(self, sql, params=()):
        clock = time.perf_counter()
        try:
            return self._cursor.execute(sql, params)
        finally:
            self._log.add(sql, params, time.perf_counter() - clock)

    def executemany(self, sql, rows):
        clock = time.perf_counter()
        try:
            return self._cursor.executemany(sql, rows)
        finally:
            self._log.add(sql, ("executemany",), time.perf_counter() - clock)

    def __iter__(self):
        return iter(self._cursor)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class FreshDatabase:
    """SQLite in a temporary directory, or a new database on the PostgreSQL server named."""

    def __init__(self, server_url: str | None) -> None:
        self.server_url = server_url
        if server_url:
            self.name = f"davserver_sqlcount_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.name}"')
            self.url = urlsplit(server_url)._replace(path=f"/{self.name}").geturl()
        else:
            self.url = f"sqlite:///{tempfile.mkdtemp(prefix='davserver-sqlcount-')}/bench.db"

    def _admin(self, sql: str) -> None:
        connection = pg_connect(self.server_url)
        connection.autocommit = True
        try:
            connection.cursor().execute(sql)
        finally:
            connection.close()

    def drop(self) -> None:
        if self.server_url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def pg_connect(url: str):
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        dbname=parts.path.lstrip("/") or "postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
    )


def start_in_process(database_url: str):
    """The real application on cheroot in a thread; (server, base URL)."""
    from davserver.app import build_app
    from davserver.config import load_settings
    from davserver.server import make_server

    port = free_port()
    settings = load_settings(
        flags=dict(host="127.0.0.1", port=port, database=database_url, log_level="WARNING"),
        environ={},
    )
    server = make_server(build_app(settings), settings)
    server.prepare()
    threading.Thread(target=server.serve, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def add_login() -> None:
    from resources.auth.credentials import create_credential
    from resources.organisation.accounts import personal_account
    from resources.organisation.branches import default_branch

    create_credential(
        USERNAME,
        PASSWORD,
        account=personal_account(USERNAME).id,
        branch=default_branch().id,
        service_classes_=("caldav", "carddav"),
        confirmed=True,
    )


def card(index: int) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"UID:card-{index}\r\nFN:Person {index:04d} Example\r\nN:Example;Person {index:04d};;;\r\n"
        f"EMAIL:person{index}@example.org\r\nTEL;TYPE=work:+49 30 {1000000 + index}\r\n"
        "END:VCARD\r\n"
    )


ADDRESSBOOK_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
    "<d:prop><d:getetag/><c:address-data/></d:prop>"
    '<c:filter><c:prop-filter name="FN"><c:text-match collation="i;unicode-casemap" '
    'match-type="contains">Person 0042</c:text-match></c:prop-filter></c:filter>'
    "</c:addressbook-query>"
)


class Requests:
    """The measured requests, each after one unmeasured warm-up of its kind."""

    def __init__(self, base_url: str, events: int) -> None:
        self.calendar = f"/dav/calendars/{USERNAME}/bench/"
        self.book = f"/dav/addressbooks/{USERNAME}/contacts/"
        self.client = CalDavClient(Target("davserver", base_url, self.calendar, USERNAME, PASSWORD))
        self.specs = generate_specs(events, 1)
        self.new_counter = 0

    def seed(self) -> None:
        self.client.mkcalendar(self.calendar)
        for spec in self.specs:
            self.client.put(spec.href_name, render_object(spec), new=True)
        self.client.request("PROPFIND", self.book, PROPFIND_ETAGS, (207,), {"Depth": "0"})
        for index in range(CARDS):
            self.client.request(
                "PUT",
                f"{self.book}card-{index}.vcf",
                card(index),
                (201,),
                {"Content-Type": "text/vcard; charset=utf-8", "If-None-Match": "*"},
            )

    def operations(self) -> list[tuple[str, Any]]:
        c = self.client
        home = f"/dav/calendars/{USERNAME}/"
        hrefs = [self.calendar + spec.href_name for spec in self.specs[:50]]
        return [
            ("GET one", lambda: c.get(self.specs[0].href_name)),
            ("PUT new", self._put_new),
            ("PUT update (If-Match)", self._put_update),
            ("PROPFIND Depth 0 (calendar)", lambda: c.propfind("0", PROPFIND_COLLECTION)),
            (
                "PROPFIND Depth 1 (home)",
                lambda: c.request("PROPFIND", home, PROPFIND_COLLECTION, (207,), {"Depth": "1"}),
            ),
            ("PROPFIND Depth 1 (calendar, getetag)", lambda: c.propfind("1", PROPFIND_ETAGS)),
            ("calendar-multiget 50", lambda: c.report(multiget_body(hrefs))),
            ("sync-collection after 1 change", self._sync_delta),
            (
                "calendar-query 7 days",
                lambda: c.report(calendar_query_body(QUERY_WEEK_START, QUERY_WEEK_END, False)),
            ),
            (
                "addressbook-query FN contains",
                lambda: c.request("REPORT", self.book, ADDRESSBOOK_QUERY, (207,), {"Depth": "1"}),
            ),
            ("sign-in refused (wrong password)", self._wrong_password),
        ]

    def _put_new(self):
        self.new_counter += 1
        spec = new_spec(self.new_counter)
        return self.client.put(spec.href_name, render_object(spec), new=True)

    def _put_update(self):
        spec = self.specs[1] = revised(self.specs[1])
        etag = self.client.get(spec.href_name).headers["ETag"]
        log.take()  # the GET for the ETag is not part of the PUT
        return self.client.put(spec.href_name, render_object(spec), etag=etag)

    def _sync_delta(self):
        token = sync_token(self.client.report(sync_collection_body(""), depth="0"))
        spec = self.specs[2] = revised(self.specs[2])
        self.client.put(spec.href_name, render_object(spec))
        log.take()
        return self.client.report(sync_collection_body(token), depth="0")

    def _wrong_password(self):
        wrong = CalDavClient(
            Target("davserver", self.client.target.base_url, self.calendar, USERNAME, "wrong")
        )
        try:
            return wrong.request(
                "PROPFIND", self.calendar, PROPFIND_COLLECTION, (401,), {"Depth": "0"}
            )
        finally:
            wrong.close()


log = StatementLog()
_SPACES = re.compile(r"\s+")


def _short(sql: str) -> str:
    return _SPACES.sub(" ", sql).strip()


def measure(requests: Requests) -> list[tuple[str, list[Statement]]]:
    measured = []
    for name, run in requests.operations():
        run()  # warm-up: caches filled, the connection open
        log.take()
        run()
        measured.append((name, log.take()))
    return measured


def print_counts(measured: list[tuple[str, list[Statement]]], verbose: bool) -> None:
    width = max(len(name) for name, _ in measured)
    print(f"{'request':{width}}  statements  (of them BEGIN/COMMIT/SAVEPOINT)  ms in the database")
    for name, statements in measured:
        control = sum(1 for s in statements if _is_control(s.sql))
        seconds = sum(s.seconds for s in statements)
        print(f"{name:{width}}  {len(statements):10}  {control:33}  {seconds * 1000:8.2f}")
        if verbose:
            for statement in statements:
                print(f"      {statement.seconds * 1000:6.2f} ms  {_short(statement.sql)[:160]}")


def _is_control(sql: str) -> bool:
    return _short(sql).split(" ", 1)[0].upper() in (
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
    )


def write_plans(path: Path, server_url: str, database_url: str, measured) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement but transaction control, each inside
    a transaction that is rolled back, so writes leave nothing behind."""
    connection = pg_connect(database_url)
    lines = [
        "# PostgreSQL plans of the hot requests",
        "",
        "Written by `bench/sql_per_request.py --database URL --plans FILE`: every statement one",
        "request sends (after a warm-up request of its kind), run again under",
        "`EXPLAIN (ANALYZE, BUFFERS)` inside a transaction that is rolled back.",
        "",
    ]
    for name, statements in measured:
        lines += [f"## {name}", "", f"{len(statements)} statements.", ""]
        for statement in statements:
            if _is_control(statement.sql):
                lines.append(f"- `{_short(statement.sql)}`")
                continue
            shown = _short(statement.sql)
            shown = shown if len(shown) < 700 else shown[:600] + " ... (shortened)"
            lines += ["", f"```sql\n{shown}\n```", "", "```"]
            lines += _explain(connection, statement)
            lines += ["```", ""]
        lines.append("")
    connection.close()
    path.write_text("\n".join(lines), encoding="utf-8")


def _explain(connection, statement: Statement) -> list[str]:
    cursor = connection.cursor()
    try:
        if statement.params == ("executemany",):
            return ["(executemany: not explained)"]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params or None)
        return [row[0] for row in cursor.fetchall()]
    except Exception as exc:  # a plan that cannot be had is written down, not fatal
        return [f"(no plan: {type(exc).__name__}: {str(exc).strip()[:200]})"]
    finally:
        connection.rollback()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--plans", type=Path, help="write the plans here (PostgreSQL only)")
    parser.add_argument("--quiet", action="store_true", help="counts only, no statements")
    args = parser.parse_args()
    database = FreshDatabase(args.database)
    try:
        server, base_url = start_in_process(database.url)
        from resources.store.database import database_proxy

        add_login()
        requests = Requests(base_url, args.events)
        print(f"seeding {args.events} events and {CARDS} cards ...", flush=True)
        requests.seed()
        log.install(database_proxy.obj)
        measured = measure(requests)
        print_counts(measured, verbose=not args.quiet)
        if args.plans and args.database:
            write_plans(args.plans, args.database, database.url, measured)
            print(f"wrote {args.plans}")
        server.stop()
    finally:
        database.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
