"""The company phonebook (seed 002): entries synced by connectors (S) and manual ones
(M); imports replace one source's S entries and never touch M entries."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from resources.auth import audit
from resources.company_directory.directory import check_text_fields
from resources.company_directory.vcard_builder import phonebook_vcard
from resources.errors import InvalidProperty, NotFound
from resources.objects import address_books
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry

ENTRY_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "email",
)
SOURCES = ("S", "M")


def entry_name(entry: PhonebookEntry) -> str:
    return f"phonebook-{entry.uid}.vcf"


def _publish(entry: PhonebookEntry) -> None:
    address_books.publish(
        entry_name(entry),
        phonebook_vcard(entry),
        entry.uid,
        f"{entry.first_name} {entry.last_name}".strip(),
    )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ENTRY_FIELDS) - {"external_id"}
    if unknown:
        raise InvalidProperty(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    cleaned = {k: str(v or "").strip() for k, v in values.items()}
    check_text_fields(PhonebookEntry, cleaned)
    if not any(cleaned.get(k) for k in ("phone_work", "phone_mobile", "phone_home")):
        raise InvalidProperty("A phonebook entry needs at least one phone number.")
    if not any(cleaned.get(k) for k in ("first_name", "last_name", "company")):
        raise InvalidProperty("A phonebook entry needs a name or a company.")
    return cleaned


def list_entries(*, source: str | None = None) -> list[PhonebookEntry]:
    """S and M entries together, as the admin list shows them; `source` narrows to one."""
    query = PhonebookEntry.select().order_by(
        PhonebookEntry.last_name,
        PhonebookEntry.first_name,
        PhonebookEntry.company,
        PhonebookEntry.id,
    )
    if source is not None:
        query = query.where(PhonebookEntry.source == source)
    return list(query)


def get_entry(entry_id: int) -> PhonebookEntry:
    entry = PhonebookEntry.get_or_none(PhonebookEntry.id == entry_id)
    if entry is None:
        raise NotFound("There is no such phonebook entry.")
    return entry


def create_manual(values: dict[str, Any], *, actor: str = "system") -> PhonebookEntry:
    cleaned = _clean(values)
    cleaned.pop("external_id", None)
    now = time.time()
    with write_transaction():
        entry = PhonebookEntry.create(
            source="M", uid=str(uuid.uuid4()), created=now, modified=now, **cleaned
        )
        _publish(entry)
        audit.record(actor, "phonebook.create", f"{entry.first_name} {entry.last_name}".strip())
    return entry


def copy_to_manual(entry_id: int, *, actor: str = "system") -> PhonebookEntry:
    """A manual copy of a synced entry; it survives every later sync."""
    entry = get_entry(entry_id)
    if entry.source != "S":
        raise InvalidProperty(
            "Only synced (S) entries are copied to manual; this one is manual already."
        )
    values = {field: getattr(entry, field) for field in ENTRY_FIELDS}
    return create_manual(values, actor=actor)


def delete_entry(entry_id: int, *, actor: str = "system") -> None:
    entry = get_entry(entry_id)
    with write_transaction():
        address_books.publish(entry_name(entry), None, entry.uid, "")
        entry.delete_instance()
        audit.record(actor, "phonebook.delete", f"{entry.first_name} {entry.last_name}".strip())


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    deleted: int


def _external_id(values: dict[str, Any]) -> str:
    given = str(values.get("external_id") or "").strip()
    if given:
        return given
    key = "|".join(
        str(values.get(k) or "").strip().lower()
        for k in ("first_name", "last_name", "company", "phone_work", "phone_mobile", "phone_home")
    )
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def import_source(
    source: str, entries: list[dict[str, Any]], *, actor: str = "system"
) -> ImportResult:
    """Make `source`'s synced entries exactly `entries` (idempotent); M entries stay."""
    source = source.strip()
    if not source:
        raise InvalidProperty("An import needs the source's name.")
    check_text_fields(PhonebookEntry, {"origin": source})
    wanted = {}
    for position, values in enumerate(entries, start=1):
        try:
            cleaned = _clean(dict(values))
        except InvalidProperty as exc:
            raise InvalidProperty(f"Entry {position}: {exc.message}") from None
        cleaned["external_id"] = _external_id(cleaned)
        wanted[cleaned["external_id"]] = cleaned
    now = time.time()
    created = updated = deleted = 0
    entry: PhonebookEntry | None
    with write_transaction():
        current = {
            e.external_id: e
            for e in PhonebookEntry.select().where(
                (PhonebookEntry.source == "S") & (PhonebookEntry.origin == source)
            )
        }
        for external_id, entry in current.items():
            if external_id not in wanted:
                address_books.publish(entry_name(entry), None, entry.uid, "")
                entry.delete_instance()
                deleted += 1
        for external_id, values in wanted.items():
            entry = current.get(external_id)
            if entry is None:
                entry = PhonebookEntry.create(
                    source="S",
                    origin=source,
                    uid=str(uuid.uuid4()),
                    created=now,
                    modified=now,
                    **values,
                )
                created += 1
            elif any(getattr(entry, k) != v for k, v in values.items()):
                PhonebookEntry.update(modified=now, **values).where(
                    PhonebookEntry.id == entry.id
                ).execute()
                entry = PhonebookEntry.get_by_id(entry.id)
                updated += 1
            else:
                continue
            _publish(entry)
        audit.record(
            actor,
            "phonebook.import",
            source,
            f"created={created} updated={updated} deleted={deleted}",
        )
    return ImportResult(created, updated, deleted)
