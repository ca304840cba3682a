"""Importing a .vcf file of many vCards into a personal address book: each vCard
checked as a PUT would check it, stored in batches, and what was skipped reported
with the line of the file and why."""

from __future__ import annotations

import io
from typing import BinaryIO

from resources.errors import DomainError, ReadOnlyCollection
from resources.formats.calendar_data import CalendarObjectFacts
from resources.formats.content_lines import with_crlf_line_endings
from resources.formats.import_file import index_vcards, vcard_part
from resources.formats.vcard_data import parse_vcard
from resources.objects import card_index
from resources.objects.calendar_collections import ADDRESSBOOK
from resources.objects.calendar_import import (
    ImportReport,
    Prepared,
    Progress,
    Steps,
    batch_full,
    object_name,
    run_steps,
    store_batch,
)
from resources.objects.stored_objects import VCARD, VCARD_CONTENT_TYPE
from resources.store.models import Collection


def import_vcards(
    book: Collection,
    source: BinaryIO | bytes,
    *,
    max_size: int,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every vCard of `source` into `book`; see `importing_vcards`."""
    return run_steps(importing_vcards(book, source, max_size=max_size), progress)


def importing_vcards(book: Collection, source: BinaryIO | bytes, *, max_size: int) -> Steps:
    """Import every vCard of `source` into `book` (read twice, never whole). A vCard
    without UID gets one derived from its content; one whose UID the book holds is
    skipped. Batches are transactions, as for calendars: whole vCards only, and a
    second run imports what a stopped one left out. Yields (done, total) per vCard."""
    if book.kind != ADDRESSBOOK:
        raise ReadOnlyCollection(code="vcard_import_personal_only")
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    blocks, problems = index_vcards(source)
    report = ImportReport(total=len(blocks))
    for problem in problems:
        report.skip(problem.line, None, problem.message, problem.sentence)
    batch: list[Prepared] = []
    for position, block in enumerate(blocks, start=1):
        card = vcard_part(source, block)
        body = card.part.body()
        try:
            facts = parse_vcard(body, max_size=max_size)
        except DomainError as exc:
            reason = card.part.in_file_lines(exc.message)
            # the coded sentence only where no line number of it was rewritten
            coded = exc.sentence if reason == exc.message else None
            report.skip(block.first_line, block.uid, reason, coded)
        else:
            uid = facts.uid or card.uid
            report.uids_given += card.uid_made
            indexed = CalendarObjectFacts(uid, VCARD, facts.formatted_name, None, None, False)
            stored = with_crlf_line_endings(body)
            batch.append(Prepared(object_name(uid, ".vcf"), stored, indexed, block.first_line))
        if batch_full(batch) or position == report.total:
            _store(book, batch, report)
            batch = []
        yield position, report.total
    return report


def _store(book: Collection, batch: list[Prepared], report: ImportReport) -> None:
    store_batch(
        book.id,
        batch,
        report,
        None,
        content_type=VCARD_CONTENT_TYPE,
        held="The address book already holds a vCard with this UID.",
    )
    card_index.index_stored(book.id, [prepared.name for prepared in batch])
