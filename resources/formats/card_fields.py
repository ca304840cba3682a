"""The searchable fields of one vCard (RFC 6352 §10.5 text-match targets): the values of
FN, EMAIL, TEL, NICKNAME, ORG and N exactly as the addressbook-query filter reads them
from the parsed card (resources.formats.addressbook_query), and their i;unicode-casemap
folding, which the stored-field query compares.

Parsing a card with vobject costs about half a millisecond; a connector publishing
100,000 cards would spend most of its run there. Cards of the plain shape the company
book's builder writes (no encodings, no escapes or commas in the searched values) are
read line by line instead, which gives the same values (tests/test_card_search.py holds
the two readings equal); anything else goes through vobject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import vobject

from resources.formats.calendar_query.filters import UNICODE_CASEMAP
from resources.formats.calendar_query.text_match import fold_for_collation

SEARCHED = ("FN", "EMAIL", "TEL", "NICKNAME", "ORG", "N")
_RANK = {prop: rank for rank, prop in enumerate(SEARCHED)}
Field = tuple[str, str, str]  # (prop, value as the filter reads it, folded value)

_PLAIN_LINE = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[^:\"]*)?):(.*)", re.S)
_ENCODED = re.compile(r"ENCODING|CHARSET|QUOTED-PRINTABLE|BASE64", re.I)
_NAME_ORDER = (3, 1, 2, 0, 4)  # N's fields as vobject's Name prints them: prefix given ...


def folded(value: str) -> str:
    if value.isascii():  # most values: casefold is lower, and NFKD changes nothing
        return value.lower()
    return fold_for_collation(value, UNICODE_CASEMAP)


def value_text(line: vobject.base.ContentLine) -> str:
    """A parsed line's value as the filter compares it."""
    value = line.value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def fields_of_parsed(card: vobject.base.Component) -> list[Field]:
    """The searched fields of a card vobject parsed."""
    found = []
    for prop in SEARCHED:
        for line in card.contents.get(prop.lower(), []):
            text = value_text(line)  # type: ignore[arg-type]
            found.append((prop, text, folded(text)))
    return found


def card_fields(body: bytes) -> list[Field] | None:
    """The searched fields of a stored card; None when it cannot be parsed (such a card
    never matches a filter)."""
    plain = _plain_fields(body)
    if plain is not None:
        return plain
    try:
        card = vobject.readOne(bytes(body).decode("utf-8-sig"), validate=False)
    except Exception:  # noqa: BLE001 - vobject raises many kinds for unreadable data
        return None
    return fields_of_parsed(card)


def _plain_fields(body: bytes) -> list[Field] | None:
    """The fields read line by line, or None when the card is not of the plain shape."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines.pop()
    unfolded: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    if (
        len(unfolded) < 2
        or unfolded[0].upper() != "BEGIN:VCARD"
        or unfolded[-1].upper() != "END:VCARD"
    ):
        return None
    found: list[Field] = []
    for line in unfolded[1:-1]:
        match = _PLAIN_LINE.fullmatch(line)
        if match is None or "\r" in line or "\n" in line or "\x00" in line:
            return None
        name, params, value = match.group(1).upper(), match.group(2), match.group(3)
        if name in ("BEGIN", "END") or _ENCODED.search(params):
            return None
        if name not in SEARCHED:
            continue
        if "\\" in value or "," in value:
            return None  # escapes and lists: vobject's reading decides
        text = _structured(value, name)
        found.append((name, text, folded(text)))
    return sorted(found, key=lambda field: _RANK[field[0]])


def written_fields(searched: Sequence[tuple[str, str]]) -> list[Field] | None:
    """The searched fields of a card its writer knows to be of the plain shape apart from
    these (prop, value as written) pairs of its searched lines, in the card's order: what
    reading the card back gives (`_plain_fields`), without the writer parsing the text it
    has just made; None when that reading is vobject's (escapes, lists, line breaks)."""
    found: list[Field] = []
    for name, value in searched:
        if "\\" in value or "," in value or "\r" in value or "\n" in value or "\x00" in value:
            return None
        text = _structured(value, name) if name in ("ORG", "N") else value
        found.append((name, text, folded(text)))
    return sorted(found, key=lambda field: _RANK[field[0]])


def _structured(value: str, name: str) -> str:
    """ORG and N read as vobject reads them: fields split at ';', the last one dropped
    when empty, N printed in Western order with its parts joined by spaces."""
    if name not in ("ORG", "N"):
        return value
    parts = value.split(";")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if name == "ORG":
        return ",".join(parts)
    parts = (parts + [""] * 5)[:5]
    return " ".join(parts[i] for i in _NAME_ORDER)
