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

from resources.formats.phone_numbers import e164
from resources.store.company_audiences import MATCH_COLUMNS
from resources.store.database import update_rows
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


def read_entries(origins: Sequence[str]) -> list[Entry]:
    """The S entries of `origins` with their keys (which must be filled)."""
    columns = [
        PhonebookEntry.id,
        PhonebookEntry.uid,
        PhonebookEntry.origin,
        PhonebookEntry.modified,
        *(getattr(PhonebookEntry, name) for name in ENTRY_FIELDS),
        *(getattr(PhonebookEntry, name) for name in MATCH_COLUMNS),
    ]
    query = PhonebookEntry.select(*columns).where(
        (PhonebookEntry.source == "S") & PhonebookEntry.origin.in_(list(origins))
    )
    found = []
    width = len(ENTRY_FIELDS)
    for row in cast("list[tuple[object, ...]]", list(query.tuples())):  # .tuples() rows
        entry_id, uid, origin, modified, *rest = row
        values = dict(zip(ENTRY_FIELDS, cast("list[str]", rest[:width]), strict=True))
        keys = cast("list[str | None]", rest[width:])
        prefixed = [
            f"{column}:{key}" for column, key in zip(MATCH_COLUMNS, keys, strict=True) if key
        ]
        # the e-mail matches e-mails; any number matches any number
        normal = tuple(
            k if k.startswith("match_email:") else "tel:" + k.split(":", 1)[1] for k in prefixed
        )
        found.append(
            Entry(cast(int, entry_id), str(uid), str(origin), cast(float, modified), values, normal)
        )
    return found


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
