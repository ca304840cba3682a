"""Schema upgrades as an operator meets them: a database written by an older davserver
is brought up to date when a command opens it, keeping what was stored."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from resources.store.schema import SCHEMA_VERSION
from tests.server_harness import FreshDatabase
from tests.test_cli import davserver

SERIES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davserver//tests//EN\r\n"
    "BEGIN:VEVENT\r\nUID:weekly-upgrade\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Weekly\r\n"
    "DTSTART;TZID=Europe/Berlin:20260105T090000\r\nDTEND;TZID=Europe/Berlin:20260105T100000\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=10\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:allday-upgrade\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Holiday\r\n"
    "DTSTART;VALUE=DATE:20260106\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def run_sql(url: str, script: str) -> str:
    """Run peewee statements against `url` in a separate process (the suite's server
    owns this process's database binding)."""
    program = textwrap.dedent(f"""
        from resources.store.database import open_database
        db = open_database({url!r})
        db.connect()
    """) + textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_version_2_database_gets_occurrence_lists(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        ics = tmp_path / "two.ics"
        ics.write_text(SERIES, newline="")
        assert (
            davserver(
                "credential",
                "add",
                "upgrader",
                "--confirmed",
                "--database",
                database.url,
                stdin="pw-upgrade\n",
            ).returncode
            == 0
        )
        imported = davserver(
            "import",
            "--database",
            database.url,
            "--calendar",
            "/dav/calendars/upgrader/old/",
            str(ics),
        )
        assert imported.returncode == 0, imported.stderr
        # Make it look like version 2 wrote it: no occurrences column yet.
        run_sql(
            database.url,
            """
            db.execute_sql('ALTER TABLE stored_object DROP COLUMN occurrences')
            db.execute_sql('UPDATE schema_version SET version = 2')
        """,
        )
        assert (
            davserver("credential", "list", "--database", database.url).returncode == 0
        )  # opens and upgrades
        listed = run_sql(
            database.url,
            """
            rows = db.execute_sql('SELECT uid, occurrences IS NOT NULL FROM stored_object ORDER BY uid').fetchall()
            version = db.execute_sql('SELECT version FROM schema_version').fetchall()
            print(sorted((uid, bool(has)) for uid, has in rows), version)
        """,
        )
        # The zoned series gets its list; the all-day event stays with the engine (calendar zone).
        assert listed == (
            f"[('allday-upgrade', False), ('weekly-upgrade', True)] [({SCHEMA_VERSION},)]"
        )
    finally:
        database.drop()


def test_step_18_gives_runs_a_coded_failure_and_keeps_older_runs_english(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        # A run failed before step 18: English only, and no failure column yet.
        run_sql(
            database.url,
            """
            import json, time
            from resources.store.connectors import Connection, ConnectorRun
            from resources.store.database import bind
            bind(db)
            now = time.time()
            made = Connection.create(name="Old CSV", type="csv-url", target="phonebook",
                                     settings="{}", secrets="{}", created=now, modified=now)
            ConnectorRun.create(connection=made.id, state="failed", queued=now, finished=now,
                                message="The source's server stopped sending (timeout).",
                                errors=json.dumps([{"line": 2, "message": "An old row."}]))
            db.execute_sql('ALTER TABLE connector_run DROP COLUMN failure')
            db.execute_sql('UPDATE schema_version SET version = 11')
        """,
        )
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        shown = run_sql(
            database.url,
            """
            from resources.connectors.connection_reading import run_view
            from resources.store.connectors import ConnectorRun
            from resources.store.database import bind
            bind(db)
            view = run_view(ConnectorRun.get())
            version = db.execute_sql('SELECT version FROM schema_version').fetchall()
            print(view["message"], view["code"], view["errors"], version)
        """,
        )
        assert shown == (
            "The source's server stopped sending (timeout). None "
            f"[{{'line': 2, 'message': 'An old row.'}}] [({SCHEMA_VERSION},)]"
        )
    finally:
        database.drop()
