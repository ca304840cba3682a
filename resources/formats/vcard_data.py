"""One vCard object resource (RFC 6352 §5.1): validate it with vobject, and convert
between vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) for the common properties."""

from __future__ import annotations

import re
from dataclasses import dataclass

import vobject

from resources.error_codes import sentence
from resources.errors import AddressResourceTooLarge, InvalidAddressData
from resources.formats.content_lines import forbidden_character

SUPPORTED_VERSIONS = ("3.0", "4.0")


@dataclass(frozen=True)
class VCardFacts:
    uid: str | None
    formatted_name: str
    version: str


def parse_vcard(body: bytes, *, max_size: int) -> VCardFacts:
    if len(body) > max_size:
        raise AddressResourceTooLarge(
            sentence("vcard_too_large", size=len(body), max=max_size), max_size
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidAddressData(code="vcard_not_utf8") from None
    bad = forbidden_character(text)
    if bad is not None:
        line, character = bad
        raise InvalidAddressData(
            code="vcard_control_character", line=line, character=f"U+{ord(character):04X}"
        )
    text = re.sub(r"\r*\n|\r", "\r\n", text)  # clients mix CRLF, bare LF, bare CR and CR CR LF
    try:
        cards = list(vobject.readComponents(text, validate=False))
    except Exception as exc:  # vobject raises a variety of parse errors
        raise InvalidAddressData(
            code="vcard_unreadable", reason=str(exc).splitlines()[0][:200]
        ) from None
    if len(cards) != 1 or cards[0].name != "VCARD":
        raise InvalidAddressData(code="one_vcard")
    card = cards[0]
    version = card.contents.get("version", [None])[0]
    if version is None or version.value.strip() not in SUPPORTED_VERSIONS:  # type: ignore[attr-defined]  # vobject's ContentLine
        raise InvalidAddressData(code="vcard_version")
    names = card.contents.get("fn")
    if not names or not str(names[0].value).strip():  # type: ignore[attr-defined]
        raise InvalidAddressData(code="vcard_needs_fn")
    uids = card.contents.get("uid")
    if uids and len(uids) > 1:
        raise InvalidAddressData(code="vcard_one_uid")
    uid = str(uids[0].value).strip() if uids else None  # type: ignore[attr-defined]
    return VCardFacts(uid or None, str(names[0].value).strip(), version.value.strip())  # type: ignore[attr-defined]


# --- version conversion ------------------------------------------------------------

_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?)(?P<params>(?:;[^:]*)?):(?P<value>.*)$"
)


def unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in re.split(r"\r\n|\n|\r", text):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 sequence (RFC 6350 §3.2)."""
    if len(line) <= 75 and (line.isascii() or len(line.encode("utf-8")) <= 75):
        return line  # most lines: nothing to fold, and no walk over the characters
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _to_v3(name: str, params: str, value: str) -> tuple[str, str, str]:
    base = name.split(".")[-1].upper()
    if base == "VERSION":
        return name, params, "3.0"
    if base == "KIND":
        return "X-ADDRESSBOOKSERVER-KIND", params, value
    if base == "TEL" and re.search(r";VALUE=uri", params, re.I):
        return (
            name,
            re.sub(r";VALUE=uri", "", params, flags=re.I),
            re.sub(r"^tel:", "", value, flags=re.I),
        )
    match = (
        re.match(r"^data:([\w/+.-]+);base64,(.*)$", value, re.S)
        if base in ("PHOTO", "LOGO")
        else None
    )
    if match:
        kind = match.group(1).split("/")[-1].upper()
        return name, f"{params};ENCODING=b;TYPE={kind}", match.group(2)
    params = re.sub(r";PREF=\d+", ";TYPE=pref", params, flags=re.I)
    return name, params, value


def _to_v4(name: str, params: str, value: str) -> tuple[str, str, str]:
    base = name.split(".")[-1].upper()
    if base == "VERSION":
        return name, params, "4.0"
    if base == "X-ADDRESSBOOKSERVER-KIND":
        return "KIND", params, value.lower()
    if base in ("PHOTO", "LOGO") and re.search(r";ENCODING=b", params, re.I):
        kind = re.search(r";TYPE=([\w-]+)", params, re.I)
        media = f"image/{kind.group(1).lower()}" if kind else "application/octet-stream"
        params = re.sub(r";(ENCODING=b|TYPE=[\w-]+)", "", params, flags=re.I)
        return name, params, f"data:{media};base64,{value}"
    params = re.sub(r";TYPE=pref\b", ";PREF=1", params, flags=re.I)
    return name, params, value


def convert_vcard(text: str, version: str) -> str:
    """The same vCard in `version` ("3.0" or "4.0"); unchanged if already in it."""
    lines = unfold(text)
    current = next(
        (line.split(":", 1)[1].strip() for line in lines if line.upper().startswith("VERSION:")),
        None,
    )
    if current == version or version not in SUPPORTED_VERSIONS:
        return text
    convert = _to_v3 if version == "3.0" else _to_v4
    out = []
    for line in lines:
        match = _LINE.match(line)
        if match is None:
            out.append(line)
            continue
        name, params, value = convert(
            match.group("name"), match.group("params"), match.group("value")
        )
        out.append(f"{name}{params}:{value}")
    return "\r\n".join(fold(line) for line in out) + "\r\n"
