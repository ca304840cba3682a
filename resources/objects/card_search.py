"""addressbook-query (RFC 6352 §8.6) answered from the stored fields of the cards
(resources/store/card_fields.py) instead of parsing every card: text-matches on FN,
EMAIL, TEL, NICKNAME, ORG and N.

A text-match under i;unicode-casemap (the default, and what phones and PBXs send to
look a caller up) of at least three characters narrows the cards by the trigram index;
every candidate is then tested exactly, by the filter's own rules, against its stored
values. Negated matches, other collations, shorter texts and (on SQLite, whose trigram
table leaves them out) N and ORG test every card's stored values, still without parsing. Filters the fields cannot answer (param-filter, other
properties) are left to the parsing plan.
"""

from __future__ import annotations

from collections.abc import Iterator

from resources.formats.addressbook_query import (
    CardFilter,
    CardPropFilter,
    CardTextMatch,
    fields_match,
)
from resources.formats.calendar_query.filters import UNICODE_CASEMAP
from resources.formats.card_fields import SEARCHED, folded
from resources.store import card_fields as stored_fields
from resources.store.hot_queries import ObjectWithBody, objects_with_body

TRIGRAM = 3  # the shortest text the trigram indexes can look up


def answers(card_filter: CardFilter) -> bool:
    """Whether the stored fields answer this filter exactly."""
    return all(
        prop.name.upper() in SEARCHED and not prop.param_filters
        for prop in card_filter.prop_filters
    )


def matching_cards(
    collection_id: int, card_filter: CardFilter, limit: int | None, page_size: int = 200
) -> Iterator[list[ObjectWithBody]]:
    """The matching cards in name order, page by page; at most `limit` + 1 of them, so
    the caller sees that the limit was exceeded."""
    candidates = _candidates(collection_id, card_filter)
    if candidates is not None and not candidates:
        return
    props = sorted({prop.name.upper() for prop in card_filter.prop_filters})
    cards = stored_fields.fields_of(
        collection_id, props, None if candidates is None else sorted(candidates)
    )
    matched = sorted(
        (name, object_id)
        for object_id, (name, fields) in cards.items()
        if fields_match(fields, card_filter)
    )
    if limit is not None:
        matched = matched[: limit + 1]
    for start in range(0, len(matched), page_size):
        page = matched[start : start + page_size]
        rows = {row.id: row for row in objects_with_body(collection_id, "id", [i for _, i in page])}
        yield [rows[object_id] for _, object_id in page if object_id in rows]


def _candidates(collection_id: int, card_filter: CardFilter) -> set[int] | None:
    """A superset of the matching cards, or None for "any card may match"."""
    return _combine(
        [_prop_candidates(collection_id, prop) for prop in card_filter.prop_filters],
        card_filter.test,
    )


def _prop_candidates(collection_id: int, prop: CardPropFilter) -> set[int] | None:
    if prop.is_not_defined or not prop.text_matches:
        return None
    return _combine(
        [_text_candidates(collection_id, prop.name.upper(), m) for m in prop.text_matches],
        prop.test,
    )


def _text_candidates(collection_id: int, prop: str, match: CardTextMatch) -> set[int] | None:
    if match.negate or match.collation != UNICODE_CASEMAP:
        return None
    needle = folded(match.text)
    if len(needle) < TRIGRAM:
        return None
    # equals, starts-with and ends-with all hold the text somewhere: contains narrows them
    return stored_fields.cards_with_text(collection_id, prop, needle)


def _combine(parts: list[set[int] | None], test: str) -> set[int] | None:
    if not parts:
        return None
    if test == "allof":
        known = [part for part in parts if part is not None]
        return set.intersection(*known) if known else None
    if any(part is None for part in parts):
        return None
    return set().union(*parts)  # type: ignore[arg-type]  # None ruled out above
