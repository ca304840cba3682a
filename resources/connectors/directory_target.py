"""The company directory as a connection's target (seed 000 fed as seed 004 says): each
record is a contact person of the company it names; the company is found by name (case
ignored) or made, with its fields from the record, the mapping or the connection's
defaults. The run's persons and the companies it made become the connection's; every
other company and person (hand-made, or another connection's) is never changed.

Rules, as for the phonebook (resources/connectors/phonebook_target.py): the executor
applies inside one transaction; a person whose record has the digest of the last run is
neither written nor published, so an unchanged run moves no sync token; persons the
source dropped are removed, and then the companies the connection made that no person is
left in. A company the connection made takes its fields from the first record that names
it; when they change, every person of it (hand-made ones too) gets its card again.
A new person's "export via CardDAV" switch is on when the company book is on and the
company is an active customer or supplier (as for a contact made by hand); a changed
person follows its company's category until an administrator switched it by hand.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from peewee import fn

from resources.company_directory.directory import (
    EXPORTED_BY_DEFAULT,
    book_enabled,
    contact_name,
)
from resources.company_directory.vcard_builder import contact_vcard
from resources.connectors import directory_records as records
from resources.connectors.run_queue import RunCounts
from resources.error_codes import Sentence
from resources.objects import address_books
from resources.organisation.installation import installation_language
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import insert_rows
from resources.store.directory import Company, ContactPerson
from resources.store.synced_directory import SyncedCompany, SyncedContact

BATCH = 500


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


@dataclass(frozen=True)
class Link:
    contact_id: int
    company_id: int
    digest: str


def publish_cards(changes: list[address_books.CardChange]) -> None:
    """The one place a run writes the company book: the directory's persons are cards
    every login's company book carries (inside the run's transaction)."""
    address_books.publish_batch(changes)


def exported_by_default(company: Company) -> bool:
    return bool(company.active) and company.category in EXPORTED_BY_DEFAULT


@dataclass
class DirectoryRun:
    """One run's apply: what the connection has now, and what the run did to it."""

    connection_id: int
    now: float = field(default_factory=time.time)
    exporting: bool = field(default_factory=book_enabled)
    language: str = field(default_factory=installation_language)
    links: dict[str, Link] = field(default_factory=dict)  # external id -> link
    by_name: dict[str, int] = field(default_factory=dict)  # lower-case name -> company id
    own: set[int] = field(default_factory=set)  # companies the connection made
    loaded: dict[int, Company] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # names this run resolved
    changed_companies: set[int] = field(default_factory=set)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    def load(self) -> None:
        links = (
            SyncedContact.select(
                SyncedContact.external_id,
                SyncedContact.contact,
                ContactPerson.company,
                SyncedContact.digest,
            )
            .join(ContactPerson)
            .where(SyncedContact.connection == self.connection_id)
            .tuples()
        )
        for key, contact_id, company_id, digest in cast(
            "list[tuple[str, int, int, str]]", list(links.iterator())
        ):
            self.links[key] = Link(contact_id, company_id, digest)
        names = Company.select(Company.id, Company.name).order_by(Company.id.desc()).tuples()
        for company_id, name in cast("list[tuple[int, str]]", list(names.iterator())):
            self.by_name[name.lower()] = company_id  # the oldest of namesakes wins
        own = SyncedCompany.select(SyncedCompany.company).where(
            SyncedCompany.connection == self.connection_id
        )
        self.own = {row.company_id for row in own}
        made = Company.select().join(SyncedCompany, on=(SyncedCompany.company == Company.id))
        for company in made.where(SyncedCompany.connection == self.connection_id):
            self.loaded[company.id] = company

    def company(self, company_id: int) -> Company:
        found = self.loaded.get(company_id)
        if found is None:
            found = self.loaded[company_id] = Company.get_by_id(company_id)
        return found

    def resolve(self, values: Mapping[str, str]) -> int:
        """The company the record names (make_companies made the missing ones); the
        connection's own one takes the first record's fields of this run."""
        wanted = records.company_values(values)
        name = wanted["name"].lower()
        if name in self.seen:
            return self.seen[name]
        company_id = self.by_name[name]  # made by make_companies when it was missing
        if company_id in self.own:
            current = self.company(company_id)
            if any(getattr(current, column) != value for column, value in wanted.items()):
                Company.update(modified=self.now, **wanted).where(
                    Company.id == company_id
                ).execute()
                self.loaded[company_id] = Company.get_by_id(company_id)
                self.changed_companies.add(company_id)
        self.seen[name] = company_id
        return company_id

    def make_companies(self, staged: list[tuple[str, dict[str, str]]]) -> None:
        """Make the companies a batch names that do not exist yet, in bulk, each with the
        fields of the first record naming it."""
        missing: dict[str, dict[str, object]] = {}
        for _key, values in staged:
            wanted = records.company_values(values)
            name = wanted["name"].lower()
            if name not in self.by_name and name not in missing:
                missing[name] = dict(wanted, active=True, created=self.now, modified=self.now)
        if not missing:
            return
        rows = list(missing.values())
        columns = tuple(rows[0])
        insert_rows(Company, columns, [tuple(row[c] for c in columns) for row in rows])
        names = [str(row["name"]) for row in rows]
        made = cast(
            "list[tuple[int, str]]",  # .tuples() rows
            list(Company.select(Company.id, Company.name).where(Company.name.in_(names)).tuples()),
        )
        id_of = {name.lower(): company_id for company_id, name in made}
        for name, row in missing.items():
            company_id = self.by_name[name] = id_of[name]
            self.own.add(company_id)
            self.loaded[company_id] = Company(id=company_id, **row)
        insert_rows(
            SyncedCompany,
            ("connection", "company"),
            [(self.connection_id, id_of[name]) for name in missing],
        )

    def batch(self, staged: list[tuple[str, dict[str, str]]]) -> None:
        self.make_companies(staged)
        created: list[tuple[str, str, dict[str, object]]] = []  # key, digest, row
        changed: list[int] = []
        for key, values in staged:
            company_id = self.resolve(values)
            digest = records.digest(values)
            known = self.links.pop(key, None)
            person = records.person_values(values)
            if known is None:
                default = self.exporting and exported_by_default(self.company(company_id))
                row = dict(
                    person,
                    company=company_id,
                    uid=str(uuid.uuid4()),
                    active=True,
                    export_carddav=default,
                    export_chosen=False,
                    created=self.now,
                    modified=self.now,
                )
                created.append((key, digest, row))
            elif known.digest != digest or known.company_id != company_id:
                self._update(known, company_id, person, digest)
                changed.append(known.contact_id)
            else:
                self.unchanged += 1
        ids = self._insert(created)
        self.added += len(created)
        self.updated += len(changed)
        self.publish(ids + changed)

    def _update(self, known: Link, company_id: int, person: dict[str, str], digest: str) -> None:
        columns: dict[str, object] = dict(person, company=company_id, modified=self.now)
        ContactPerson.update(**columns).where(ContactPerson.id == known.contact_id).execute()
        if self.exporting:  # a person nobody switched by hand follows its company
            ContactPerson.update(
                export_carddav=exported_by_default(self.company(company_id))
            ).where((ContactPerson.id == known.contact_id) & ~ContactPerson.export_chosen).execute()
        SyncedContact.update(digest=digest).where(
            SyncedContact.contact == known.contact_id
        ).execute()

    def _insert(self, created: list[tuple[str, str, dict[str, object]]]) -> list[int]:
        """Bulk-insert new persons and their links; their ids."""
        if not created:
            return []
        columns = tuple(created[0][2])
        insert_rows(ContactPerson, columns, [tuple(row[c] for c in columns) for *_, row in created])
        uids = [str(row["uid"]) for *_, row in created]
        found = cast(
            "list[tuple[str, int]]",
            list(
                ContactPerson.select(ContactPerson.uid, ContactPerson.id)
                .where(ContactPerson.uid.in_(uids))
                .tuples()
            ),
        )
        id_of = dict(found)
        insert_rows(
            SyncedContact,
            ("connection", "contact", "external_id", "digest"),
            [
                (self.connection_id, id_of[str(row["uid"])], key, digest)
                for key, digest, row in created
            ],
        )
        return [id_of[uid] for uid in uids]

    def publish(self, contact_ids: list[int]) -> None:
        """The company book's cards of these persons, as the directory's rules say."""
        changes = []
        for start in range(0, len(contact_ids), BATCH):
            chunk = contact_ids[start : start + BATCH]
            for contact in ContactPerson.select().where(ContactPerson.id.in_(chunk)):
                company = self.company(contact.company_id)
                exported = (
                    self.exporting and contact.active and company.active and contact.export_carddav
                )
                vcard = contact_vcard(contact, company, self.language) if exported else None
                changes.append(
                    address_books.CardChange(
                        contact_name(contact),
                        vcard,
                        contact.uid,
                        f"{contact.first_name} {contact.last_name}",
                    )
                )
        publish_cards(changes)

    def finish(self) -> None:
        """Republish the persons of companies whose fields changed; remove the persons the
        source dropped, then the connection's companies no person is left in."""
        changed = sorted(self.changed_companies)
        if self.exporting:
            for company_id in changed:
                self._follow_category(company_id)
        for start in range(0, len(changed), BATCH):
            members = ContactPerson.select(ContactPerson.id).where(
                ContactPerson.company.in_(changed[start : start + BATCH])
            )
            self.publish([row.id for row in members])
        self._remove_dropped([link.contact_id for link in self.links.values()])
        has_person = ContactPerson.select(ContactPerson.id).where(
            ContactPerson.company == SyncedCompany.company
        )
        empty = [
            row.company_id
            for row in SyncedCompany.select(SyncedCompany.company).where(
                (SyncedCompany.connection == self.connection_id) & ~fn.EXISTS(has_person)
            )
        ]
        for start in range(0, len(empty), BATCH):
            Company.delete().where(Company.id.in_(empty[start : start + BATCH])).execute()

    def _follow_category(self, company_id: int) -> None:
        """The export switch of the connection's persons of a changed company that nobody
        switched by hand follows the company's category (and whether it is active)."""
        synced = SyncedContact.select(SyncedContact.contact).where(
            SyncedContact.connection == self.connection_id
        )
        ContactPerson.update(export_carddav=exported_by_default(self.company(company_id))).where(
            (ContactPerson.company == company_id)
            & ~ContactPerson.export_chosen
            & ContactPerson.id.in_(synced)
        ).execute()

    def _remove_dropped(self, gone: list[int]) -> None:
        for start in range(0, len(gone), BATCH):
            chunk = gone[start : start + BATCH]
            leaving = ContactPerson.select(ContactPerson.id, ContactPerson.uid).where(
                ContactPerson.id.in_(chunk)
            )
            publish_cards(
                [address_books.CardChange(contact_name(p), None, p.uid, "") for p in leaving]
            )
            ContactPerson.delete().where(ContactPerson.id.in_(chunk)).execute()
        self.removed += len(gone)


class DirectoryTarget:
    key = "directory"
    fields = records.FIELDS
    mandatory = records.MANDATORY

    def record_problem(self, values: Mapping[str, str]) -> Sentence | None:
        return records.record_problem(values)

    def apply(self, connection: Connection, run_id: int) -> RunCounts:
        run = DirectoryRun(connection.id)
        run.load()
        for staged in _staged_batches(run_id):
            run.batch(staged)
        run.finish()
        return RunCounts(
            added=run.added, updated=run.updated, removed=run.removed, unchanged=run.unchanged
        )


DIRECTORY_TARGET = DirectoryTarget()
