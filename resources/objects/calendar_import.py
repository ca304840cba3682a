"""Importing a whole-calendar .ics file into one calendar: split by UID, validate
each object, store them in batches, and report what was skipped, with the line of
the file and why."""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from resources.auth import audit
from resources.error_codes import Sentence
from resources.errors import DomainError
from resources.formats.calendar_data import CalendarObjectFacts, parse_calendar_object
from resources.formats.content_lines import with_crlf_line_endings
from resources.formats.import_file import Block, CalendarIndex, calendar_part, index_calendar
from resources.objects import change_log
from resources.objects.stored_objects import (
    CALENDAR_CONTENT_TYPE,
    check_recurrence_size,
    compute_etag,
)
from resources.store.database import write_transaction
from resources.store.external_calendars import enqueue_pushes
from resources.store.models import SPAN_MAX, SPAN_MIN, Change, Collection, StoredObject

BATCH_SIZE = 500
BATCH_BYTES = 1024 * 1024  # a batch of large objects is stored sooner (PostgreSQL
# drivers write a bytea parameter out as hex text: twice its size, while it is sent)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,200}$")
Progress = Callable[[int, int], None]
Steps = Generator[tuple[int, int], None, "ImportReport"]  # (done, total) after each object


@dataclass(frozen=True)
class SkippedObject:
    line: int  # the line of the file where the skipped object (or the problem) starts
    uid: str | None
    reason: str  # in English, with the file's line numbers
    sentence: Sentence | None = None  # the reason by code, where no line was rewritten


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[SkippedObject] = field(default_factory=list)
    uids_given: int = 0  # objects that had no UID and got one derived from their content
    total: int = 0  # objects found in the file

    def skip(
        self, line: int, uid: str | None, reason: str, sentence: Sentence | None = None
    ) -> None:
        self.skipped.append(SkippedObject(line, uid, reason, sentence))

    def in_file_order(self) -> list[SkippedObject]:
        return sorted(self.skipped, key=lambda skipped: skipped.line)


@dataclass(frozen=True)
class Prepared:
    """An object checked and ready to store, and where it starts in the file."""

    name: str
    body: bytes
    facts: CalendarObjectFacts
    line: int


def object_name(uid: str, suffix: str = ".ics") -> str:
    """A stable, URL-safe member name for a UID."""
    if _SAFE_NAME.match(uid):
        return f"{uid}{suffix}"
    return hashlib.sha1(uid.encode("utf-8")).hexdigest() + suffix


def import_calendar(
    collection: Collection,
    source: BinaryIO | bytes,
    *,
    max_size: int,
    progress: Progress | None = None,
    branch_id: int | None = None,
    max_instances: int | None = None,
) -> ImportReport:
    """Import every object of the .ics file `source`; see `importing_calendar`."""
    steps = importing_calendar(
        collection, source, max_size=max_size, branch_id=branch_id, max_instances=max_instances
    )
    return run_steps(steps, progress)


def run_steps(steps: Steps, progress: Progress | None = None) -> ImportReport:
    """Run an import to its end, telling `progress` after each object."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as finished:
            report: ImportReport = finished.value
            return report
        if progress:
            progress(done, total)


def importing_calendar(
    collection: Collection,
    source: BinaryIO | bytes,
    *,
    max_size: int,
    branch_id: int | None = None,
    max_instances: int | None = None,
) -> Steps:
    """Import every object of the .ics file `source` (read twice, never whole: a pass to
    find the objects, then each object on its own), yielding (done, total) after each
    object. Skipped, with the file's line and the reason: what cannot be read, objects
    whose UID the calendar holds, recurrences above max-instances. An object without
    UID gets one derived from its content.

    Each batch of objects is one transaction, each object a whole revision as if PUT:
    an import that stops halfway leaves whole objects only, and running it again
    imports what is missing (the rest is skipped as already held). No transaction is
    open while this yields. New objects are assigned to `branch_id`, as if the login
    had PUT them."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    index = index_calendar(source)
    report = ImportReport(total=len(index.groups))
    for problem in index.problems:
        report.skip(problem.line, None, problem.message, problem.sentence)
    allowed = frozenset(collection.components.split(","))
    batch: list[Prepared] = []
    for position, blocks in enumerate(index.groups.values(), start=1):
        prepared = _prepare(source, index, blocks, allowed, max_size, max_instances, report)
        if prepared is not None:
            batch.append(prepared)
        if batch_full(batch) or position == report.total:
            store_batch(collection.id, batch, report, branch_id)
            batch = []
        yield position, report.total
    return report


def batch_full(batch: list[Prepared]) -> bool:
    """Store now: the batch has BATCH_SIZE objects or BATCH_BYTES of them in memory."""
    return len(batch) >= BATCH_SIZE or sum(len(p.body) for p in batch) >= BATCH_BYTES


def record_import(actor: str, action: str, target: str, report: ImportReport) -> None:
    """The audit entry of an import: who, into what, how many objects, how many skipped."""
    details = f"imported={report.imported} skipped={len(report.skipped)} of={report.total}"
    if report.uids_given:
        details += f" uids_given={report.uids_given}"
    with write_transaction():
        audit.record(actor, action, target, details)


def _prepare(
    source: BinaryIO,
    index: CalendarIndex,
    blocks: list[Block],
    allowed: frozenset[str],
    max_size: int,
    max_instances: int | None,
    report: ImportReport,
) -> Prepared | None:
    """One UID's object, checked as a PUT would check it; None (and a skip) if refused."""
    first = blocks[0]
    broken = next((block for block in blocks if block.problem), None)
    if broken is not None:
        report.skip(broken.first_line, broken.uid, f"Line {broken.first_line}: {broken.problem}")
        return None
    part = calendar_part(source, index, blocks)
    try:
        calendar, facts = parse_calendar_object(
            part.body(), allowed_components=allowed, max_size=max_size
        )
        check_recurrence_size(calendar, max_instances)
    except DomainError as exc:
        reason = part.in_file_lines(exc.message)
        # the coded sentence only where no line number of it was rewritten
        coded = exc.sentence if reason == exc.message else None
        report.skip(first.first_line, first.uid, reason, coded)
        return None
    if first.uid is None:
        report.uids_given += 1
    body = with_crlf_line_endings(part.body())
    return Prepared(object_name(facts.uid), body, facts, first.first_line)


def store_batch(
    collection_id: int,
    batch: list[Prepared],
    report: ImportReport,
    branch_id: int | None,
    *,
    content_type: str = CALENDAR_CONTENT_TYPE,
    held: str = "The calendar already holds an object with this UID.",
) -> None:
    """One transaction per batch: one revision per object, as if each had been PUT."""
    with write_transaction():
        collection = change_log.lock_collection(collection_id)
        uids = [prepared.facts.uid for prepared in batch]
        taken = {
            uid
            for (uid,) in cast(  # .tuples() rows: peewee's stubs still call them model instances
                "Iterable[tuple[str]]",
                StoredObject.select(StoredObject.uid)
                .where((StoredObject.collection == collection_id) & StoredObject.uid.in_(uids))
                .tuples(),
            )
        }
        names = [prepared.name for prepared in batch]
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
        seen: set[str] = set()
        objects: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for prepared in batch:
            name, body, facts = prepared.name, prepared.body, prepared.facts
            if facts.uid in taken or name in taken_names:
                report.skip(prepared.line, facts.uid, held)
                continue
            if facts.uid in seen:
                report.skip(
                    prepared.line,
                    facts.uid,
                    "The file holds this UID twice.",
                    Sentence("import_uid_twice", {}),
                )
                continue
            seen.add(facts.uid)
            revision += 1
            objects.append(
                _row(collection_id, name, body, facts, revision, now)
                | {"branch": branch_id, "content_type": content_type}
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
            if collection.external_sync:
                enqueue_pushes(collection_id, [row["name"] for row in objects])
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
