"""Searching the principals a login may see (RFC 3744 §9.4 principal-property-search),
for Apple Calendar's "Locations" and the attendee lookups of Apple and Thunderbird.

A login sees its own principal and the principals of the resources it may see
(resources/auth/access.py: rooms with sync on, its own person). Resources are searched by
one bounded query on their name, their addresses (mailto:<slug>@<mail domain>, a
person's employee e-mail) and their calendar user type; the login's own principal is
tested on its own. Matching ignores case; match types are contains, starts-with and
equals.

Conditions on the calendar user type narrow the search even under `anyof`: Apple asks
"name starts with X, or e-mail starts with X" and adds the type it wants (ROOM for
Locations), and means rooms whose name or e-mail match, not every room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import peewee

from resources.auth.access import visibility_condition
from resources.store.database import is_sqlite
from resources.store.organisation import Employee, Resource

NAME = "name"
ADDRESS = "address"
CUTYPE = "cutype"
UNSEARCHABLE = "unsearchable"  # a property no principal here can match
MATCH_TYPES = ("contains", "starts-with", "equals")
MAX_RESULTS = 50
_ESCAPE = "!"


@dataclass(frozen=True)
class Condition:
    """One property-search: the parts of a principal it reads (it holds when one of them
    matches), the text, and how it must match."""

    fields: tuple[str, ...]  # NAME, ADDRESS, CUTYPE or UNSEARCHABLE
    text: str
    match: str = "contains"

    @property
    def narrows(self) -> bool:
        return self.fields == (CUTYPE,)


@dataclass(frozen=True)
class PrincipalQuery:
    conditions: tuple[Condition, ...]
    any_of: bool = False
    limit: int = MAX_RESULTS


@dataclass(frozen=True)
class OwnPrincipal:
    """What the login's own principal is searched by."""

    names: tuple[str, ...]
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class SearchResult:
    own: bool  # the login's own principal matches
    resources: list[Resource]
    truncated: bool  # more matched than the limit


def search_principals(
    query: PrincipalQuery, employee_id: int | None, own: OwnPrincipal | None, mail_domain: str
) -> SearchResult:
    """The principals the login may see that match, at most `query.limit` of them; `own`
    is the login's own principal, None to search the resources only."""
    kinds, terms = _split(query.conditions)
    own_matches = own is not None and _own_matches(kinds, terms, query.any_of, own)
    limit = max(0, query.limit - (1 if own_matches else 0))
    condition = visibility_condition(employee_id) & _resource_condition(
        kinds, terms, query.any_of, mail_domain
    )
    rows = list(
        Resource.select(Resource)
        .join(Employee, peewee.JOIN.LEFT_OUTER, on=(Resource.employee == Employee.id))
        .where(condition)
        .order_by(Resource.name, Resource.id)
        .limit(limit + 1)
    )
    return SearchResult(own_matches, rows[:limit], len(rows) > limit)


def _split(conditions: Sequence[Condition]) -> tuple[list[Condition], list[Condition]]:
    """Calendar user type conditions (which narrow) apart from the others."""
    kinds = [c for c in conditions if c.narrows]
    return kinds, [c for c in conditions if not c.narrows]


def _resource_condition(
    kinds: list[Condition], terms: list[Condition], any_of: bool, mail_domain: str
) -> peewee.ColumnBase:
    narrowed: peewee.ColumnBase = peewee.Value(True)
    for kind in kinds:
        narrowed &= _kind_condition(kind)
    if not terms:
        return narrowed
    parts = [_term_condition(term, mail_domain) for term in terms]
    joined = parts[0]
    for part in parts[1:]:
        joined = (joined | part) if any_of else (joined & part)
    return narrowed & joined


def _kind_condition(condition: Condition) -> peewee.ColumnBase:
    wanted = {"ROOM": "room", "INDIVIDUAL": "person"}
    kinds = [
        kind
        for cutype, kind in wanted.items()
        if _text_matches(cutype, condition.text, condition.match)
    ]
    return Resource.kind.in_(kinds) if kinds else peewee.Value(False)


def _term_condition(condition: Condition, mail_domain: str) -> peewee.ColumnBase:
    found: peewee.ColumnBase = peewee.Value(False)
    for field in condition.fields:
        found |= _field_condition(field, condition, mail_domain)
    return found


def _field_condition(field: str, condition: Condition, mail_domain: str) -> peewee.ColumnBase:
    if field == NAME:
        return _like(Resource.name, condition)
    if field == CUTYPE:
        return _kind_condition(condition)
    if field == ADDRESS:
        text = condition.text.strip()
        bare = Condition(
            (ADDRESS,), text[7:] if text[:7].lower() == "mailto:" else text, condition.match
        )
        resource_address = Resource.slug.concat(f"@{mail_domain}")
        person_email = (
            (Resource.kind == "person") & (Employee.email != "") & _like(Employee.email, bare)
        )
        return _like(resource_address, bare) | person_email
    return peewee.Value(False)


def _like(column: peewee.ColumnBase, condition: Condition) -> peewee.ColumnBase:
    """`column` matches the condition's text, without regard to case, wildcards literal."""
    escaped = "".join(_ESCAPE + c if c in "%_" + _ESCAPE else c for c in condition.text.lower())
    pattern = {"equals": escaped, "starts-with": f"{escaped}%"}.get(condition.match, f"%{escaped}%")
    compared = column if is_sqlite() else peewee.fn.LOWER(column)
    return peewee.NodeList(
        (compared, peewee.SQL("LIKE"), pattern, peewee.SQL(f"ESCAPE '{_ESCAPE}'"))
    )


def _own_matches(
    kinds: list[Condition], terms: list[Condition], any_of: bool, own: OwnPrincipal
) -> bool:
    if not all(_text_matches("INDIVIDUAL", k.text, k.match) for k in kinds):
        return False
    if not terms:
        return True
    results = [_own_term(term, own) for term in terms]
    return any(results) if any_of else all(results)


def _own_term(condition: Condition, own: OwnPrincipal) -> bool:
    values: dict[str, Sequence[str]] = {
        NAME: own.names,
        ADDRESS: own.addresses,
        CUTYPE: ("INDIVIDUAL",),
    }
    candidates = [value for field in condition.fields for value in values.get(field, ())]
    candidates += [a[7:] for a in candidates if a[:7].lower() == "mailto:"]
    return any(_text_matches(value, condition.text, condition.match) for value in candidates)


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda value, text: text in value,
    "starts-with": lambda value, text: value.startswith(text),
    "equals": lambda value, text: value == text,
}


def _text_matches(value: str, text: str, match: str) -> bool:
    return _MATCHERS.get(match, _MATCHERS["contains"])(value.casefold(), text.casefold())
