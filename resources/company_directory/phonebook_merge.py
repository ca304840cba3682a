"""Priority merging of synced phonebook entries (seed 004's sync priority): entries of
different sources that name one person (the same e-mail, case-folded, or any number in
common, compared in E.164) become one card, each field taken from the highest-priority
source that has it.

A person holds at most one entry per source: two entries of one source are two people
even when they share a switchboard number. Entries are taken highest priority first and
join the first person they share a key with that has no entry of their source yet, so
the outcome depends only on the entries and priorities, never on the order of runs. The
card keeps the name and UID of its oldest entry, so it stays put across runs and
priority changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

import peewee

from resources.company_directory.vcard_builder import PhonebookCard
from resources.formats.phone_numbers import e164
from resources.store.company_audiences import MATCH_COLUMNS
from resources.store.database import update_rows
from resources.store.directory import PhonebookEntry

ENTRY_FIELDS = (  # an entry's fields (the phonebook's, which takes them from here)
    "first_name",
    "last_name",
    "company",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "email",
)
PHONE_COLUMNS = {
    "match_work": "phone_work",
    "match_mobile": "phone_mobile",
    "match_home": "phone_home",
}


# Sources repeat numbers (a company's switchboard on every row): parse each once.
_e164 = lru_cache(maxsize=65536)(e164)


def match_keys(values: dict[str, str]) -> dict[str, str]:
    """The match-key columns for an entry's fields ("" where a field gives none)."""
    keys = {"match_email": values.get("email", "").strip().casefold()}
    for column, phone in PHONE_COLUMNS.items():
        keys[column] = _e164(values.get(phone, "")) or ""
    return keys


def fill_missing_keys(origins: Iterable[str]) -> int:
    """Compute the match keys the S entries of `origins` lack (a run of a single
    source leaves them NULL); inside the caller's transaction. How many were filled."""
    chosen = sorted(set(origins))
    if not chosen:
        return 0
    columns = [PhonebookEntry.id] + [getattr(PhonebookEntry, name) for name in ENTRY_FIELDS]
    rows = cast(
        "list[tuple[object, ...]]",  # .tuples() rows
        list(
            PhonebookEntry.select(*columns)
            .where(
                (PhonebookEntry.source == "S")
                & PhonebookEntry.origin.in_(chosen)
                & PhonebookEntry.match_email.is_null()
            )
            .tuples()
        ),
    )
    updates = []
    for entry_id, *values in rows:
        keys = match_keys(dict(zip(ENTRY_FIELDS, cast("list[str]", values), strict=True)))
        updates.append((*(keys[column] for column in MATCH_COLUMNS), entry_id))
    update_rows(PhonebookEntry, MATCH_COLUMNS, updates)
    return len(rows)


def store_keys(entries: Sequence[PhonebookEntry | PhonebookCard]) -> None:
    """Write the match keys of entries a run just wrote (by uid: bulk-inserted entries
    have no id in memory)."""
    rows = []
    for entry in entries:
        keys = match_keys({name: getattr(entry, name) or "" for name in ENTRY_FIELDS})
        rows.append((*(keys[column] for column in MATCH_COLUMNS), entry.uid))
    update_rows(PhonebookEntry, MATCH_COLUMNS, rows, key="uid")


@dataclass(frozen=True)
class Entry:
    """A synced entry as the merge reads it: fields, keys, source and rank."""

    id: int
    uid: str
    origin: str
    modified: float
    values: dict[str, str]
    keys: tuple[str, ...]  # the non-empty match keys, e-mail first


@dataclass
class Touched:
    """What a run changed, for finding the people to merge again: the uids of the
    entries it wrote, the keys its changed and removed entries had before, and their
    card names."""

    uids: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


@dataclass
class Person:
    entries: list[Entry] = field(default_factory=list)  # highest priority first

    @property
    def oldest(self) -> Entry:
        return min(self.entries, key=lambda entry: entry.id)

    def merged(self) -> dict[str, str]:
        """Each field from the highest-priority entry that has it."""
        return {
            name: next((e.values[name] for e in self.entries if e.values[name]), "")
            for name in ENTRY_FIELDS
        }


_ENTRY_COLUMNS = [
    PhonebookEntry.id,
    PhonebookEntry.uid,
    PhonebookEntry.origin,
    PhonebookEntry.modified,
    *(getattr(PhonebookEntry, name) for name in ENTRY_FIELDS),
    *(getattr(PhonebookEntry, name) for name in MATCH_COLUMNS),
]
EMAIL_KEY = "e:"
TEL_KEY = "t:"


def normal_keys(stored: Sequence[str | None]) -> tuple[str, ...]:
    """The match keys of an entry from its match columns (in MATCH_COLUMNS order): the
    e-mail matches e-mails, any number matches any number."""
    email, *numbers = stored
    keys = [EMAIL_KEY + email] if email else []
    return tuple(keys + [TEL_KEY + number for number in numbers if number])


def stored_keys(entry: PhonebookEntry) -> tuple[str, ...]:
    return normal_keys([getattr(entry, column) for column in MATCH_COLUMNS])


def read_entries(origins: Sequence[str], where: peewee.Expression | None = None) -> list[Entry]:
    """The S entries of `origins` (narrowed by `where`) with their keys."""
    condition = (PhonebookEntry.source == "S") & PhonebookEntry.origin.in_(list(origins))
    if where is not None:
        condition = condition & where
    found = []
    width = len(ENTRY_FIELDS)
    query = PhonebookEntry.select(*_ENTRY_COLUMNS).where(condition)
    for row in cast("list[tuple[object, ...]]", list(query.tuples())):  # .tuples() rows
        entry_id, uid, origin, modified, *rest = row
        values = dict(zip(ENTRY_FIELDS, cast("list[str]", rest[:width]), strict=True))
        keys = normal_keys(cast("list[str | None]", rest[width:]))
        found.append(
            Entry(cast(int, entry_id), str(uid), str(origin), cast(float, modified), values, keys)
        )
    return found


def _sharing(keys: set[str]) -> list[peewee.Expression]:
    """Conditions for the entries holding any of `keys`, 500 keys each. Each names its
    column's `<> ''` as the partial index does, so SQLite and PostgreSQL use the index."""
    emails = sorted(k[len(EMAIL_KEY) :] for k in keys if k.startswith(EMAIL_KEY))
    numbers = sorted(k[len(TEL_KEY) :] for k in keys if k.startswith(TEL_KEY))
    found = [_held(PhonebookEntry.match_email, chunk) for chunk in _chunks(emails)]
    for chunk in _chunks(numbers):
        found.append(
            _held(PhonebookEntry.match_work, chunk)
            | _held(PhonebookEntry.match_mobile, chunk)
            | _held(PhonebookEntry.match_home, chunk)
        )
    return found


def _held(column: peewee.Field, values: list[str]) -> peewee.Expression:
    return column.is_null(False) & (column != "") & column.in_(values)


def closure(origins: Sequence[str], uids: set[str], keys: set[str]) -> list[Entry]:
    """The entries with these `uids` or `keys`, and every entry linked to them through a
    shared key, however far: whole groups, so merging them alone gives the people a
    merge of everything would (no person spans two groups)."""
    found: dict[int, Entry] = {}
    known = set(keys)
    frontier = [PhonebookEntry.uid.in_(chunk) for chunk in _chunks(sorted(uids))]
    frontier += _sharing(known)
    while frontier:
        fresh: set[str] = set()
        for condition in frontier:
            for entry in read_entries(origins, condition):
                if entry.id not in found:
                    found[entry.id] = entry
                    fresh.update(k for k in entry.keys if k not in known)
        known |= fresh
        frontier = _sharing(fresh)
    return list(found.values())


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + 500] for i in range(0, len(items), 500)]


def people(entries: list[Entry], rank: dict[str, tuple[int, int]]) -> list[Person]:
    """Group entries into people; `rank` orders sources (higher priority first)."""
    ordered = sorted(entries, key=lambda e: (rank.get(e.origin, (0, 0)), e.id))
    found: list[Person] = []
    by_key: dict[str, list[int]] = {}
    for entry in ordered:
        chosen = None
        for key in entry.keys:
            for index in by_key.get(key, []):
                if all(other.origin != entry.origin for other in found[index].entries):
                    chosen = index
                    break
            if chosen is not None:
                break
        if chosen is None:
            chosen = len(found)
            found.append(Person())
        found[chosen].entries.append(entry)
        for key in entry.keys:
            holders = by_key.setdefault(key, [])
            if chosen not in holders:
                holders.append(chosen)
    return found
