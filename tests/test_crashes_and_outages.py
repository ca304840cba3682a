"""Surviving crashes and database outages: a server or `davserver import` killed with
SIGKILL half way leaves whole objects and a change log that matches them; a stopped
PostgreSQL gives 503 + Retry-After until it is back; a full disk gives 507."""

from __future__ import annotations

import contextlib
import glob
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.davxml import propfind_body, q, responses
from tests.ical import event
from tests.server_harness import (
    FreshDatabase,
    add_login_by_command,
    free_port,
    start_server_process,
)

USERNAME, PASSWORD = "crash-test", "crash-test-password"
AUTH = (USERNAME, PASSWORD)
HOME = f"/dav/calendars/{USERNAME}/"
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


def dav(
    base_url: str, method: str, path: str, body=None, timeout: float = 30, **headers
) -> requests.Response:
    return requests.request(
        method,
        base_url + path,
        data=body,
        auth=AUTH,
        timeout=timeout,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def sync_token(base_url: str, calendar: str) -> str:
    answer = dav(
        base_url, "PROPFIND", calendar, propfind_body("D:sync-token", "CS:getctag"), Depth="0"
    )
    assert answer.status_code == 207, answer.text
    props = responses(answer.content)[calendar]
    token, ctag = props[q("D", "sync-token")][1].text, props[q("CS", "getctag")][1].text
    assert token == ctag
    return token


def members(base_url: str, calendar: str) -> dict[str, str]:
    """{href: etag} of every member, by PROPFIND."""
    answer = dav(base_url, "PROPFIND", calendar, propfind_body("D:getetag"), Depth="1")
    assert answer.status_code == 207, answer.text
    return {
        href: props[q("D", "getetag")][1].text
        for href, props in responses(answer.content).items()
        if href != calendar
    }


def changes_since(base_url: str, calendar: str, token: str) -> dict[str, str | None]:
    """{href: etag, or None when deleted} from a sync-collection REPORT."""
    body = (
        f'<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    answer = dav(base_url, "REPORT", calendar, body, Depth="0", Content_Type="application/xml")
    assert answer.status_code == 207, answer.text
    found = {}
    for href, props in responses(answer.content).items():
        etag = props.get(q("D", "getetag"))
        found[href] = etag[1].text if etag is not None and etag[1] is not None else None
    return found


def assert_consistent(
    base_url: str, calendar: str, before: dict[str, str], token: str, bodies: dict[str, set[bytes]]
) -> None:
    """Every member reads back whole (one of the bodies sent for it), and a sync from
    `token` (taken when the calendar held `before`) reports exactly what changed."""
    now = members(base_url, calendar)
    for href in now:
        got = dav(base_url, "GET", href)
        assert got.status_code == 200 and got.content in bodies[href], href
    changed = {href: etag for href, etag in now.items() if before.get(href) != etag}
    reported = changes_since(base_url, calendar, token)
    assert {h: e for h, e in reported.items() if e is not None} == changed
    assert {h for h, e in reported.items() if e is None} <= set(before) - set(now)
    assert changes_since(base_url, calendar, sync_token(base_url, calendar)) == {}


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(str(tmp_path))
    add_login_by_command(fresh.url, USERNAME, PASSWORD)
    yield fresh
    fresh.drop()


def kill(server) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=30)


def test_sigkill_during_put_and_mkcalendar_leaves_whole_objects_and_a_matching_change_log(
    database, tmp_path
):
    server = start_server_process(database.url, tmp_path)
    calendar = HOME + "work/"
    assert dav(server.base_url, "MKCALENDAR", calendar).status_code == 201
    bodies: dict[str, set[bytes]] = {}
    for n in range(5):
        href = f"{calendar}kept-{n}.ics"
        bodies[href] = {event(f"kept-{n}", summary=f"kept {n}").encode()}
        assert dav(server.base_url, "PUT", href, next(iter(bodies[href])), **ICS).status_code == 201
    before, token = members(server.base_url, calendar), sync_token(server.base_url, calendar)
    # A large body sent slowly: the server dies while it is still arriving.
    large = event("large", summary="x" * 200_000).encode()
    bodies[calendar + "large.ics"] = {large}
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(put_head(calendar + "large.ics", len(large)) + large[:100_000])
        time.sleep(0.2)
        kill(server)
    rng = random.Random(4791)
    for attempt in range(8):  # whole requests, killed after a random small delay
        server = start_server_process(database.url, tmp_path)
        href = (
            f"{calendar}kept-{attempt % 5}.ics" if attempt % 2 else f"{calendar}new-{attempt}.ics"
        )
        body = event(Path(href).stem, summary=f"attempt {attempt} " + "y" * 20_000).encode()
        bodies.setdefault(href, set()).add(body)
        new_calendar = f"{HOME}made-{attempt}/"
        with (
            socket.create_connection(("127.0.0.1", server.port)) as put,
            socket.create_connection(("127.0.0.1", server.port)) as mkcalendar,
        ):
            put.sendall(put_head(href, len(body)) + body)
            mkcalendar.sendall(request_head("MKCALENDAR", new_calendar, 0))
            time.sleep(rng.uniform(0, 0.03))
            kill(server)
    server = start_server_process(database.url, tmp_path)
    try:
        assert_consistent(server.base_url, calendar, before, token, bodies)
        for attempt in range(8):
            made = f"{HOME}made-{attempt}/"
            answer = dav(
                server.base_url, "PROPFIND", made, propfind_body("D:resourcetype"), Depth="0"
            )
            assert answer.status_code in (207, 404)
            if answer.status_code == 207:  # a calendar that exists is whole and usable
                assert changes_since(server.base_url, made, sync_token(server.base_url, made)) == {}
        assert (
            dav(server.base_url, "PUT", calendar + "after.ics", event("after"), **ICS).status_code
            == 201
        )
    finally:
        server.stop()


def request_head(method: str, path: str, length: int, content_type: str = "text/calendar") -> bytes:
    from base64 import b64encode

    token = b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {token}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def put_head(path: str, length: int) -> bytes:
    return request_head("PUT", path, length)


def test_sigkill_during_import_leaves_whole_events_and_a_matching_change_log(database, tmp_path):
    calendar = HOME + "imported/"
    events = [event(f"imp-{n}", summary=f"imported {n}") for n in range(20000)]
    source = tmp_path / "many.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        + "".join(
            "BEGIN:VEVENT" + e.split("BEGIN:VEVENT", 1)[1].split("END:VCALENDAR")[0] for e in events
        )
        + "END:VCALENDAR\r\n"
    )
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "davserver",
            "import",
            "--calendar",
            calendar,
            str(source),
            "--database",
            database.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    counter = sqlite_or_pg_counter(database.url)
    deadline = time.monotonic() + 60
    while counter() < 500:  # a batch or more is in
        assert importer.poll() is None and time.monotonic() < deadline, importer.stdout.read()
        time.sleep(0.01)
    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=30)
    server = start_server_process(database.url, tmp_path)
    try:
        now = members(server.base_url, calendar)
        assert 500 <= len(now) < 20000
        token_zero = sync_token(server.base_url, calendar).rsplit("/", 1)[0] + "/0"
        reported = changes_since(server.base_url, calendar, token_zero)
        assert reported == now
        for href in random.Random(1).sample(sorted(now), 50):
            got = dav(server.base_url, "GET", href)
            assert (
                got.status_code == 200
                and b"END:VEVENT" in got.content
                and href.rsplit("/", 1)[1][:-4] in got.text
            )
        assert int(sync_token(server.base_url, calendar).rsplit("/", 1)[1]) == len(now)
    finally:
        server.stop()


def sqlite_or_pg_counter(url: str):
    """How many objects the store holds, read straight from the database."""

    def count() -> int:
        with contextlib.suppress(Exception):
            if url.startswith("sqlite"):
                with contextlib.closing(sqlite3.connect(url.split(":///", 1)[1], timeout=1)) as db:
                    return db.execute("SELECT count(*) FROM stored_object").fetchone()[0]
            with contextlib.closing(psycopg2.connect(url)) as db, db.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM stored_object")
                return cursor.fetchone()[0]
        return 0

    return count


# --- PostgreSQL stopped under load -------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own, on a free port (never the shared one)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert found, (
            "PostgreSQL binaries (pg_ctl, initdb) are missing under /usr/lib/postgresql/*/bin"
        )
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="davserver-pg-"))
        shutil.chown(self.root, "postgres")
        self.data, self.port = self.root / "data", free_port()
        self._as_postgres(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        self.start()
        with contextlib.closing(psycopg2.connect(self.url("postgres"))) as admin:
            admin.autocommit = True
            admin.cursor().execute("CREATE DATABASE davserver")

    def url(self, name: str = "davserver") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _as_postgres(self, program: str, *arguments: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / program), *arguments],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Load:
    """Threads sending reads and writes until stopped; every answer is recorded."""

    def __init__(self, base_url: str, calendar: str, threads: int = 4) -> None:
        self.base_url, self.calendar = base_url, calendar
        self.answers: list[tuple[float, int, str, str]] = []  # (time, status, Retry-After, body)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self, worker: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                if n % 3 == 0:
                    uid = f"load-{worker}-{n}-{uuid.uuid4().hex[:6]}"
                    answer = dav(
                        self.base_url,
                        "PUT",
                        f"{self.calendar}{uid}.ics",
                        event(uid),
                        timeout=30,
                        **ICS,
                    )
                else:
                    answer = dav(
                        self.base_url,
                        "PROPFIND",
                        self.calendar,
                        propfind_body("D:getetag"),
                        timeout=30,
                        Depth="1",
                    )
            except requests.RequestException as exc:
                self.failures.append(repr(exc))
                continue
            self.answers.append(
                (
                    time.monotonic(),
                    answer.status_code,
                    answer.headers.get("Retry-After", ""),
                    answer.text,
                )
            )
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_postgresql_stopped_under_load_gives_503_then_service_resumes_by_itself(tmp_path):
    postgres = PrivatePostgres()
    server = None
    try:
        add_login_by_command(postgres.url(), USERNAME, PASSWORD)
        server = start_server_process(postgres.url(), tmp_path, "--threads", "4")
        calendar = HOME + "busy/"
        assert dav(server.base_url, "MKCALENDAR", calendar).status_code == 201
        load = Load(server.base_url, calendar)
        try:
            time.sleep(1)
            stopped = time.monotonic()
            postgres.stop()
            time.sleep(2)
            postgres.start()
            restarted = time.monotonic()
            time.sleep(3)
        finally:
            load.stop()
        assert load.failures == []  # no hang, no dropped connection
        statuses = {status for _t, status, _r, _b in load.answers}
        assert statuses <= {201, 207, 503}, statuses
        refused = [(t, r, b) for t, status, r, b in load.answers if status == 503]
        assert refused, "no request met the stopped database"
        assert all(
            r.isdigit() and "database is unavailable" in b and "Traceback" not in b
            for _t, r, b in refused
        )
        assert all(t > stopped for t, _r, _b in refused)
        recovered = [status for t, status, _r, _b in load.answers if t > restarted + 1]
        assert recovered and all(status in (201, 207) for status in recovered), recovered
        assert (
            dav(server.base_url, "PUT", calendar + "after.ics", event("after"), **ICS).status_code
            == 201
        )
        assert "Traceback" not in server.output()
    finally:
        if server is not None:
            server.stop()
        postgres.remove()


# --- SQLite on a full disk ---------------------------------------------------------


@contextlib.contextmanager
def small_file_system(megabytes: int):
    where = Path(tempfile.mkdtemp(prefix="davserver-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"cannot mount a small tmpfs: {mounted.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        shutil.rmtree(where, ignore_errors=True)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with open(filler, "wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def test_a_full_disk_gives_507_corrupts_nothing_and_writes_work_once_space_is_freed(tmp_path):
    with small_file_system(16) as disk:
        url = f"sqlite:///{disk}/davserver.db"
        add_login_by_command(url, USERNAME, PASSWORD)
        server = start_server_process(url, tmp_path)
        try:
            calendar = HOME + "full/"
            assert dav(server.base_url, "MKCALENDAR", calendar).status_code == 201
            stored = {}
            for n in range(20):
                body = event(f"stored-{n}", summary=f"stored {n} " + "z" * 2000).encode()
                stored[f"{calendar}stored-{n}.ics"] = body
                assert (
                    dav(
                        server.base_url, "PUT", f"{calendar}stored-{n}.ics", body, **ICS
                    ).status_code
                    == 201
                )
            token = sync_token(server.base_url, calendar)
            filler = fill(disk)
            refused = None
            for n in range(200):  # pages left in the file and WAL take a few writes to use up
                answer = dav(
                    server.base_url,
                    "PUT",
                    f"{calendar}more-{n}.ics",
                    event(f"more-{n}", summary="w" * 20_000),
                    **ICS,
                )
                if answer.status_code != 201:
                    refused = answer
                    break
                stored[f"{calendar}more-{n}.ics"] = answer.request.body
            assert refused is not None and refused.status_code == 507, refused and refused.text
            assert "storage is full" in refused.text and "Traceback" not in refused.text
            for href, body in stored.items():
                got = dav(server.base_url, "GET", href)
                assert got.status_code == 200 and got.content == body, href
            with contextlib.closing(sqlite3.connect(f"{disk}/davserver.db")) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            filler.unlink()
            assert (
                dav(
                    server.base_url, "PUT", calendar + "after.ics", event("after"), **ICS
                ).status_code
                == 201
            )
            written_since = {href for href in stored if "/more-" in href} | {calendar + "after.ics"}
            assert set(changes_since(server.base_url, calendar, token)) == written_since
        finally:
            server.stop()
