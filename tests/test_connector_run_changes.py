"""What a connector run stages and applies when most rows are as they were: a row equal
to its entry is counted unchanged without being staged, a changed row is staged and
applied, and a row changed and then changed back is an update both times."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

from resources.connectors import run_queue
from resources.connectors.csv_url import CSV_FILE
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import execute_run
from resources.connectors.uploaded_source import UploadedSource
from resources.objects.address_books import company_book
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry
from resources.store.models import StoredObject

HEADER = b"id,last_name,first_name,phone_work\n"
ROWS = 3000  # more than the reader's 64 KiB head, and several staging batches


def row(number: int, last_name: str | None = None) -> bytes:
    return f"{number},{last_name or f'Name{number}'},Vor{number},+49 30 {number}\n".encode()


@pytest.fixture
def connection(server):
    now = time.time()
    with write_transaction():
        made = Connection.create(
            name=f"Upload {uuid.uuid4().hex[:8]}",
            type="csv-file",
            target="phonebook",
            settings=json.dumps({}),
            created=now,
            modified=now,
        )
    return made


def run_with(connection: Connection, chunks):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    return execute_run(claimed, owner, CSV_FILE, {}, PHONEBOOK_TARGET, UploadedSource(chunks))


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.state, run.added, run.updated, run.removed, run.unchanged, run.skipped)


def entry(connection: Connection, key: str) -> PhonebookEntry:
    return PhonebookEntry.get(
        (PhonebookEntry.origin == connection.name) & (PhonebookEntry.external_id == key)
    )


def card(entry: PhonebookEntry) -> bytes:
    found = StoredObject.get(
        (StoredObject.collection == company_book().id)
        & (StoredObject.name == f"phonebook-{entry.uid}.vcf")
    )
    return bytes(found.body)


def test_unchanged_rows_are_counted_but_never_staged(connection):
    whole = HEADER + b"".join(row(n) for n in range(1, ROWS + 1))
    assert counts(run_with(connection, lambda: [whole])) == ("ok", ROWS, 0, 0, 0, 0)
    kept = entry(connection, "7")
    staged_meanwhile: list[int] = []

    def second_file() -> Iterator[bytes]:
        yield HEADER + row(1, "Changed") + b"".join(row(n) for n in range(2, ROWS + 1))
        # Every row above has been read and staged (or not) before the reader asks again.
        staged_meanwhile.append(StagedRecord.select().count())
        yield row(ROWS + 1)

    revision = company_book().sync_revision
    second = run_with(connection, second_file)
    assert counts(second) == ("ok", 1, 1, 0, ROWS - 1, 0)
    assert staged_meanwhile == [0]  # the one changed row waits in memory for its batch
    assert StagedRecord.select().count() == 0
    assert entry(connection, "7").modified == kept.modified
    assert entry(connection, "1").last_name == "Changed"
    assert company_book().sync_revision == revision + 1  # one revision for both cards


def test_a_row_changed_and_changed_back_is_an_update_both_times(connection):
    def file(last_name: str):
        return lambda: [HEADER + row(1, last_name) + row(2)]

    run_with(connection, file("Weber"))
    first_card = card(entry(connection, "1"))
    changed = run_with(connection, file("Weber-Lang"))
    assert counts(changed) == ("ok", 0, 1, 0, 1, 0)
    assert b"N:Weber-Lang;Vor1" in card(entry(connection, "1"))
    back = run_with(connection, file("Weber"))
    assert counts(back) == ("ok", 0, 1, 0, 1, 0)
    assert entry(connection, "1").last_name == "Weber"
    assert b"N:Weber;Vor1" in card(entry(connection, "1"))
    assert card(entry(connection, "1")).split(b"REV:")[0] == first_card.split(b"REV:")[0]
    again = run_with(connection, file("Weber"))
    assert counts(again) == ("ok", 0, 0, 0, 2, 0)


def test_an_unchanged_row_after_a_refused_one_with_its_key_still_counts(connection):
    run_with(connection, lambda: [HEADER + row(1) + row(2)])
    refused_then_kept = HEADER + b"1,,,\n" + row(1) + row(2)
    run = run_with(connection, lambda: [refused_then_kept])
    assert counts(run) == ("ok", 0, 0, 0, 2, 1)
    assert "no phone number" in json.loads(run.errors)[0]["message"]


def test_bulk_written_rows_keep_their_text_and_their_search_indexes(connection):
    """The bulk writes (COPY on PostgreSQL, trigram rows without triggers on SQLite)
    keep backslashes, quotes and separators exactly, and every search index holds the
    rows the run wrote."""
    from resources.store import card_fields
    from resources.store.database import database_proxy, is_sqlite

    odd = 'Back\\slash "Quote"; Semi, Comma'
    quoted = '"' + odd.replace('"', '""') + '"'
    whole = HEADER + f"1,{quoted},Jörg,+49 30 1\n".encode() + row(2)
    assert counts(run_with(connection, lambda: [whole])) == ("ok", 2, 0, 0, 0, 0)
    stored = entry(connection, "1")
    assert (stored.last_name, stored.first_name) == (odd, "Jörg")
    assert 'N:Back\\\\slash "Quote"\\; Semi\\, Comma;' in card(stored).decode()
    book = company_book().id
    found = card_fields.cards_with_text(book, "FN", "back\\slash")
    named = StoredObject.get(StoredObject.name == f"phonebook-{stored.uid}.vcf")
    assert found == {named.id}
    if is_sqlite():
        db = database_proxy.obj
        db.execute_sql(
            "INSERT INTO search_card_field (search_card_field) VALUES ('integrity-check')"
        )
        indexed = db.execute_sql(
            "SELECT COUNT(*) FROM search_phonebook_entry WHERE rowid IN "
            "(SELECT id FROM phonebook_entry WHERE origin = ?)",
            (connection.name,),
        ).fetchone()[0]
        assert indexed == 2
