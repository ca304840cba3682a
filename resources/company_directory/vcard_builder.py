"""Writing the company book's vCards (3.0, which every phone and PBX reads) from
directory rows: contact persons and phonebook entries, with their categories in the
installation's language."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from resources.formats.card_fields import Field, written_fields
from resources.formats.content_lines import FORBIDDEN_CHARACTER
from resources.formats.vcard_data import fold
from resources.store.directory import Company, ContactPerson, PhonebookEntry

# The words phones show as the cards' categories, per installation language. They are
# written into the cards themselves (not the admin UI), so they live here beside the
# builder rather than in the UI's catalogs, which resources/ cannot read.
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {"customer": "Customer", "supplier": "Supplier", "partner": "Partner", "other": "Other"},
    "de": {"customer": "Kunde", "supplier": "Lieferant", "partner": "Partner", "other": "Sonstige"},
}
SOURCE_LABELS: dict[str, dict[str, str]] = {
    "en": {"S": "Phonebook (synced)", "M": "Phonebook (manual)"},
    "de": {"S": "Telefonbuch (synchronisiert)", "M": "Telefonbuch (manuell)"},
}


# Line breaks of any kind become the \n escape; other controls (TAB aside) a vCard cannot hold.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEEDS_ESCAPE = frozenset("\\,;\ufffe\uffff")


def escape(text: str) -> str:
    """A TEXT value as RFC 6350 §3.4 writes it: backslash, line breaks, comma and semicolon escaped."""
    if text.isalnum() or (text.isprintable() and not _NEEDS_ESCAPE.intersection(text)):
        return text  # most names and numbers: nothing to escape or drop
    text = _LINE_BREAK.sub("\\\\n", (text or "").replace("\\", "\\\\"))
    return FORBIDDEN_CHARACTER.sub("", text).replace(",", "\\,").replace(";", "\\;")


# A FRITZ!Box phonebook entry holds nine numbers and drops the rest, so no card carries
# more. Which nine: work, then mobile, then home numbers (the ones a caller is found by),
# then the others (fax, the company's main number), each kind in the order given; a
# number given twice counts once.
MAX_NUMBERS = 9
_NUMBER_RANK = ("WORK,VOICE", "CELL,VOICE", "HOME,VOICE")


def phone_lines(numbers: list[tuple[str, str]]) -> list[str]:
    """The TEL lines for (number, TYPE value) pairs, at most MAX_NUMBERS by the rule above."""
    return [f"TEL;TYPE={kinds}:{escape(number)}" for number, kinds in chosen_numbers(numbers)]


def chosen_numbers(numbers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (number, TYPE value) pairs a card carries, in its order, by the rule above."""
    seen: set[str] = set()
    given = []
    for position, (number, kinds) in enumerate(numbers):
        if number and number not in seen:
            seen.add(number)
            rank = _NUMBER_RANK.index(kinds) if kinds in _NUMBER_RANK else len(_NUMBER_RANK)
            given.append((rank, position, number, kinds))
    return [(number, kinds) for _, _, number, kinds in sorted(given)[:MAX_NUMBERS]]


@functools.lru_cache(maxsize=64)  # a connector run writes thousands of cards a second
def _rev(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y%m%dT%H%M%SZ")


def _card(lines: list[str]) -> str:
    """The card of its content lines (those between BEGIN and END, VERSION aside)."""
    # A line of at most 75 characters that are ASCII needs no folding: fold() is not
    # called for it (a connector run writes a million such lines).
    folded = [line if len(line) <= 75 and line.isascii() else fold(line) for line in lines]
    return "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", *folded, "END:VCARD", ""])


def _formatted(first: str, last: str, fallback: str) -> str:
    return " ".join(p for p in (first, last) if p).strip() or fallback


def _honorific_prefix(contact: ContactPerson) -> str:
    """N's prefix: the salutation and the academic title as one value ("Frau Dr."),
    which every phone shows before the name as it is."""
    return " ".join(part.strip() for part in (contact.salutation, contact.title) if part.strip())


def contact_vcard(contact: ContactPerson, company: Company, language: str = "en") -> str:
    name = _formatted(contact.first_name, contact.last_name, company.name)
    prefix = _honorific_prefix(contact)
    lines = [
        f"UID:{contact.uid}",
        f"FN:{escape(name)}",
        f"N:{escape(contact.last_name)};{escape(contact.first_name)};;{escape(prefix)};",
        f"ORG:{escape(company.name)}"
        + (f";{escape(contact.department)}" if contact.department else ""),
    ]
    if contact.position:
        lines.append(f"TITLE:{escape(contact.position)}")
    for email in filter(None, (e.strip() for e in contact.emails.splitlines())):
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{escape(email)}")
    # The company's main number: iOS labels MAIN "main", others keep it a work number.
    lines += phone_lines(
        [
            (contact.phone_work, "WORK,VOICE"),
            (contact.phone_mobile, "CELL,VOICE"),
            (contact.phone_fax, "WORK,FAX"),
            (company.phone, "WORK,VOICE,MAIN"),
        ]
    )
    if company.street or company.city:
        lines.append(
            f"ADR;TYPE=WORK:;;{escape(company.street)};{escape(company.city)};;"
            f"{escape(company.postal_code)};{escape(company.country)}"
        )
    if company.website:
        lines.append(f"URL:{escape(company.website)}")
    labels = CATEGORY_LABELS.get(language, CATEGORY_LABELS["en"])
    lines.append(f"CATEGORIES:{escape(labels.get(company.category, labels['other']))}")
    lines.append(f"REV:{_rev(max(contact.modified, company.modified or company.created))}")
    return _card(lines)


@dataclass(frozen=True, slots=True)
class PhonebookCard:
    """What a phonebook entry's card is made of, without the row: a connector run builds
    tens of thousands of these, and a model instance costs many times more."""

    uid: str
    external_id: str
    source: str
    modified: float
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone_work: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    email: str = ""


def phonebook_vcard(entry: PhonebookEntry | PhonebookCard, language: str = "en") -> str:
    return _card(_phonebook_lines(entry, language, []))


def phonebook_card(
    entry: PhonebookEntry | PhonebookCard, language: str = "en"
) -> tuple[str, list[Field] | None]:
    """The entry's vCard and its search fields as reading it back gives them (None: the
    reader must parse it), from the values as they are written: a connector run that
    publishes 100,000 cards then does not parse each card it has just built."""
    searched: list[tuple[str, str]] = []
    lines = _phonebook_lines(entry, language, searched)
    # Every other line is of the plain shape, the UID's aside, which is written as it is.
    plain_uid = not ("\r" in entry.uid or "\n" in entry.uid or "\x00" in entry.uid)
    return _card(lines), written_fields(searched) if plain_uid else None


def _phonebook_lines(
    entry: PhonebookEntry | PhonebookCard, language: str, searched: list[tuple[str, str]]
) -> list[str]:
    """The card's content lines; the searched ones' (prop, value) pairs go to `searched`."""
    name = _formatted(entry.first_name, entry.last_name, entry.company or entry.phone_work or "?")
    formatted = escape(name)
    structured = f"{escape(entry.last_name)};{escape(entry.first_name)};;;"
    lines = [f"UID:{entry.uid}", f"FN:{formatted}", f"N:{structured}"]
    searched += [("FN", formatted), ("N", structured)]
    if entry.company:
        organisation = escape(entry.company)
        lines.append(f"ORG:{organisation}")
        searched.append(("ORG", organisation))
    for number, kinds in chosen_numbers(
        [
            (entry.phone_work, "WORK,VOICE"),
            (entry.phone_mobile, "CELL,VOICE"),
            (entry.phone_home, "HOME,VOICE"),
        ]
    ):
        written = escape(number)
        lines.append(f"TEL;TYPE={kinds}:{written}")
        searched.append(("TEL", written))
    if entry.email:
        email = escape(entry.email)
        lines.append(f"EMAIL;TYPE=INTERNET:{email}")
        searched.append(("EMAIL", email))
    labels = SOURCE_LABELS.get(language, SOURCE_LABELS["en"])
    lines.append(f"CATEGORIES:{escape(labels[entry.source])}")
    lines.append(f"X-DAVSERVER-SOURCE:{entry.source}")
    lines.append(f"REV:{_rev(entry.modified)}")
    return lines
