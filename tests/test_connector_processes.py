"""Connector runs with several server processes on one database: `davserver serve
--workers 2` and a second `davserver serve` beside it. A due connection runs once, never
twice at once, and a run whose process is killed with SIGKILL is failed by another process
when its lease runs out, with nothing applied. Also `davserver connection run NAME`."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from resources.store.database import open_database
from tests.server_harness import FreshDatabase, start_server_process
from tests.source_server import SourceServer
from tests.test_cli import davserver

FAST = {
    "DAVSERVER_CONNECTOR_POLL_SECONDS": "1",
    "DAVSERVER_CONNECTOR_LEASE_SECONDS": "4",
    "DAVSERVER_SECRET_KEYS": "",
}


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(str(tmp_path))
    yield fresh
    fresh.drop()


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


def sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    db = open_database(url)
    db.connect()
    try:
        cursor = db.execute_sql(statement, params)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        db.close()


def placeholder(url: str) -> str:
    return "?" if url.startswith("sqlite") else "%s"


def add_connection(url: str, name: str, source_url: str, interval: int, due: float | None) -> None:
    mark = placeholder(url)
    now = time.time()
    sql(
        url,
        'INSERT INTO "connection" (name, type, description, target, settings, secrets, '
        "scope_everyone, mapping, defaults, priority, interval_minutes, enabled, next_due, "
        f"state, created, modified) VALUES ({', '.join([mark] * 16)})",
        (
            name,
            "csv-url",
            "",
            "phonebook",
            json.dumps({"url": source_url}),
            "{}",
            True,
            "{}",
            "{}",
            0,
            interval,
            True,
            due,
            "{}",
            now,
            now,
        ),
    )


def runs(url: str) -> list[tuple]:
    return sql(url, 'SELECT id, state, lease_owner, message FROM "connector_run" ORDER BY id')


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("waited in vain")


def slow_csv(rows: int = 3000) -> bytes:
    lines = ["id,last_name,phone_work"] + [f"{n},Name{n},+49 30 {n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_due_connection_runs_once_and_a_killed_run_is_failed_by_another_process(
    database, files, tmp_path
):
    source = files.put("/slow.csv", slow_csv(), seconds_between_chunks=0.5)  # about 20 s
    first = start_server_process(database.url, tmp_path, "--workers", "2", env=FAST)
    second = start_server_process(database.url, tmp_path, env=FAST)
    try:
        add_connection(database.url, "slow source", source, interval=5, due=time.time() - 1)
        running = wait_for(lambda: [r for r in runs(database.url) if r[1] == "running"])
        time.sleep(3)  # every process has polled a few times meanwhile
        assert len(runs(database.url)) == 1, runs(database.url)
        owner_pid = int(running[0][2].split(":")[1])
        os.kill(owner_pid, signal.SIGKILL)
        failed = wait_for(lambda: [r for r in runs(database.url) if r[1] == "failed"], 30)
        assert "stopped before it ended" in failed[0][3]
        assert len(runs(database.url)) == 1  # the interval is not due again for 5 minutes
        assert sql(database.url, 'SELECT count(*) FROM "phonebook_entry"') == [(0,)]
    finally:
        first.stop()
        second.stop()


def test_several_processes_never_run_one_connection_twice_at_once(database, files, tmp_path):
    source = files.put("/quick.csv", slow_csv(200), seconds_between_chunks=0.2)
    processes = [start_server_process(database.url, tmp_path, env=FAST) for _ in range(2)]
    try:
        add_connection(database.url, "quick source", source, interval=5, due=time.time() - 1)
        wait_for(lambda: [r for r in runs(database.url) if r[1] == "ok"], 60)
        for _ in range(5):  # press play again and again while processes poll
            mark = placeholder(database.url)
            try:
                sql(
                    database.url,
                    'INSERT INTO "connector_run" (connection_id, state, trigger, queued, '
                    "lease_owner, added, updated, removed, unchanged, skipped, errors, message) "
                    f"VALUES ({', '.join([mark] * 12)})",
                    (1, "queued", "manual", time.time(), "", 0, 0, 0, 0, 0, "[]", ""),
                )
            except Exception:
                pass  # one is queued or running already: the index refuses a second
            time.sleep(0.5)
        wait_for(lambda: all(r[1] in ("ok", "failed") for r in runs(database.url)), 60)
        states = [r[1] for r in runs(database.url)]
        assert set(states) == {"ok"}, runs(database.url)
        assert sql(database.url, 'SELECT count(*) FROM "phonebook_entry"') == [(200,)]
    finally:
        for process in processes:
            process.stop()


def test_the_command_line_runs_a_connection_and_reports(database, files, tmp_path):
    files.put("/book.csv", b"id,last_name,phone_work\n1,Weber,+49 30 1\n2,,\n")
    assert davserver("secrets", "rotate", "--database", database.url, env=FAST).returncode == 0
    add_connection(database.url, "book", files.url("/book.csv"), interval=0, due=None)
    ran = davserver("connection", "run", "book", "--database", database.url, env=FAST)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "ok: added 1, updated 0, removed 0, unchanged 0, skipped 1"
    assert "line 3:" in ran.stdout
    listed = davserver("connection", "list", "--database", database.url, env=FAST)
    assert "book\tcsv-url\tphonebook\tok: added 1" in listed.stdout
    missing = davserver("connection", "run", "nope", "--database", database.url, env=FAST)
    assert missing.returncode != 0 and "no connection named 'nope'" in missing.stderr
    files.put("/book.csv", b"", status=404)
    broken = davserver("connection", "run", "book", "--database", database.url, env=FAST)
    assert broken.returncode == 1
    assert broken.stdout.startswith("failed:") and "HTTP 404" in broken.stdout


def test_a_run_killed_after_staging_applies_nothing_and_its_staged_rows_go(
    database, files, tmp_path
):
    files.put("/book.csv", b"id,last_name,phone_work\n1,Weber,+49 30 1\n2,Koch,+49 30 2\n")
    assert davserver("secrets", "rotate", "--database", database.url, env=FAST).returncode == 0
    add_connection(database.url, "book", files.url("/book.csv"), interval=5, due=None)
    ran = davserver("connection", "run", "book", "--database", database.url, env=FAST)
    assert ran.returncode == 0, ran.stderr
    before = sql(database.url, 'SELECT external_id, last_name FROM "phonebook_entry" ORDER BY 1')
    cards = 'SELECT name, etag FROM "stored_object" ORDER BY name'
    cards_before = sql(database.url, cards)
    # Every row differs, so every row is staged; the 64 KiB the reader looks at first
    # arrive within a few seconds, the rest of the file only after about ten more.
    files.put("/book.csv", slow_csv(6000), seconds_between_chunks=0.6)
    mark = placeholder(database.url)
    sql(database.url, f'UPDATE "connection" SET next_due = {mark}', (time.time() - 1,))
    first = start_server_process(database.url, tmp_path, env=FAST)
    second = None
    try:
        staged = 'SELECT count(*) FROM "staged_record"'
        wait_for(lambda: sql(database.url, staged)[0][0] >= 500, 60)
        running = [r for r in runs(database.url) if r[1] == "running"]
        os.kill(int(running[0][2].split(":")[1]), signal.SIGKILL)
        second = start_server_process(database.url, tmp_path, env=FAST)
        failed = wait_for(lambda: [r for r in runs(database.url) if r[1] == "failed"], 30)
        assert "stopped before it ended" in failed[0][3]
        assert sql(database.url, staged) == [(0,)]
        after = sql(database.url, 'SELECT external_id, last_name FROM "phonebook_entry" ORDER BY 1')
        assert after == before
        assert sql(database.url, cards) == cards_before
    finally:
        first.stop()
        if second is not None:
            second.stop()
