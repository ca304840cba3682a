"""The addressbook-query filter of RFC 6352 §10.5: prop-filter, param-filter and
text-match (equals, contains, starts-with, ends-with) under a collation, combined
with anyof/allof, evaluated against one vCard."""

from __future__ import annotations

from dataclasses import dataclass, field

import vobject

from resources.errors import DomainError
from resources.formats.calendar_query.filters import ASCII_CASEMAP, OCTET, UNICODE_CASEMAP
from resources.formats.calendar_query.text_match import fold_for_collation
from resources.formats.card_fields import value_text

MATCH_TYPES = ("equals", "contains", "starts-with", "ends-with")
COLLATIONS = (ASCII_CASEMAP, OCTET, UNICODE_CASEMAP)


class UnsupportedAddressFilter(DomainError):
    """A filter part this server cannot evaluate exactly (CARDDAV:supported-filter)."""


class UnsupportedAddressCollation(DomainError):
    """A collation this server does not know (CARDDAV:supported-collation)."""


@dataclass(frozen=True)
class CardTextMatch:
    text: str
    collation: str = UNICODE_CASEMAP
    match_type: str = "contains"
    negate: bool = False

    def __post_init__(self) -> None:
        if self.collation not in COLLATIONS:
            raise UnsupportedAddressCollation(
                code="card_collation_unsupported", collation=repr(self.collation)
            )
        if self.match_type not in MATCH_TYPES:
            raise UnsupportedAddressFilter(
                code="match_type_unsupported", match_type=repr(self.match_type)
            )


@dataclass(frozen=True)
class CardParamFilter:
    name: str
    is_not_defined: bool = False
    text_match: CardTextMatch | None = None


@dataclass(frozen=True)
class CardPropFilter:
    name: str
    test: str = "anyof"
    is_not_defined: bool = False
    text_matches: tuple[CardTextMatch, ...] = ()
    param_filters: tuple[CardParamFilter, ...] = ()


@dataclass(frozen=True)
class CardFilter:
    test: str = "anyof"
    prop_filters: tuple[CardPropFilter, ...] = field(default_factory=tuple)


def _text_ok(match: CardTextMatch, value: str) -> bool:
    needle = fold_for_collation(match.text, match.collation)
    hay = fold_for_collation(value, match.collation)
    found = {
        "equals": hay == needle,
        "contains": needle in hay,
        "starts-with": hay.startswith(needle),
        "ends-with": hay.endswith(needle),
    }[match.match_type]
    return found != match.negate


def _param_ok(param: CardParamFilter, line: vobject.base.ContentLine) -> bool:
    values = line.params.get(param.name.upper())
    if param.is_not_defined:
        return values is None
    if values is None:
        return False
    if param.text_match is None:
        return True
    return any(_text_ok(param.text_match, str(v)) for v in values)


def _line_ok(prop: CardPropFilter, line: vobject.base.ContentLine) -> bool:
    tests = [_text_ok(m, value_text(line)) for m in prop.text_matches]
    tests += [_param_ok(p, line) for p in prop.param_filters]
    if not tests:
        return True
    return all(tests) if prop.test == "allof" else any(tests)


def _prop_ok(prop: CardPropFilter, card: vobject.base.Component) -> bool:
    lines = card.contents.get(prop.name.lower(), [])
    if prop.is_not_defined:
        return not lines
    return any(_line_ok(prop, line) for line in lines)  # type: ignore[arg-type]


def _stored_prop_ok(prop: CardPropFilter, fields: dict[str, list[str]]) -> bool:
    values = fields.get(prop.name.upper(), [])
    if prop.is_not_defined:
        return not values
    for value in values:
        tests = [_text_ok(m, value) for m in prop.text_matches]
        if not tests or (all(tests) if prop.test == "allof" else any(tests)):
            return True
    return False


def fields_match(fields: dict[str, list[str]], card_filter: CardFilter) -> bool:
    """`card_matches` for a card read from its stored fields (prop -> values, see
    resources.formats.card_fields): for filters without param-filter only."""
    if not card_filter.prop_filters:
        return True
    results = (_stored_prop_ok(prop, fields) for prop in card_filter.prop_filters)
    return all(results) if card_filter.test == "allof" else any(results)


def card_matches(card: vobject.base.Component, card_filter: CardFilter) -> bool:
    """Whether one parsed vCard (vobject) passes the filter; no prop-filter matches all."""
    if not card_filter.prop_filters:
        return True
    results = (_prop_ok(prop, card) for prop in card_filter.prop_filters)
    return all(results) if card_filter.test == "allof" else any(results)


def parse_card(body: bytes) -> vobject.base.Component:
    return vobject.readOne(body.decode("utf-8-sig"), validate=False)  # type: ignore[no-any-return]
