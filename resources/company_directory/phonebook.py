"""The company phonebook (seed 002): entries synced by connectors (S) and manual ones
(M); imports replace one source's S entries and never touch M entries.

A synced entry copied to manual keeps a link to its twin: the copy takes the synced
entry's origin and external_id. While the copy exists the book carries the copy's card
only, so a phone never shows the contact twice; deleting the copy brings the synced
card back."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from resources.auth import audit
from resources.company_directory import audience_cards
from resources.company_directory.directory import check_text_fields
from resources.company_directory.phonebook_merge import ENTRY_FIELDS as ENTRY_FIELDS  # re-exported
from resources.company_directory.vcard_builder import (
    PhonebookCard,
    phonebook_card,
    phonebook_vcard,
)
from resources.errors import DomainError, InvalidProperty, NotFound
from resources.objects import address_books
from resources.organisation.installation import installation_language
from resources.store.database import select_rows, write_transaction
from resources.store.directory import PhonebookEntry

SOURCES = ("S", "M")


def entry_name(entry: PhonebookEntry | PhonebookCard) -> str:
    return f"phonebook-{entry.uid}.vcf"


class SyncedEntryReadOnly(DomainError):
    """A synced (S) entry belongs to its source: the next sync would undo an edit."""


def _display(entry: PhonebookEntry | PhonebookCard) -> str:
    return f"{entry.first_name} {entry.last_name}".strip() or entry.company


def manual_copy(entry: PhonebookEntry) -> PhonebookEntry | None:
    """The M copy of a synced entry, if one was made."""
    if entry.source != "S":
        return None
    copy: PhonebookEntry | None = (
        PhonebookEntry.select()
        .where(
            (PhonebookEntry.source == "M")
            & (PhonebookEntry.origin == entry.origin)
            & (PhonebookEntry.external_id == entry.external_id)
        )
        .first()
    )
    return copy


def synced_twin(entry: PhonebookEntry) -> PhonebookEntry | None:
    """The synced entry a manual copy was made of, while its source still has it."""
    if entry.source != "M" or not entry.external_id:
        return None
    twin: PhonebookEntry | None = (
        PhonebookEntry.select()
        .where(
            (PhonebookEntry.source == "S")
            & (PhonebookEntry.origin == entry.origin)
            & (PhonebookEntry.external_id == entry.external_id)
        )
        .first()
    )
    return twin


def twins(entries: list[PhonebookEntry]) -> dict[int, int]:
    """Entry id -> the id of its twin (S -> its M copy, M copy -> its S entry), for a
    list in a few queries instead of two per entry."""
    copies = list(
        PhonebookEntry.select().where(
            (PhonebookEntry.source == "M") & (PhonebookEntry.external_id != "")
        )
    )
    if not copies:
        return {}
    keys = {(c.origin, c.external_id): c.id for c in copies}
    linked: dict[int, int] = {}
    synced = PhonebookEntry.select().where(
        (PhonebookEntry.source == "S")
        & PhonebookEntry.external_id.in_(sorted({c.external_id for c in copies}))
    )
    for entry in synced:
        copy_id = keys.get((entry.origin, entry.external_id))
        if copy_id is not None:
            linked[entry.id] = copy_id
            linked[copy_id] = entry.id
    wanted = {e.id for e in entries}
    return {k: v for k, v in linked.items() if k in wanted}


def _publish(entry: PhonebookEntry) -> None:
    """The entry's card as the books should carry it (inside a transaction): a manual
    entry in every audience's book, a synced one in the books of the audiences that see
    its source (see publish_synced)."""
    if entry.source == "S":
        publish_synced([entry], [])
        return
    address_books.publish(
        entry_name(entry),
        phonebook_vcard(entry, installation_language()),
        entry.uid,
        _display(entry),
    )


def publish_synced(entries: list[PhonebookEntry], removed: list[PhonebookEntry]) -> None:
    """The cards of synced entries that changed (or, `removed`, went) in every audience
    that sees their source (inside the change's transaction, after the rows were
    written): a book that holds only this source's entries gets each entry's card (none
    while a manual copy stands in for it); one that merges sources is refilled."""
    audience_cards.clear_keys(audience_cards.ids_with_keys(entries))
    origins = sorted({e.origin for e in entries} | {e.origin for e in removed})
    refilled: set[int] = set()
    for origin in origins:
        single, merged = audience_cards.merged_audiences(origin)
        now = [e for e in entries if e.origin == origin]
        gone = [e for e in removed if e.origin == origin]
        for audience in single:
            publish_synced_batch(origin, now, gone, audience.collection_id)
        for audience in merged:
            if audience.id not in refilled:
                refilled.add(audience.id)
                audience_cards.refresh(audience)


def republish(entry: PhonebookEntry) -> None:
    """The entry's card again, as the book should carry it now (inside a transaction)."""
    _publish(entry)


def republish_all() -> None:
    """Every entry's card again (inside a transaction), e.g. in a new language."""
    for entry in PhonebookEntry.select().where(PhonebookEntry.source == "M"):
        _publish(entry)
    audience_cards.refresh_all()


def _clean(values: dict[str, object]) -> dict[str, str]:
    unknown = set(values) - set(ENTRY_FIELDS) - {"external_id"}
    if unknown:
        raise InvalidProperty(code="unknown_fields", fields=", ".join(sorted(unknown)))
    cleaned = {k: str(v or "").strip() for k, v in values.items()}
    check_text_fields(PhonebookEntry, cleaned)
    if not any(cleaned.get(k) for k in ("phone_work", "phone_mobile", "phone_home")):
        raise InvalidProperty(code="entry_needs_phone", field="phone_work")
    if not any(cleaned.get(k) for k in ("first_name", "last_name", "company")):
        raise InvalidProperty(code="entry_needs_name", field="last_name")
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
        raise NotFound(code="no_such_entry")
    return entry


def create_manual(values: dict[str, object], *, actor: str = "system") -> PhonebookEntry:
    cleaned = _clean(values)
    cleaned.pop("external_id", None)
    now = time.time()
    with write_transaction():
        entry = PhonebookEntry.create(
            source="M", uid=str(uuid.uuid4()), created=now, modified=now, **cleaned
        )
        _publish(entry)
        audit.record(actor, "phonebook.create", _display(entry))
    return entry


def update_manual(
    entry_id: int, changes: dict[str, object], *, actor: str = "system"
) -> PhonebookEntry:
    """Edit a manual (M) entry; a synced (S) one is refused, its source owns it."""
    entry = get_entry(entry_id)
    if entry.source != "M":
        raise SyncedEntryReadOnly(code="synced_entry_read_only")
    if "external_id" in changes:
        raise InvalidProperty(code="unknown_fields", field="external_id", fields="external_id")
    merged = {field: getattr(entry, field) for field in ENTRY_FIELDS}
    merged.update(changes)
    cleaned = _clean(merged)
    changed = sorted(k for k, v in cleaned.items() if getattr(entry, k) != v)
    if not changed:
        return entry
    with write_transaction():
        PhonebookEntry.update(modified=time.time(), **{k: cleaned[k] for k in changed}).where(
            PhonebookEntry.id == entry.id
        ).execute()
        entry = get_entry(entry.id)
        _publish(entry)
        audit.record(actor, "phonebook.update", _display(entry), ", ".join(changed))
    return entry


@dataclass(frozen=True)
class CopyResult:
    entry: PhonebookEntry  # the manual copy
    created: bool  # False: the synced entry had its copy already, nothing new was made


def copy_to_manual(entry_id: int, *, actor: str = "system") -> CopyResult:
    """The manual copy of a synced entry; it survives every later sync and stands in for
    the synced card in the book. A second call gives the copy made by the first."""
    entry = get_entry(entry_id)
    if entry.source != "S":
        raise InvalidProperty(code="entry_is_manual")
    now = time.time()
    with write_transaction():
        existing = manual_copy(entry)
        if existing is not None:
            return CopyResult(existing, created=False)
        values = {field: getattr(entry, field) for field in ENTRY_FIELDS}
        copy = PhonebookEntry.create(
            source="M",
            origin=entry.origin,
            external_id=entry.external_id,
            uid=str(uuid.uuid4()),
            created=now,
            modified=now,
            **values,
        )
        _publish(copy)
        _publish(entry)  # withdrawn: the copy stands in for it
        audit.record(actor, "phonebook.copy_to_manual", _display(copy), f"origin={entry.origin}")
    return CopyResult(copy, created=True)


def delete_entry(entry_id: int, *, actor: str = "system") -> None:
    entry = get_entry(entry_id)
    with write_transaction():
        twin = synced_twin(entry)
        if entry.source == "M":
            address_books.publish(entry_name(entry), None, entry.uid, "")
        entry.delete_instance()
        if entry.source == "S":
            publish_synced([], [entry])
        if twin is not None:
            _publish(twin)  # the synced card comes back
        audit.record(actor, "phonebook.delete", _display(entry))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    deleted: int


def _external_id(values: dict[str, str]) -> str:
    given = str(values.get("external_id") or "").strip()
    if given:
        return given
    key = "|".join(
        str(values.get(k) or "").strip().lower()
        for k in ("first_name", "last_name", "company", "phone_work", "phone_mobile", "phone_home")
    )
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def checked_source(source: str) -> str:
    """The name of an import's source: the origin its entries carry."""
    source = source.strip()
    if not source:
        raise InvalidProperty(code="import_needs_source", field="source")
    check_text_fields(PhonebookEntry, {"origin": source})
    return source


def checked_import_entries(entries: list[dict[str, object]]) -> list[dict[str, str]]:
    """Every entry of an import cleaned, each with its key in `external_id` (given, or
    made from its names and numbers); the first entry that cannot be one refuses all."""
    checked = []
    for position, values in enumerate(entries, start=1):
        try:
            cleaned = _clean(dict(values))
        except InvalidProperty as exc:
            raise InvalidProperty(
                code="import_entry_refused", position=position, reason=exc.sentence or exc.message
            ) from None
        cleaned["external_id"] = _external_id(cleaned)
        checked.append(cleaned)
    return checked


def import_source(
    source: str, entries: list[dict[str, object]], *, actor: str = "system"
) -> ImportResult:
    """Make `source`'s synced entries exactly `entries` (idempotent); M entries stay.
    Seeding in one transaction without a run; the API's import runs as a connection's
    run (resources/connectors/json_import.py) with the same keys, so either may follow
    the other."""
    source = checked_source(source)
    wanted = {cleaned["external_id"]: cleaned for cleaned in checked_import_entries(entries)}
    now = time.time()
    created = updated = deleted = 0
    entry: PhonebookEntry | None
    written: list[PhonebookEntry] = []
    gone: list[PhonebookEntry] = []
    with write_transaction():
        current = {
            e.external_id: e
            for e in PhonebookEntry.select().where(
                (PhonebookEntry.source == "S") & (PhonebookEntry.origin == source)
            )
        }
        for external_id, entry in current.items():
            if external_id not in wanted:
                entry.delete_instance()
                gone.append(entry)
                deleted += 1
        for external_id, fields in wanted.items():
            found = current.get(external_id)
            if found is None:
                entry = PhonebookEntry.create(
                    source="S",
                    origin=source,
                    uid=str(uuid.uuid4()),
                    created=now,
                    modified=now,
                    **fields,
                )
                created += 1
            elif any(getattr(found, k) != v for k, v in fields.items()):
                PhonebookEntry.update(modified=now, **fields).where(
                    PhonebookEntry.id == found.id
                ).execute()
                entry = PhonebookEntry.get_by_id(found.id)
                updated += 1
            else:
                continue
            written.append(entry)
        publish_synced(written, gone)
        audit.record(
            actor,
            "phonebook.import",
            source,
            f"created={created} updated={updated} deleted={deleted}",
        )
    return ImportResult(created, updated, deleted)


def synced_copies(origin: str) -> set[str]:
    """The external ids of one source's entries that have a manual copy."""
    rows = select_rows(PhonebookEntry, ("external_id",), (("source", "M"), ("origin", origin)))
    return {key for (key,) in rows if key}


def publish_synced_batch(
    origin: str,
    entries: Sequence[PhonebookEntry | PhonebookCard],
    removed: Sequence[PhonebookEntry | PhonebookCard],
    book_id: int | None = None,
    *,
    created: Sequence[PhonebookEntry | PhonebookCard] = (),
) -> None:
    """The cards of one source's entries after a connector run changed them, in bulk
    (inside the run's transaction), into one audience's book (the base one by default)
    that holds no other source's entries: entries with a manual copy stay hidden.
    `created` are entries the run has just made, with uids just drawn: their cards are
    new to every book."""
    copied = synced_copies(origin)
    language = installation_language()
    changes = []
    for entry, new in [*((e, True) for e in created), *((e, False) for e in entries)]:
        if entry.external_id in copied:
            changes.append(address_books.CardChange(entry_name(entry), None, entry.uid, ""))
            continue
        vcard, fields = phonebook_card(entry, language)
        changes.append(
            address_books.CardChange(
                entry_name(entry), vcard, entry.uid, _display(entry), fields, new
            )
        )
    changes += [
        address_books.CardChange(entry_name(entry), None, entry.uid, "") for entry in removed
    ]
    address_books.publish_batch(changes, book_id)
