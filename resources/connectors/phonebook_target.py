"""The phonebook as a connection's target (seed 002): a run's records become the
connection's S entries; manual (M) entries and other connections' entries stay.

Applying compares each staged record with the entry of the same key by a digest of its
fields, so an unchanged entry is neither written nor published again, and a run that
changes nothing moves no sync token. It works in batches with bulk writes: a run of
100,000 rows is a few hundred statements, not a few hundred thousand.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import cast

from resources.company_directory import phonebook
from resources.company_directory.directory import check_text_fields
from resources.connectors.audience_publishing import AudienceWriter
from resources.connectors.run_queue import RunCounts
from resources.error_codes import Sentence, sentence
from resources.errors import InvalidProperty
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import insert_rows
from resources.store.directory import PhonebookEntry

FIELDS = phonebook.ENTRY_FIELDS
PHONE_FIELDS = ("phone_work", "phone_mobile", "phone_home")
NAME_FIELDS = ("first_name", "last_name", "company")
BATCH = 500
ENTRY_COLUMNS = ("source", "origin", "external_id", "uid", "created", "modified", *FIELDS)


def _digest(values: Mapping[str, str]) -> str:
    canonical = "\x1f".join(values.get(name, "") for name in FIELDS)
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def origin_of(connection: Connection) -> str:
    return str(connection.name)


def _staged_batches(run_id: int) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """The run's staged records in batches, by keyset (never all of them at once)."""
    last_id = 0
    while True:
        rows = cast(
            "list[tuple[int, str, str]]",  # .tuples() rows
            list(
                StagedRecord.select(StagedRecord.id, StagedRecord.key, StagedRecord.values)
                .where((StagedRecord.run == run_id) & (StagedRecord.id > last_id))
                .order_by(StagedRecord.id)
                .limit(BATCH)
                .tuples()
            ),
        )
        if not rows:
            return
        last_id = rows[-1][0]
        yield [(key, json.loads(encoded)) for _id, key, encoded in rows]


class PhonebookTarget:
    key = "phonebook"
    fields = FIELDS
    mandatory = ("last_name", "phone_work")

    def record_problem(self, values: Mapping[str, str]) -> Sentence | None:
        if not any(values.get(name) for name in PHONE_FIELDS):
            return sentence("record_no_phone")
        if not any(values.get(name) for name in NAME_FIELDS):
            return sentence("record_no_name")
        try:
            check_text_fields(PhonebookEntry, dict(values))
        except InvalidProperty as error:
            if error.sentence is None:  # every refusal of the domain has a code
                raise
            return error.sentence
        return None

    def _current(self, origin: str) -> dict[str, tuple[int, str]]:
        """key -> (entry id, digest) of the source's entries now."""
        columns = [PhonebookEntry.id, PhonebookEntry.external_id] + [
            getattr(PhonebookEntry, name) for name in FIELDS
        ]
        current: dict[str, tuple[int, str]] = {}
        synced = (PhonebookEntry.source == "S") & (PhonebookEntry.origin == origin)
        for row in PhonebookEntry.select(*columns).where(synced).tuples().iterator():
            entry_id, external_id, *values = row
            current[external_id] = (entry_id, _digest(dict(zip(FIELDS, values, strict=True))))
        return current

    def apply(self, connection: Connection, run_id: int) -> RunCounts:
        origin = origin_of(connection)
        current = self._current(origin)
        added = updated = unchanged = 0
        now = time.time()
        books = AudienceWriter(origin)
        for batch in _staged_batches(run_id):
            created: list[PhonebookEntry] = []
            changed: list[PhonebookEntry] = []
            for key, staged in batch:
                values = {name: staged.get(name, "") for name in FIELDS}
                known = current.pop(key, None)
                if known is None:
                    created.append(
                        PhonebookEntry(
                            source="S",
                            origin=origin,
                            external_id=key,
                            uid=str(uuid.uuid4()),
                            created=now,
                            modified=now,
                            **values,
                        )
                    )
                elif known[1] != _digest(values):
                    PhonebookEntry.update(modified=now, **values).where(
                        PhonebookEntry.id == known[0]
                    ).execute()
                    changed.append(PhonebookEntry.get_by_id(known[0]))
                else:
                    unchanged += 1
            if created:
                insert_rows(
                    PhonebookEntry,
                    ENTRY_COLUMNS,
                    [tuple(entry.__data__[name] for name in ENTRY_COLUMNS) for entry in created],
                )
            added += len(created)
            updated += len(changed)
            books.batch(created, changed, [])
        removed_ids = [entry_id for entry_id, _digest_value in current.values()]
        for start in range(0, len(removed_ids), BATCH):
            chunk = removed_ids[start : start + BATCH]
            gone = list(PhonebookEntry.select().where(PhonebookEntry.id.in_(chunk)))
            books.batch([], [], gone)
            PhonebookEntry.delete().where(PhonebookEntry.id.in_(chunk)).execute()
        books.finish()
        return RunCounts(
            added=added, updated=updated, removed=len(removed_ids), unchanged=unchanged
        )


PHONEBOOK_TARGET = PhonebookTarget()
