"""`davserver phonebook import FILE.csv`: a CSV export from a spreadsheet becomes one
csv-file connection's phonebook entries; importing it again changes nothing, and a
file that cannot be read changes nothing."""

from __future__ import annotations

import pytest

from tests.server_harness import FreshDatabase
from tests.test_cli import davserver
from tests.test_connector_processes import placeholder, sql

ENV = {"DAVSERVER_SECRET_KEYS": ""}


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(str(tmp_path))
    yield fresh
    fresh.drop()


def phonebook(url: str) -> list[tuple]:
    return sql(
        url,
        'SELECT source, origin, last_name, phone_work FROM "phonebook_entry" ORDER BY last_name',
    )


def test_a_spreadsheet_export_imports_once_and_again_changes_nothing(database, tmp_path):
    export = tmp_path / "Telefonliste.csv"
    export.write_bytes(
        "Last_Name;First_Name;Phone_Work;Email\r\nM\u00fcller;J\u00fcrgen;030 1234;\r\n"
        "Schulz;Eva;030 5678;eva@example.com\r\n".encode("windows-1252")
    )
    first = davserver("phonebook", "import", str(export), "--database", database.url, env=ENV)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "ok: added 2, updated 0, removed 0, unchanged 0, skipped 0"
    assert phonebook(database.url) == [
        ("S", "CSV file", "M\u00fcller", "030 1234"),
        ("S", "CSV file", "Schulz", "030 5678"),
    ]
    again = davserver("phonebook", "import", str(export), "--database", database.url, env=ENV)
    assert again.stdout.strip() == "ok: added 0, updated 0, removed 0, unchanged 2, skipped 0"
    audit = sql(
        database.url,
        'SELECT actor, action, target FROM "audit_entry" WHERE action LIKE '
        + placeholder(database.url),
        ("connection.%",),
    )
    assert audit == [("command line", "connection.create", "CSV file")]


def test_a_file_without_the_mandatory_columns_changes_nothing(database, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("last_name,phone_work\nWeber,+49 30 1\n")
    assert (
        davserver("phonebook", "import", str(good), "--database", database.url, env=ENV).returncode
        == 0
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("name,number\nKoch,+49 30 2\n")
    refused = davserver("phonebook", "import", str(bad), "--database", database.url, env=ENV)
    assert refused.returncode == 1
    assert refused.stdout.startswith("failed:")
    assert "mandatory field codes: last_name, phone_work" in refused.stdout
    assert phonebook(database.url) == [("S", "CSV file", "Weber", "+49 30 1")]


def test_a_first_file_that_fails_its_test_makes_no_connection(database, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    refused = davserver("phonebook", "import", str(empty), "--database", database.url, env=ENV)
    assert refused.returncode != 0
    assert "empty" in refused.stderr and "Traceback" not in refused.stderr
    assert sql(database.url, 'SELECT count(*) FROM "connection"') == [(0,)]


def test_a_missing_file_is_a_one_line_error(database, tmp_path):
    missing = davserver(
        "phonebook", "import", str(tmp_path / "nope.csv"), "--database", database.url, env=ENV
    )
    assert missing.returncode != 0
    assert "cannot read" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_the_example_file_of_the_readme_imports_whole(database):
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "phonebook.csv"
    done = davserver("phonebook", "import", str(example), "--database", database.url, env=ENV)
    assert done.stdout.strip() == "ok: added 4, updated 0, removed 0, unchanged 0, skipped 0"
