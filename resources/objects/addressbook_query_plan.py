"""The plan of an addressbook-query (RFC 6352 §8.6) against one address book: from the
cards' stored fields where they answer the filter (resources.objects.card_search), else
every stored vCard read page by page in name order, parsed and tested against the
filter (resources.formats.addressbook_query, §10.5); up to the client's limit (§8.6.1).

It lives in resources/objects because it reads collections and stored objects and
runs the formats' vCard filter over them; the REPORT handler in davserver only parses
the body, runs this and writes the answer.

A stored card that no longer parses never matches; the others are answered all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Protocol

from resources.formats.addressbook_query import CardFilter, card_matches, parse_card
from resources.objects import card_search
from resources.store.hot_queries import ObjectWithBody, object_pages_with_body
from resources.store.models import Collection


class AddressBookQuery(Protocol):
    """What the plan needs of a parsed addressbook-query (the handler's AddressQuery also
    carries the requested properties and address-data, which only the answer needs)."""

    @property
    def filter(self) -> CardFilter: ...

    @property
    def limit(self) -> int | None: ...


class LimitExceeded(NamedTuple):
    """More cards match than the query's limit: the answer ends here (§8.6.1, 507)."""


# A match is the stored row itself: nothing is made per match that the answer does not need.
AddressBookQueryResult = ObjectWithBody | LimitExceeded


def addressbook_query_results(
    query: AddressBookQuery, collection: Collection
) -> Iterator[Iterator[AddressBookQueryResult]]:
    """The results of `query` in `collection`, in name order, page by page: the answer can
    be sent after each page. After LimitExceeded nothing more comes, and no more cards
    are read."""
    if card_search.answers(query.filter):
        found = card_search.matching_cards(collection.id, query.filter, query.limit)
        yield from _limited(found, query.limit)
        return
    yield from parsed_query_results(query, collection)


def parsed_query_results(
    query: AddressBookQuery, collection: Collection
) -> Iterator[Iterator[AddressBookQueryResult]]:
    """The results of `query` found by parsing every card (what the stored fields must
    equal, and the answer to filters they cannot give)."""
    counter = _Matches(query.filter, query.limit)
    for page in object_pages_with_body(collection.id):
        yield counter.in_page(page)
        if counter.limit_exceeded:
            return


def _limited(
    pages: Iterator[list[ObjectWithBody]], limit: int | None
) -> Iterator[Iterator[AddressBookQueryResult]]:
    """The pages of matches, with LimitExceeded in place of the one past the limit."""
    counted = 0
    for page in pages:
        results: list[AddressBookQueryResult] = []
        for row in page:
            if limit is not None and counted >= limit:
                results.append(LimitExceeded())
                yield iter(results)
                return
            counted += 1
            results.append(row)
        yield iter(results)


class _Matches:
    """The cards matched so far, against the limit."""

    def __init__(self, card_filter: CardFilter, limit: int | None) -> None:
        self.filter = card_filter
        self.limit = limit
        self.matched = 0
        self.limit_exceeded = False

    def in_page(self, page: list[ObjectWithBody]) -> Iterator[AddressBookQueryResult]:
        for row in page:
            try:
                card = parse_card(row.body)
            except Exception:  # a stored card that no longer parses never matches
                continue
            if not card_matches(card, self.filter):
                continue
            if self.limit is not None and self.matched >= self.limit:
                self.limit_exceeded = True
                yield LimitExceeded()
                return
            self.matched += 1
            yield row
