"""CALDAV:text-match substring matching with collations (RFC 4791 §7.5, §9.7.5; RFC 4790).

i;octet compares code points (the same as comparing UTF-8 octets), i;ascii-casemap
folds A-Z only, i;unicode-casemap (RFC 5051) folds case and compatibility forms,
approximated here by NFKD(casefold(NFKD(text))).
"""

from __future__ import annotations

import unicodedata

import icalendar
from icalendar.prop import vCategory, vText, vUnknown

from resources.formats.calendar_query.filters import (
    ASCII_CASEMAP,
    OCTET,
    UNICODE_CASEMAP,
    TextMatch,
)

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def text_matches(match: TextMatch, values: list[str]) -> bool:
    """Whether any value contains the text under the collation, negated if asked."""
    needle = _fold(match.text, match.collation)
    found = any(needle in _fold(value, match.collation) for value in values)
    return found != match.negate


def property_texts(prop: object) -> list[str]:
    """The text values of one property: each CATEGORIES value, TEXT unescaped,
    other types as their iCalendar text."""
    if isinstance(prop, vCategory):
        return [str(value) for value in prop.cats]
    if isinstance(prop, vUnknown):
        return [str(vText.from_ical(str(prop)))]
    if isinstance(prop, str):
        return [str(prop)]
    to_ical = getattr(prop, "to_ical", None)
    if to_ical is None:
        return [str(prop)]
    value = to_ical()
    return [value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)]


def parameter_texts(prop: object, name: str) -> list[str] | None:
    """The values of a property parameter, None when the parameter is absent."""
    params = getattr(prop, "params", None)
    if params is None or name not in params:
        return None
    value = params[name]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def properties_named(component: icalendar.Component, name: str) -> list[object]:
    """Every occurrence of a property in a component (icalendar folds repeats into a list)."""
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _fold(text: str, collation: str) -> str:
    if collation == OCTET:
        return text
    if collation == ASCII_CASEMAP:
        return text.translate(_ASCII_LOWER)
    if collation == UNICODE_CASEMAP:
        decomposed = unicodedata.normalize("NFKD", text)
        return unicodedata.normalize("NFKD", decomposed.casefold())
    raise AssertionError(f"TextMatch admitted an unknown collation {collation!r}")


def fold_for_collation(text: str, collation: str) -> str:
    """`text` as the collation compares it (shared with the address book query)."""
    return _fold(text, collation)
