"""Connector runs from a CSV file on a real web server into the phonebook: what a run adds,
updates and removes, what it skips with which line, and that a failed run changes nothing
(entries, cards and the company book's sync token stay as they were)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.company_directory import phonebook
from resources.connectors import run_queue
from resources.connectors.csv_url import CSV_URL
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import execute_run
from resources.objects.address_books import company_book
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry
from resources.store.models import StoredObject
from tests.source_server import SourceServer

HEADER = "id,last_name,first_name,company,phone_work,email\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture
def connection(server, files):
    now = time.time()
    with write_transaction():
        made = Connection.create(
            name=f"CSV {uuid.uuid4().hex[:8]}",
            type="csv-url",
            target="phonebook",
            settings=json.dumps({"url": files.url("/phonebook.csv")}),
            created=now,
            modified=now,
        )
    return made


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    settings = json.loads(Connection.get_by_id(connection.id).settings)
    return execute_run(claimed, owner, CSV_URL, settings, PHONEBOOK_TARGET, HttpxSourceClient())


def entries(connection: Connection) -> dict[str, tuple[str, str]]:
    return {
        entry.external_id: (entry.last_name, entry.phone_work)
        for entry in PhonebookEntry.select().where(PhonebookEntry.origin == connection.name)
    }


def revision() -> int:
    return company_book().sync_revision


def cards() -> dict[str, bytes]:
    return {
        row.name: bytes(row.body)
        for row in StoredObject.select().where(StoredObject.collection == company_book().id)
    }


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def test_a_run_adds_then_an_unchanged_run_moves_no_sync_token(connection, files):
    files.put("/phonebook.csv", csv("1,Weber,Anna,,+49 30 1,", "2,Koch,Ben,,+49 30 2,"))
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (2, 0, 0, 0, 0))
    assert entries(connection) == {"1": ("Weber", "+49 30 1"), "2": ("Koch", "+49 30 2")}
    before = revision()
    second = run_now(connection)
    assert (second.state, counts(second)) == ("ok", (0, 0, 0, 2, 0))
    assert revision() == before
    assert StagedRecord.select().count() == 0


def test_a_changed_row_updates_one_card_and_a_dropped_row_removes_it(connection, files):
    files.put("/phonebook.csv", csv("1,Weber,Anna,,+49 30 1,", "2,Koch,Ben,,+49 30 2,"))
    run_now(connection)
    before = revision()
    files.put("/phonebook.csv", csv("1,Weber-Lang,Anna,,+49 30 1,"))
    changed = run_now(connection)
    assert (changed.state, counts(changed)) == ("ok", (0, 1, 1, 0, 0))
    assert entries(connection) == {"1": ("Weber-Lang", "+49 30 1")}
    assert revision() == before + 2  # one changed card, one removed card


def test_rows_that_cannot_be_entries_are_skipped_with_their_lines(connection, files):
    files.put(
        "/phonebook.csv",
        csv(
            "1,Weber,Anna,,+49 30 1,",
            "2,Ohne,Nummer,,,",
            "3,,,,+49 30 3,",
            "1,Twice,,,+49 1,",
            "4,A,B,C,D,E,F",
        ),
    )
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (1, 0, 0, 0, 4))
    assert [error["line"] for error in json.loads(run.errors)] == [3, 4, 5, 6]
    messages = [error["message"] for error in json.loads(run.errors)]
    assert "no phone number" in messages[0]
    assert "neither a name nor a company" in messages[1]
    assert "same key '1' as line 2" in messages[2]
    assert "7 fields" in messages[3]


@pytest.mark.parametrize(
    "breakage, reason",
    [
        ({"status": 500}, "HTTP 500"),
        ({"cut_after": 200}, "before it was complete"),
        ({"username": "u", "password": "p"}, "user name or password"),
        ({"body": b"id,first_name,email\n1,A,a@example.com\n"}, "last_name, phone_work"),
    ],
)
def test_a_failed_run_changes_nothing(connection, files, breakage, reason):
    files.put("/phonebook.csv", csv("1,Weber,Anna,,+49 30 1,", "2,Koch,Ben,,+49 30 2,"))
    run_now(connection)
    manual = phonebook.create_manual({"last_name": "Manuell", "phone_work": "+49 30 9"})
    before = (entries(connection), revision(), cards())
    body = breakage.pop("body", csv(*[f"{n},Neu{n},,,+49 40 {n}," for n in range(1, 400)]))
    files.put("/phonebook.csv", body, **breakage)
    failed = run_now(connection)
    assert failed.state == "failed"
    assert reason in failed.message
    assert (entries(connection), revision(), cards()) == before
    assert PhonebookEntry.get_by_id(manual.id).last_name == "Manuell"
    assert StagedRecord.select().count() == 0
    files.put("/phonebook.csv", csv("1,Weber,Anna,,+49 30 1,"))
    recovered = run_now(connection)
    assert (recovered.state, counts(recovered)) == ("ok", (0, 0, 1, 1, 0))


def test_manual_entries_and_other_connections_are_never_touched(server, connection, files):
    files.put("/phonebook.csv", csv("1,Weber,Anna,,+49 30 1,"))
    other = Connection.create(
        name=f"Other {uuid.uuid4().hex[:8]}",
        type="csv-url",
        target="phonebook",
        settings=json.dumps({"url": files.url("/other.csv")}),
        created=time.time(),
        modified=time.time(),
    )
    files.put("/other.csv", csv("1,Fremd,,,+49 89 1,"))
    run_now(other)
    manual = phonebook.create_manual({"last_name": "Hand", "phone_work": "+49 30 7"})
    run_now(connection)
    files.put("/phonebook.csv", csv())
    emptied = run_now(connection)
    assert (emptied.state, counts(emptied)) == ("ok", (0, 0, 1, 0, 0))
    assert entries(other) == {"1": ("Fremd", "+49 89 1")}
    assert PhonebookEntry.get_by_id(manual.id).source == "M"
