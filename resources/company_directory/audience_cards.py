"""The company book of each audience: which collection a login reads, keeping the set of
audiences in step with scopes, groups and logins, and the synced phonebook cards each
audience carries (merged by priority where it sees more than one source).

Cards every audience carries (the directory's contacts, manual entries) are published
to every active book by resources/objects/address_books.py; this module adds the synced
(S) cards, which differ by audience. Every write goes through the books' change logs, so
a phone's next sync-collection names exactly the cards that appeared, changed or went.
"""

from __future__ import annotations

from collections.abc import Iterable

from resources.auth import audience_hooks
from resources.company_directory import audiences, phonebook_merge
from resources.company_directory.vcard_builder import phonebook_vcard
from resources.objects import address_books, change_log
from resources.objects.address_books import CardChange
from resources.organisation.installation import installation_language
from resources.store.company_audiences import BASE_AUDIENCE, CompanyAudience
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry
from resources.store.models import Collection, StoredObject

CONTACT_PREFIX = "contact-"


def card_name(uid: str) -> str:
    return f"phonebook-{uid}.vcf"


def display_name(values: dict[str, str]) -> str:
    return f"{values['first_name']} {values['last_name']}".strip() or values["company"]


def active_audiences() -> list[CompanyAudience]:
    """The audiences some login reads; the base one is made if the store lacks it."""
    address_books.company_book()
    return list(
        CompanyAudience.select().where(CompanyAudience.active).order_by(CompanyAudience.key)
    )


def book_for_account(account_id: int | None) -> Collection:
    """The company book a login of this account reads."""
    key = audiences.account_key(account_id)
    book: Collection | None = (
        Collection.select()
        .join(CompanyAudience, on=(CompanyAudience.collection == Collection.id))
        .where((CompanyAudience.key == key) & CompanyAudience.active)
        .first()
    )
    if book is None:  # a change that missed settling (another process's): settle now
        with write_transaction():
            settle()
        book = Collection.get_by_id(CompanyAudience.get(CompanyAudience.key == key).collection_id)
    return book


def settle(*, refresh_all: bool = False) -> None:
    """Bring the audiences in line with who reads the company book now (inside the
    change's transaction): a key some login needs gets its book (filled, or brought up
    to date when it was retired), a book nobody reads any more is retired; with
    `refresh_all` (what every audience sees changed) each active book is refilled."""
    needed = audiences.keys_in_use()
    address_books.company_book()  # the base audience always exists
    known = {a.key: a for a in CompanyAudience.select()}
    for key in sorted(needed - {k for k, a in known.items() if a.active}):
        if key in known:
            CompanyAudience.update(active=True).where(CompanyAudience.key == key).execute()
        address_books.audience_book(key)
        refresh(CompanyAudience.get(CompanyAudience.key == key))
    retired = [k for k, a in known.items() if a.active and k not in needed]
    if retired:
        CompanyAudience.update(active=False).where(CompanyAudience.key.in_(retired)).execute()
    if refresh_all:
        for audience in active_audiences():
            refresh(audience)


def register_hooks() -> None:
    """Where the app is built: group and login changes settle the audiences."""
    audience_hooks.register(settle)


def synced_origins() -> set[str]:
    rows = (
        PhonebookEntry.select(PhonebookEntry.origin).where(PhonebookEntry.source == "S").distinct()
    )
    return {row.origin for row in rows}


def _manual_names() -> set[str]:
    rows = PhonebookEntry.select(PhonebookEntry.uid).where(PhonebookEntry.source == "M")
    return {card_name(row.uid) for row in rows}


def _hidden_entries() -> set[int]:
    """Ids of the S entries a manual copy stands in for."""
    copy = PhonebookEntry.alias()
    rows = (
        PhonebookEntry.select(PhonebookEntry.id)
        .join(
            copy,
            on=(
                (copy.source == "M")
                & (copy.external_id != "")
                & (copy.origin == PhonebookEntry.origin)
                & (copy.external_id == PhonebookEntry.external_id)
            ),
        )
        .where(PhonebookEntry.source == "S")
    )
    return {row.id for row in rows}


def synced_cards(key: str, sources: audiences.Sources) -> dict[str, CardChange]:
    """The S cards the audience `key` carries: one per person, merged by priority."""
    origins = sources.sees(key, synced_origins())
    merging = len(origins) > 1
    if merging:
        phonebook_merge.fill_missing_keys(origins)
    return _cards(phonebook_merge.read_entries(origins), sources, merging=merging)


def _cards(
    entries: list[phonebook_merge.Entry], sources: audiences.Sources, *, merging: bool
) -> dict[str, CardChange]:
    hidden = _hidden_entries()
    shown = [e for e in entries if e.id not in hidden]
    if merging:
        people = phonebook_merge.people(shown, sources.rank)
    else:
        people = [phonebook_merge.Person([entry]) for entry in shown]
    language = installation_language()
    cards: dict[str, CardChange] = {}
    for person in people:
        oldest = person.oldest
        values = person.merged()
        entry = PhonebookEntry(
            source="S", uid=oldest.uid, modified=max(e.modified for e in person.entries), **values
        )
        name = card_name(oldest.uid)
        cards[name] = CardChange(
            name, phonebook_vcard(entry, language), oldest.uid, display_name(values)
        )
    return cards


def refresh_people(
    audience: CompanyAudience, sources: audiences.Sources, touched: phonebook_merge.Touched
) -> int:
    """After a run: the cards of the people the run's entries belong to now or belonged
    to before, found through the match keys' indexes (not by reading every entry), in
    a book that merges sources; how many cards changed. The match keys of every entry
    the book sees must be filled."""
    change_log.lock_collection(audience.collection_id)
    origins = sources.sees(audience.key, synced_origins())
    entries = phonebook_merge.closure(origins, touched.uids, touched.keys)
    wanted = _cards(entries, sources, merging=True)
    candidates = touched.names | {card_name(e.uid) for e in entries}
    gone = sorted(candidates - set(wanted))
    changes = list(wanted.values()) + [CardChange(name, None, "", "") for name in gone]
    return address_books.publish_batch(changes, audience.collection_id)


def _stored_names(book_id: int) -> set[str]:
    rows = StoredObject.select(StoredObject.name).where(StoredObject.collection == book_id)
    return {row.name for row in rows}


def _shared_cards(names: Iterable[str]) -> dict[str, CardChange]:
    """The base book's cards every audience carries (contacts and manual entries)."""
    base = address_books.company_book()
    wanted = set(names)
    rows = StoredObject.select(
        StoredObject.name, StoredObject.body, StoredObject.uid, StoredObject.summary
    ).where(
        (StoredObject.collection == base.id)
        & (StoredObject.name.startswith(CONTACT_PREFIX) | StoredObject.name.in_(sorted(wanted)))
    )
    return {
        row.name: CardChange(
            row.name, bytes(row.body).decode("utf-8"), row.uid or "", row.summary or ""
        )
        for row in rows
    }


def refresh(audience: CompanyAudience, sources: audiences.Sources | None = None) -> int:
    """Refill one audience's book as it should be now and publish only what differs;
    how many cards changed."""
    # Taken first: a run of another source that is writing waits here, and its entries
    # are read as committed (PostgreSQL reads each statement afresh).
    change_log.lock_collection(audience.collection_id)
    sources = sources or audiences.sources()
    manual = _manual_names()
    wanted = synced_cards(audience.key, sources)
    stored = _stored_names(audience.collection_id)
    if audience.key == BASE_AUDIENCE:
        keep = {n for n in stored if n.startswith(CONTACT_PREFIX)} | manual
    else:
        shared = _shared_cards(manual)
        wanted.update(shared)
        keep = set()
    gone = stored - set(wanted) - keep
    changes = list(wanted.values()) + [CardChange(name, None, "", "") for name in sorted(gone)]
    return address_books.publish_batch(changes, audience.collection_id)


def refresh_all() -> None:
    """Every active book again (inside a transaction), e.g. in a new language."""
    sources = audiences.sources()
    for audience in active_audiences():
        refresh(audience, sources)


def refresh_seeing(origins: Iterable[str], *, only_merged: bool = False) -> None:
    """Refill the active books that see any of `origins` (inside a transaction); with
    `only_merged`, only those that merge several sources (where priority matters)."""
    sources = audiences.sources()
    chosen = set(origins)
    present = synced_origins() | chosen
    for audience in active_audiences():
        if not any(sources.visible(origin, audience.key) for origin in chosen):
            continue
        if only_merged and len(sources.sees(audience.key, present)) < 2:
            continue
        refresh(audience, sources)


def merged_audiences(origin: str) -> tuple[list[CompanyAudience], list[CompanyAudience]]:
    """The active audiences that see `origin`: (those where its entries are the only S
    entries, each its own card; those that merge it with other sources)."""
    sources = audiences.sources()
    present = synced_origins() | {origin}
    single: list[CompanyAudience] = []
    merged: list[CompanyAudience] = []
    for audience in active_audiences():
        if sources.visible(origin, audience.key):
            seen = sources.sees(audience.key, present)
            (single if seen == [origin] else merged).append(audience)
    return single, merged


def ids_with_keys(entries: list[PhonebookEntry]) -> list[int]:
    """The entries whose stored match keys an edit made stale."""
    return [e.id for e in entries if e.id is not None and e.match_email is not None]


def clear_keys(entry_ids: list[int]) -> None:
    if entry_ids:
        PhonebookEntry.update(
            match_email=None, match_work=None, match_mobile=None, match_home=None
        ).where(PhonebookEntry.id.in_(entry_ids)).execute()
