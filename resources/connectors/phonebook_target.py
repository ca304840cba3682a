"""The phonebook as a connection's target (seed 002): a run's records become the
connection's S entries; manual (M) entries and other connections' entries stay.

Records are compared with the entry of the same key by a digest of their fields. The run
reads the entries' digests before it fetches (`known_digests`) and stages only the
records that differ, so a run that changes nothing writes nothing, publishes nothing and
moves no sync token; applying then touches only the changed, added and removed entries.
It works in batches with bulk reads and writes: a run of 100,000 rows is a few hundred
statements, not a few hundred thousand.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import uuid
from collections.abc import Container, Iterator, Mapping, Sequence

import peewee

from resources.company_directory import phonebook
from resources.company_directory.directory import check_text_fields
from resources.company_directory.vcard_builder import PhonebookCard
from resources.connectors.audience_publishing import AudienceWriter
from resources.connectors.run_queue import RunCounts
from resources.error_codes import Sentence, sentence
from resources.errors import InvalidProperty
from resources.formats.content_lines import FORBIDDEN_CHARACTER
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import insert_rows, select_rows, update_rows
from resources.store.directory import PhonebookEntry
from resources.store.list_indexes import search_indexed_at_end

FIELDS = phonebook.ENTRY_FIELDS
PHONE_FIELDS = ("phone_work", "phone_mobile", "phone_home")
NAME_FIELDS = ("first_name", "last_name", "company")
BATCH = 500
LIMITS = {name: PhonebookEntry._meta.fields[name].max_length for name in FIELDS}
SHORTEST_LIMIT = min(LIMITS.values())  # no value longer: every field fits
ENTRY_COLUMNS = ("source", "origin", "external_id", "uid", "created", "modified", *FIELDS)


def _digest(values: Mapping[str, str]) -> bytes:
    return _digest_of([values.get(name, "") for name in FIELDS])


def _digest_of(parts: Sequence[str]) -> bytes:
    """The digest of the FIELDS' values in their order (raw bytes: 100,000 of them are
    held while a run fetches)."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).digest()


def ordered_uid() -> str:
    """A UUID of version 7 (RFC 9562): the time in milliseconds, then random bits. The
    entries and cards a run adds then go to the end of the uid and card-name indexes
    rather than all over them, so that their pages stay few and in cache."""
    millis = time.time_ns() // 1_000_000 & (1 << 48) - 1
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (
        millis << 80
        | 0x7 << 76  # version
        | (random_bits >> 62 & 0xFFF) << 64
        | 0b10 << 62  # variant
        | random_bits & (1 << 62) - 1
    )
    return str(uuid.UUID(int=value))


def origin_of(connection: Connection) -> str:
    return str(connection.name)


def _staged_batches(run_id: int) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """The run's staged records in batches, read as they are needed (never all at once)."""
    rows = select_rows(StagedRecord, ("key", "values"), (("run", run_id),))
    while batch := list(itertools.islice(rows, BATCH)):
        yield [(key, json.loads(encoded)) for key, encoded in batch]


def _synced(origin: str) -> tuple[tuple[str, object], ...]:
    return (("source", "S"), ("origin", origin))


def _synced_where(origin: str) -> peewee.Expression:
    return (PhonebookEntry.source == "S") & (PhonebookEntry.origin == origin)


class PhonebookTarget:
    key = "phonebook"
    fields = FIELDS
    mandatory = ("last_name", "phone_work")

    def record_problem(self, values: Mapping[str, str]) -> Sentence | None:
        if not any(values.get(name) for name in PHONE_FIELDS):
            return sentence("record_no_phone")
        if not any(values.get(name) for name in NAME_FIELDS):
            return sentence("record_no_name")
        if not FORBIDDEN_CHARACTER.search(" ".join(values.values())) and (
            len(max(values.values(), key=len, default="")) <= SHORTEST_LIMIT
            or all(len(values.get(name, "")) <= limit for name, limit in LIMITS.items())
        ):
            return None  # nearly every record: the field by field check finds nothing
        try:
            check_text_fields(PhonebookEntry, dict(values))
        except InvalidProperty as error:
            if error.sentence is None:  # every refusal of the domain has a code
                raise
            return error.sentence
        return None

    def digest(self, values: Mapping[str, str]) -> bytes:
        """What a mapped record is compared by: equal digests, equal entries."""
        return _digest(values)

    def known_digests(self, connection: Connection) -> dict[str, bytes]:
        """key -> digest of the connection's entries now, for the run to stage only the
        records that differ."""
        rows = select_rows(PhonebookEntry, ("external_id", *FIELDS), _synced(origin_of(connection)))
        return {key: _digest_of(values) for key, *values in rows}

    def apply(self, connection: Connection, run_id: int) -> RunCounts:
        return self.apply_changes(connection, run_id, None)

    def apply_changes(
        self, connection: Connection, run_id: int, seen: Container[str] | None
    ) -> RunCounts:
        """Make the connection's entries the staged records; with `seen` (every key the
        source had), the staged records are only those that differed when fetched, and an
        entry whose key is seen but not staged stays as it is."""
        origin = origin_of(connection)
        books = AudienceWriter(origin)
        staged_keys: set[str] = set()
        totals = [0, 0, 0]  # added, updated, unchanged
        # Staged keys are unique: without entries before the run, no batch has any to read.
        had_entries = PhonebookEntry.select().where(_synced_where(origin)).exists()
        with search_indexed_at_end(PhonebookEntry):
            for batch in _staged_batches(run_id):
                if seen is None:
                    staged_keys.update(key for key, _values in batch)
                for index, count in enumerate(_apply_batch(origin, batch, books, had_entries)):
                    totals[index] += count
        removed = _remove_unseen(origin, staged_keys if seen is None else seen, books)
        books.finish()
        return RunCounts(added=totals[0], updated=totals[1], removed=removed, unchanged=totals[2])


def _apply_batch(
    origin: str,
    batch: list[tuple[str, dict[str, str]]],
    books: AudienceWriter,
    had_entries: bool = True,
) -> tuple[int, int, int]:
    """Write one batch of staged records and their cards; (added, updated, unchanged)."""
    existing = {
        key: (entry_id, uid, _digest_of(values))
        for entry_id, key, uid, *values in select_rows(
            PhonebookEntry,
            ("id", "external_id", "uid", *FIELDS),
            _synced(origin),
            ("external_id", [key for key, _values in batch] if had_entries else []),
        )
    }
    now = time.time()
    created: list[tuple[object, ...]] = []
    changed: list[tuple[object, ...]] = []
    cards: list[PhonebookCard] = []  # of the entries created
    changed_ids: list[int] = []
    for key, staged in batch:
        values = {name: staged.get(name, "") for name in FIELDS}
        known = existing.get(key)
        if known is not None and known[2] == _digest(values):
            continue
        uid = ordered_uid() if known is None else known[1]
        if known is None:
            created.append(("S", origin, key, uid, now, now, *values.values()))
            cards.append(PhonebookCard(uid, key, "S", now, **values))
        else:
            changed.append((now, *values.values(), known[0]))
            changed_ids.append(known[0])
    insert_rows(PhonebookEntry, ENTRY_COLUMNS, created)
    update_rows(PhonebookEntry, ("modified", *FIELDS), changed)
    # The audiences' books read a changed entry's stored match keys: the rows themselves.
    updated = list(PhonebookEntry.select().where(PhonebookEntry.id.in_(changed_ids)))
    books.batch(cards, updated, [])
    return len(created), len(changed), len(batch) - len(created) - len(changed)


def _remove_unseen(origin: str, seen: Container[str], books: AudienceWriter) -> int:
    """Remove the source's entries whose key the source no longer has, and their cards."""
    gone = [
        entry_id
        for entry_id, key in select_rows(PhonebookEntry, ("id", "external_id"), _synced(origin))
        if key not in seen
    ]
    for start in range(0, len(gone), BATCH):
        chunk = gone[start : start + BATCH]
        books.batch([], [], list(PhonebookEntry.select().where(PhonebookEntry.id.in_(chunk))))
        PhonebookEntry.delete().where(PhonebookEntry.id.in_(chunk)).execute()
    return len(gone)


PHONEBOOK_TARGET = PhonebookTarget()
