"""The phonebook as a connection's target (seed 002): a run's records become the
connection's S entries; manual (M) entries and other connections' entries stay.

Applying compares each staged record with the entry of the same key by a digest of its
fields, so an unchanged entry is neither written nor published again, and a run that
changes nothing moves no sync token.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping

from resources.company_directory import phonebook
from resources.company_directory.directory import check_text_fields
from resources.connectors.run_queue import RunCounts
from resources.errors import InvalidProperty
from resources.objects import address_books
from resources.store.connectors import Connection, StagedRecord
from resources.store.directory import PhonebookEntry

FIELDS = phonebook.ENTRY_FIELDS
PHONE_FIELDS = ("phone_work", "phone_mobile", "phone_home")
NAME_FIELDS = ("first_name", "last_name", "company")
BATCH = 500


def _digest(values: Mapping[str, str]) -> str:
    canonical = "\x1f".join(values.get(name, "") for name in FIELDS)
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def origin_of(connection: Connection) -> str:
    return str(connection.name)


class PhonebookTarget:
    key = "phonebook"
    fields = FIELDS
    mandatory = ("last_name", "phone_work")

    def record_problem(self, values: Mapping[str, str]) -> str | None:
        if not any(values.get(name) for name in PHONE_FIELDS):
            return "The record has no phone number."
        if not any(values.get(name) for name in NAME_FIELDS):
            return "The record has neither a name nor a company."
        try:
            check_text_fields(PhonebookEntry, dict(values))
        except InvalidProperty as error:
            return error.message
        return None

    def apply(self, connection: Connection, run_id: int) -> RunCounts:
        origin = origin_of(connection)
        synced = (PhonebookEntry.source == "S") & (PhonebookEntry.origin == origin)
        current: dict[str, tuple[int, str]] = {}
        columns = [PhonebookEntry.id, PhonebookEntry.external_id] + [
            getattr(PhonebookEntry, name) for name in FIELDS
        ]
        for row in PhonebookEntry.select(*columns).where(synced).tuples().iterator():
            entry_id, external_id, *values = row
            current[external_id] = (entry_id, _digest(dict(zip(FIELDS, values, strict=True))))
        added = updated = unchanged = 0
        now = time.time()
        last_id = 0
        while True:
            batch = list(
                StagedRecord.select(StagedRecord.id, StagedRecord.key, StagedRecord.values)
                .where((StagedRecord.run == run_id) & (StagedRecord.id > last_id))
                .order_by(StagedRecord.id)
                .limit(BATCH)
                .tuples()
            )
            if not batch:
                break
            last_id = batch[-1][0]
            for _staged_id, key, encoded in batch:
                values = {name: json.loads(encoded).get(name, "") for name in FIELDS}
                known = current.pop(key, None)
                if known is None:
                    entry = PhonebookEntry.create(
                        source="S",
                        origin=origin,
                        external_id=key,
                        uid=str(uuid.uuid4()),
                        created=now,
                        modified=now,
                        **values,
                    )
                    added += 1
                elif known[1] != _digest(values):
                    PhonebookEntry.update(modified=now, **values).where(
                        PhonebookEntry.id == known[0]
                    ).execute()
                    entry = PhonebookEntry.get_by_id(known[0])
                    updated += 1
                else:
                    unchanged += 1
                    continue
                phonebook.publish_entry(entry)
        removed = 0
        for entry_id, _digest_value in current.values():
            entry = PhonebookEntry.get_by_id(entry_id)
            address_books.publish(phonebook.entry_name(entry), None, entry.uid, "")
            entry.delete_instance()
            removed += 1
        return RunCounts(added=added, updated=updated, removed=removed, unchanged=unchanged)


PHONEBOOK_TARGET = PhonebookTarget()
