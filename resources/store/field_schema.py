"""The vocabulary of entity field schemas: what a field of a branch, employee, login ...
is (name, kind, required, maximum length, choices, help text), declared once per entity
in the domain; the JSON API's body checks, the admin forms and the admin list tables
are computed from it, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

import peewee

# Kinds of value a field holds. Text kinds differ only in how a form shows them.
TEXT = "text"  # one line
MULTILINE = "multiline"  # several lines (an address)
EMAIL = "email"
SECRET = "secret"  # a password: write-only, never shown or returned
COLOUR = "colour"  # #RRGGBB
CHOICE = "choice"  # one of `choices`
CHOICES = "choices"  # a list of some of `choices`
BOOL = "bool"
DATE = "date"
REF = "ref"  # the id of a row of `refers_to`
REFS = "refs"  # a list of ids of rows of `refers_to`
TEXTS = "texts"  # a list of strings
TEXT_KINDS = frozenset({TEXT, MULTILINE, EMAIL, SECRET, COLOUR, CHOICE})


def N_(message: str) -> str:
    """Mark a label or help text for translation; the admin UI translates it when shown."""
    return message


@dataclass(frozen=True)
class FieldSpec:
    """One field of an entity as clients and administrators give it.

    `required`: the value may not be empty, and a new record needs it unless the field
    has a `default` (the domain's value when none is given); `suggested`: what a blank
    form shows without making the field optional; `max_length`: the domain's limit for
    text; `fixed_once_saved`: set on creation only; `in_form`/`in_api`: where it is
    offered (a password of a login is set apart from its form, say); `api_name`: the
    name the JSON API uses when it differs; `searchable`/`sortable`: lists may search
    or sort by it (in the database, see store.listing)."""

    name: str
    kind: str
    label: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    default: object = None
    suggested: object = None
    nullable: bool = False
    refers_to: type[peewee.Model] | None = None
    refers_to_label: str = ""  # what a reference names, for messages: "branch"
    fixed_once_saved: bool = False
    in_form: bool = True
    in_api: bool = True
    api_name: str = ""
    creatable: bool = True
    updatable: bool = True
    searchable: bool = False
    sortable: bool = False

    @property
    def must_be_sent(self) -> bool:
        """A new record cannot be made without it."""
        return self.required and self.default is None

    @property
    def blank(self) -> object:
        """What a blank form shows."""
        if self.suggested is not None:
            return self.suggested
        if self.default is not None:
            return self.default
        return {BOOL: False, CHOICES: (), REFS: (), TEXTS: ()}.get(self.kind, "")

    @property
    def public_name(self) -> str:
        """The field's name in the JSON API."""
        return self.api_name or self.name


@dataclass(frozen=True)
class EntitySchema:
    """Every field of one entity, in the order forms show them, and the table they live in."""

    entity: str  # "branch", for messages and the audit log
    model: type[peewee.Model]
    fields: tuple[FieldSpec, ...]
    default_sort: str = "-id"  # newest first unless a list asks otherwise
    extra_sorts: Mapping[str, str] = field(default_factory=dict)  # sort name -> column

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def names(self, where: Callable[[FieldSpec], bool] = lambda f: True) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if where(f))

    def searchable(self) -> tuple[peewee.Field, ...]:
        return tuple(getattr(self.model, f.name) for f in self.fields if f.searchable)

    def sort_columns(self) -> dict[str, peewee.Field]:
        """Sort names a list accepts, each with its column: `id` and the sortable fields."""
        columns: dict[str, peewee.Field] = {"id": id_column(self.model)}
        columns.update({f.name: getattr(self.model, f.name) for f in self.fields if f.sortable})
        columns.update({name: getattr(self.model, col) for name, col in self.extra_sorts.items()})
        return columns


def id_column(model: type[peewee.Model]) -> peewee.Field:
    """The table's `id` column (peewee adds it to every model without a key of its own)."""
    return cast(peewee.Field, model._meta.primary_key)
