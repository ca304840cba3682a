"""vCard files as connectors read them: cards (2.1, 3.0 and 4.0) streamed from bytes and
turned into phonebook source fields (first_name, last_name, company, phone_*, email).

vobject reads 3.0 and 4.0, but not what phones export as 2.1: quoted-printable values
with soft line breaks (`=` at the end of a line continues the value on the next line,
without the leading space of a folded line), 8-bit values in the charset a `CHARSET`
parameter names (or none: Windows exports write Windows-1252), and bare type parameters
(`TEL;WORK;VOICE:`). So this module reads content lines itself, on bytes, and decodes
each value by its own parameters; it keeps only the properties a phonebook needs.
"""

from __future__ import annotations

import codecs
import hashlib
import quopri
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from resources.error_codes import Sentence, sentence

# The source fields a vCard offers: the phonebook's codes first, then what else a card has.
FIELD_CODES = (
    "first_name",
    "last_name",
    "company",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "email",
)
EXTRA_CODES = ("full_name", "department", "title", "phone_other", "phone_fax", "uid")
SOURCE_FIELDS = FIELD_CODES + EXTRA_CODES
MAX_CARD_BYTES = 8 * 1024 * 1024  # a card with a large inline photo, and a margin
MAX_MB = MAX_CARD_BYTES // 2**20
_KEPT = {"N", "FN", "ORG", "TITLE", "TEL", "EMAIL", "UID", "VERSION"}
_LINE_END = re.compile(rb"\r\n|\n|\r")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "N": "\n"}
_NON_VOICE = {"FAX", "PAGER", "MODEM", "BBS", "TEXTPHONE"}


class VCardUnreadable(Exception):
    """The data as a whole is no vCard file (not one BEGIN:VCARD, a card too large)."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class Property:
    name: str  # upper case, group removed
    params: Mapping[str, tuple[str, ...]]  # upper-case names; bare 2.1 types under TYPE
    value: str  # decoded, still escaped as the card wrote it

    def types(self) -> set[str]:
        return {part.upper() for value in self.params.get("TYPE", ()) for part in value.split(",")}

    def preferred(self) -> bool:
        return "PREF" in self.types() or bool(self.params.get("PREF"))


@dataclass
class Card:
    """One card's properties in order, and the line its BEGIN:VCARD is on."""

    line: int
    properties: list[Property] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        return [prop for prop in self.properties if prop.name == name]

    def first(self, name: str) -> str:
        found = self.all(name)
        return found[0].value if found else ""


@dataclass(frozen=True)
class CardProblem:
    line: int
    sentence: Sentence

    @property
    def message(self) -> str:
        return self.sentence.english


def _logical_lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, unfolded line) for each content line: folded lines (a leading space
    or tab) and quoted-printable soft line breaks joined, a byte-order mark dropped."""
    number = 0
    current: bytearray | None = None
    start = 0
    first = True

    def physical() -> Iterator[bytes]:
        pending = b""
        for chunk in chunks:
            data = pending + chunk
            held = b"\r" if data.endswith(b"\r") else b""  # its LF may come in the next chunk
            parts = _LINE_END.split(data[: len(data) - len(held)])
            pending = parts.pop() + held
            yield from parts
            if len(pending) > MAX_CARD_BYTES:
                raise VCardUnreadable(sentence("vcard_file_line_too_long", size=MAX_MB))
        if pending.rstrip(b"\r"):
            yield from _LINE_END.split(pending.rstrip(b"\r"))

    for raw in physical():
        number += 1
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        if current is not None and _soft_break(current):
            current[-1:] = b""
            current += raw
            continue
        if current is not None and raw[:1] in (b" ", b"\t"):
            current += raw[1:]
            continue
        if current is not None:
            yield start, bytes(current)
        if len(raw.strip()) == 0:
            current = None
            continue
        current, start = bytearray(raw), number
        if len(current) > MAX_CARD_BYTES:
            raise VCardUnreadable(
                sentence("vcard_file_numbered_line_too_long", line=number, size=MAX_MB)
            )
    if current is not None:
        yield start, bytes(current)


def _soft_break(line: bytearray) -> bool:
    """A quoted-printable value whose line ends in `=` goes on on the next line."""
    if not line.endswith(b"="):
        return False
    head = bytes(line).split(b":", 1)[0].upper()
    return b"QUOTED-PRINTABLE" in head


def _split_params(head: str) -> list[str]:
    """`TEL;TYPE="work,voice";X=a:b` head split at semicolons outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for character in head:
        if character == '"':
            quoted = not quoted
        elif character == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(character)
    parts.append("".join(current))
    return parts


def _head_end(line: bytes) -> int:
    """Where the name and parameters end: the first colon outside a quoted parameter."""
    quoted = False
    for index, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3A and not quoted:
            return index
    return -1


def _decode(data: bytes, charset: str | None) -> str:
    for name in (charset, "utf-8"):
        if name:
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("windows-1252", errors="replace")


def parse_property(line: bytes) -> Property | None:
    """One content line as a property, or None when it has no name and colon."""
    end = _head_end(line)
    if end <= 0:
        return None
    head = line[:end].decode("ascii", errors="replace")
    raw_value = line[end + 1 :]
    name, *param_parts = _split_params(head)
    name = name.rsplit(".", 1)[-1].strip().upper()  # `item1.TEL`: the group is dropped
    if name not in _KEPT or not name:
        return Property(name, {}, "") if name in ("BEGIN", "END") else None
    params: dict[str, tuple[str, ...]] = {}
    for part in param_parts:
        key, equals, value = part.partition("=")
        key = key.strip().upper()
        if not equals:  # vCard 2.1 bare parameter: a type, or the encoding
            if key in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"):
                params["ENCODING"] = (key,)
            else:
                params["TYPE"] = (*params.get("TYPE", ()), key)
            continue
        values = tuple(v.strip().strip('"') for v in value.split(","))
        params[key] = (*params.get(key, ()), *values)
    encoding = params.get("ENCODING", ("",))[0].upper()
    charset = params.get("CHARSET", (None,))[0]
    if encoding == "QUOTED-PRINTABLE":
        raw_value = quopri.decodestring(raw_value)
    return Property(name, params, _decode(raw_value, charset))


def read_cards(chunks: Iterable[bytes]) -> Iterator[Card | CardProblem]:
    """The cards of a vCard file in order; a card that cannot be read is a CardProblem
    naming its line, and reading goes on. Raises VCardUnreadable when there is no card."""
    card: Card | None = None
    size = 0
    found = False
    for number, line in _logical_lines(chunks):
        prop = parse_property(line)
        if prop is None:
            if card is None and not found:
                raise VCardUnreadable(sentence("vcard_file_line_not_vcard", line=number))
            continue
        if prop.name == "BEGIN":
            upper = line.split(b":", 1)[1].strip().upper()
            if upper == b"VCARD":
                if card is not None:
                    yield CardProblem(card.line, sentence("vcard_file_card_not_closed"))
                card, size, found = Card(number), 0, True
            continue
        if prop.name == "END":
            if card is not None and line.split(b":", 1)[1].strip().upper() == b"VCARD":
                yield card
                card = None
            continue
        if card is None:
            if not found:
                raise VCardUnreadable(sentence("vcard_file_line_before_begin", line=number))
            continue
        size += len(line)
        if size > MAX_CARD_BYTES:
            yield CardProblem(card.line, sentence("vcard_file_card_too_large", size=MAX_MB))
            card = None
            continue
        card.properties.append(prop)
    if card is not None:
        yield CardProblem(card.line, sentence("vcard_file_card_not_closed"))
    if not found:
        raise VCardUnreadable(sentence("vcard_file_no_card"))


def unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda match: _UNESCAPED.get(match.group(1), match.group(1)), text)


def components(text: str) -> list[str]:
    """A structured value (N, ORG) split at the semicolons that are not escaped."""
    return [unescape(part).strip() for part in re.split(r"(?<!\\);", text)]


def _phone(prop: Property) -> str:
    value = unescape(prop.value).strip()
    return value[4:].strip() if value.lower().startswith("tel:") else value


def _pick(props: list[Property]) -> str:
    """The preferred one of several properties, else the first."""
    for prop in sorted(props, key=lambda prop: not prop.preferred()):
        value = _phone(prop) if prop.name == "TEL" else unescape(prop.value).strip()
        if value:
            return value
    return ""


def card_values(card: Card) -> dict[str, str]:
    """A card's phonebook source fields.

    N gives first and last name; a card without them (vCard 4.0 needs only FN) has FN as
    last name, unless FN only repeats the company (a company card). TEL types decide the
    phone field (`work`, `cell`, `home`, in any of the three versions' spellings); a fax
    or pager number is `phone_fax` or left out; a number without any of these types fills
    `phone_work` when the card has no work number, so that a card of one bare number is
    still a phonebook entry, and is `phone_other` as well.
    """
    name = components(card.first("N")) + [""] * 5
    org = components(card.first("ORG")) + [""]
    full_name = unescape(card.first("FN")).strip()
    values = {
        "last_name": name[0],
        "first_name": name[1],
        "company": org[0],
        "department": org[1],
        "full_name": full_name,
        "title": unescape(card.first("TITLE")).strip(),
        "uid": unescape(card.first("UID")).strip(),
    }
    if not values["last_name"] and not values["first_name"] and full_name != org[0]:
        values["last_name"] = full_name
    phones: dict[str, list[Property]] = {"work": [], "cell": [], "home": [], "fax": [], "other": []}
    for prop in card.all("TEL"):
        types = prop.types()
        if "FAX" in types:
            phones["fax"].append(prop)
        elif types & _NON_VOICE:
            continue
        elif "CELL" in types or "MOBILE" in types or "IPHONE" in types:
            phones["cell"].append(prop)
        elif "WORK" in types:
            phones["work"].append(prop)
        elif "HOME" in types:
            phones["home"].append(prop)
        else:
            phones["other"].append(prop)
    values["phone_work"] = _pick(phones["work"])
    values["phone_mobile"] = _pick(phones["cell"])
    values["phone_home"] = _pick(phones["home"])
    values["phone_fax"] = _pick(phones["fax"])
    values["phone_other"] = _pick(phones["other"])
    if not values["phone_work"]:
        values["phone_work"] = values["phone_other"]
    values["email"] = _pick(card.all("EMAIL"))
    return values


def card_key(values: Mapping[str, str]) -> str:
    """The UID when the card has one; otherwise a digest of its fields, so an unchanged
    card keeps its key between runs."""
    if values.get("uid"):
        return values["uid"]
    canonical = "\x1f".join(f"{code}={values.get(code, '')}" for code in SOURCE_FIELDS)
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def card_problem(card: Card) -> Sentence | None:
    """Why a card cannot be read as a vCard of a known version, or None."""
    version = card.first("VERSION").strip()
    if version and version not in ("2.1", "3.0", "4.0"):
        return sentence("vcard_file_version_unread", version=version[:20])
    return None
