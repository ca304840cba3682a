"""Importing a whole-calendar .ics file into one calendar: split by UID, validate
each object, store them in batches, and report what was skipped and why."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from resources.errors import DomainError
from resources.formats.calendar_data import (
    CalendarObjectFacts,
    parse_calendar_object,
    split_calendar,
)
from resources.objects import change_log
from resources.objects.stored_objects import (
    CALENDAR_CONTENT_TYPE,
    check_recurrence_size,
    compute_etag,
)
from resources.store.database import write_transaction
from resources.store.models import SPAN_MAX, SPAN_MIN, Change, Collection, StoredObject

BATCH_SIZE = 500
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,200}$")


@dataclass
class SkippedObject:
    position: int  # 1-based position of the object in the file
    uid: str | None
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[SkippedObject] = field(default_factory=list)


def object_name(uid: str) -> str:
    """A stable, URL-safe member name for a UID."""
    if _SAFE_NAME.match(uid):
        return f"{uid}.ics"
    return hashlib.sha1(uid.encode("utf-8")).hexdigest() + ".ics"


def import_calendar(
    collection: Collection,
    body: bytes,
    *,
    max_size: int,
    progress: Callable[[int, int], None] | None = None,
    branch_id: int | None = None,
    max_instances: int | None = None,
) -> ImportReport:
    """Import every object of `body`; objects whose UID the calendar holds, or whose
    recurrence exceeds max-instances, are skipped.

    New objects are assigned to `branch_id`, as if the login had PUT them."""
    parts = split_calendar(body)
    report = ImportReport()
    allowed = frozenset(collection.components.split(","))
    batch: list[tuple[str, bytes, CalendarObjectFacts]] = []
    seen: set[str] = set()
    for position, part in enumerate(parts, start=1):
        try:
            calendar, facts = parse_calendar_object(
                part, allowed_components=allowed, max_size=max_size
            )
        except DomainError as exc:
            report.skipped.append(SkippedObject(position, None, exc.message))
            continue
        try:
            check_recurrence_size(calendar, max_instances)
        except DomainError as exc:
            report.skipped.append(SkippedObject(position, facts.uid, exc.message))
            continue
        if facts.uid in seen:
            report.skipped.append(
                SkippedObject(position, facts.uid, "The file holds this UID twice.")
            )
            continue
        seen.add(facts.uid)
        batch.append((object_name(facts.uid), part, facts))
        if len(batch) >= BATCH_SIZE:
            _store_batch(collection.id, batch, report, branch_id)
            batch = []
        if progress:
            progress(position, len(parts))
    if batch:
        _store_batch(collection.id, batch, report, branch_id)
    if progress:
        progress(len(parts), len(parts))
    return report


def _store_batch(
    collection_id: int,
    batch: list[tuple[str, bytes, CalendarObjectFacts]],
    report: ImportReport,
    branch_id: int | None,
) -> None:
    """One transaction per batch: one revision per object, as if each had been PUT."""
    with write_transaction():
        collection = change_log.lock_collection(collection_id)
        uids = [facts.uid for _name, _body, facts in batch]
        taken = {
            uid
            for (uid,) in cast(  # .tuples() rows: peewee's stubs still call them model instances
                "Iterable[tuple[str]]",
                StoredObject.select(StoredObject.uid)
                .where((StoredObject.collection == collection_id) & StoredObject.uid.in_(uids))
                .tuples(),
            )
        }
        names = [name for name, _body, _facts in batch]
        taken_names = {
            name
            for (name,) in cast(  # .tuples() rows
                "Iterable[tuple[str]]",
                StoredObject.select(StoredObject.name)
                .where((StoredObject.collection == collection_id) & StoredObject.name.in_(names))
                .tuples(),
            )
        }
        now = time.time()
        revision = collection.sync_revision
        objects, changes = [], []
        for name, body, facts in batch:
            if facts.uid in taken or name in taken_names:
                report.skipped.append(
                    SkippedObject(
                        0, facts.uid, "The calendar already holds an object with this UID."
                    )
                )
                continue
            revision += 1
            objects.append(
                _row(collection_id, name, body, facts, revision, now) | {"branch": branch_id}
            )
            changes.append(
                dict(
                    collection=collection_id,
                    revision=revision,
                    name=name,
                    deleted=False,
                    changed=now,
                )
            )
        if objects:
            StoredObject.insert_many(objects).execute()
            Change.insert_many(changes).execute()
            Collection.update(sync_revision=revision, modified=now).where(
                Collection.id == collection_id
            ).execute()
        report.imported += len(objects)


def _row(
    collection_id: int,
    name: str,
    body: bytes,
    facts: CalendarObjectFacts,
    revision: int,
    now: float,
) -> dict[str, Any]:
    return dict(
        collection=collection_id,
        name=name,
        content_type=CALENDAR_CONTENT_TYPE,
        body=body,
        etag=compute_etag(body),
        size=len(body),
        uid=facts.uid,
        component=facts.component,
        summary=facts.summary,
        first_start=SPAN_MIN if facts.first_start is None else int(facts.first_start.timestamp()),
        last_end=SPAN_MAX if facts.last_end is None else int(facts.last_end.timestamp()),
        occurrences=facts.occurrences,
        revision=revision,
        created=now,
        modified=now,
    )
