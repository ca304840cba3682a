"""Importing a .vcf file into the contacts directory: each vCard becomes a contact
person of the company its ORG names (a company of that name is made if there is
none), in batches of one transaction each, with one audit entry for the import."""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import peewee
import vobject

from resources.auth import audit
from resources.company_directory.directory import (
    EXPORTED_BY_DEFAULT,
    book_enabled,
    check_text_fields,
    publish_contact,
)
from resources.errors import DomainError
from resources.formats.import_file import index_vcards, vcard_part
from resources.formats.vcard_data import parse_vcard
from resources.objects.calendar_import import BATCH_SIZE, ImportReport, Progress, Steps, run_steps
from resources.store.database import write_transaction
from resources.store.directory import Company, ContactPerson

UID_MAX = 100
_ACADEMIC = ("dr", "prof", "mag", "dipl")
_UID_NAMESPACE = uuid.UUID("5e0a8c1b-7f7e-4d0e-8f53-0d8f1f1f3a2c")


@dataclass(frozen=True)
class ImportedContact:
    """What one vCard gives the directory, and where it starts in the file."""

    line: int
    uid: str
    company: str
    values: dict[str, Any]


def import_into_directory(
    source: BinaryIO | bytes,
    *,
    max_size: int,
    progress: Progress | None = None,
    actor: str = "system",
) -> ImportReport:
    """Import every vCard of `source` as a contact person; see `importing_into_directory`."""
    steps = importing_into_directory(source, max_size=max_size, actor=actor)
    return run_steps(steps, progress)


def importing_into_directory(
    source: BinaryIO | bytes, *, max_size: int, actor: str = "system"
) -> Steps:
    """Import every vCard of `source` as a contact person. Skipped, with the line of the
    file and why: what cannot be read, a vCard without ORG (every contact belongs to a
    company), a UID the directory holds, fields too long for the directory. Yields
    (done, total) per vCard; batches are transactions, none open while it yields."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    blocks, problems = index_vcards(source)
    report = ImportReport(total=len(blocks))
    for problem in problems:
        report.skip(problem.line, None, problem.message, problem.sentence)
    batch: list[ImportedContact] = []
    for position, block in enumerate(blocks, start=1):
        card = vcard_part(source, block)
        try:
            contact = _contact_of(card.part.body(), card.uid, block.first_line, max_size)
        except DomainError as exc:
            reason = card.part.in_file_lines(exc.message)
            # the coded sentence only where no line number of it was rewritten
            coded = exc.sentence if reason == exc.message else None
            report.skip(block.first_line, block.uid, reason, coded)
        else:
            report.uids_given += card.uid_made
            batch.append(contact)
        if len(batch) >= BATCH_SIZE or position == report.total:
            _store(batch, report, actor)
            batch = []
        yield position, report.total
    return report


class NoCompany(DomainError):
    """A vCard without ORG: the directory keeps contacts of companies only."""


def _contact_of(body: bytes, uid: str, line: int, max_size: int) -> ImportedContact:
    parse_vcard(body, max_size=max_size)
    card = vobject.readOne(body.decode("utf-8-sig"), validate=False)
    organisation = _values(card, "org")
    company = (organisation[0] if organisation else "").strip()
    if not company:
        raise NoCompany(code="vcard_without_company")
    first, last, prefix = _name(card)
    academic = prefix.lower().startswith(_ACADEMIC)
    values: dict[str, Any] = dict(
        first_name=first,
        last_name=last,
        salutation="" if academic else prefix,
        title=prefix if academic else "",
        position=_text(card, "title") or _text(card, "role"),
        department=organisation[1].strip() if len(organisation) > 1 else "",
        emails="\n".join(str(e.value).strip() for e in card.contents.get("email", [])),
        **_phones(card),
    )
    check_text_fields(ContactPerson, values)
    if len(uid) > UID_MAX:
        uid = str(uuid.uuid5(_UID_NAMESPACE, uid))
    return ImportedContact(line, uid, company[:200], values)


def _values(card: Any, name: str) -> list[str]:
    found = card.contents.get(name)
    if not found:
        return []
    value = found[0].value
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _text(card: Any, name: str) -> str:
    values = _values(card, name)
    return values[0].strip() if values else ""


def _name(card: Any) -> tuple[str, str, str]:
    """(first name, last name, prefix) from N, else from FN split at its last space."""
    names = card.contents.get("n")
    if names and not isinstance(names[0].value, str):
        n = names[0].value
        return _joined(n.given), _joined(n.family), _joined(n.prefix)
    formatted = _text(card, "fn")
    first, _, last = formatted.rpartition(" ")
    return first, last, ""


def _joined(value: Any) -> str:
    return " ".join(value).strip() if isinstance(value, list) else str(value or "").strip()


def _phones(card: Any) -> dict[str, str]:
    """The first work, mobile and fax number (a number without type counts as work)."""
    phones = {"phone_work": "", "phone_mobile": "", "phone_fax": ""}
    for tel in card.contents.get("tel", []):
        types = {t.upper() for t in tel.params.get("TYPE", []) for t in t.split(",")}
        field = (
            "phone_fax" if "FAX" in types else "phone_mobile" if "CELL" in types else "phone_work"
        )
        if not phones[field]:
            phones[field] = str(tel.value).strip()
    return phones


def _store(batch: list[ImportedContact], report: ImportReport, actor: str) -> None:
    """One transaction for the batch; companies found by name, case ignored."""
    with write_transaction():
        uids = [contact.uid for contact in batch]
        rows = ContactPerson.select(ContactPerson.uid).where(ContactPerson.uid.in_(uids)).tuples()
        taken = {uid for (uid,) in cast("list[tuple[str]]", list(rows))}  # .tuples() rows
        companies: dict[str, Company] = {}
        exporting = book_enabled()
        now = time.time()
        for contact in batch:
            if contact.uid in taken:
                report.skip(
                    contact.line,
                    contact.uid,
                    "The directory already holds a contact with this UID.",
                )
                continue
            taken.add(contact.uid)
            company = companies.get(contact.company.lower()) or _company(
                contact.company, now, actor
            )
            companies[contact.company.lower()] = company
            created = ContactPerson.create(
                company=company.id,
                uid=contact.uid,
                created=now,
                modified=now,
                active=True,
                export_carddav=exporting and company.category in EXPORTED_BY_DEFAULT,
                **contact.values,
            )
            publish_contact(created.id)
            report.imported += 1


def _company(name: str, now: float, actor: str) -> Company:
    found: Company | None = (
        Company.select()
        .where(peewee.fn.LOWER(Company.name) == name.lower())
        .order_by(Company.id)
        .first()
    )
    if found is not None:
        return found
    company = Company.create(name=name, category="other", created=now, modified=now)
    audit.record(actor, "company.create", company.name, "made by a contacts import")
    return company
