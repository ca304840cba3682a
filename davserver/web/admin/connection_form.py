"""The connection form of the admin UI, built from the connector type's settings schema
(resources/connectors/connector_types.py SettingSpec): the fields, the posted form read
into the parts the domain takes (settings, mapping, defaults, scope, priority), and the
form filled from a saved connection. Secrets are never shown: an empty secret field
keeps the stored value."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request

from davserver.web.admin.choices import member_choices
from davserver.web.admin.connector_words import INTERVAL_LABELS, choice_label
from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.forms import Field, FormState
from davserver.web.admin.i18n import N_, _
from resources.company_directory.schemas import PHONEBOOK_ENTRY
from resources.connectors.connection_rules import PRIORITY_MAX, PRIORITY_MIN
from resources.connectors.connections import default_mapping, scope_of
from resources.connectors.connector_types import BOOL, CHOICE, SECRET, URL, ConnectorType
from resources.connectors.run_queue import INTERVALS_MINUTES
from resources.errors import DomainError
from resources.organisation.groups import list_groups
from resources.store.connectors import Connection

SETTING_PREFIX = "settings."
MAPPING_PREFIX = "mapping."
DEFAULT_PREFIX = "defaults."
CLEAR_PREFIX = "clear."
NOT_A_NUMBER = N_("Please enter a whole number from %(min)s to %(max)s.")
SETTING_KINDS = {URL: "url", SECRET: "password", BOOL: "checkbox", CHOICE: "select"}
# Where a domain refusal is shown when its field is not one input of the form.
SECTION_OF = {"settings": "settings", "mapping": "mapping", "defaults": "mapping"}


def interval_choices() -> list[tuple[str, str]]:
    return [(str(minutes), _(INTERVAL_LABELS[minutes])) for minutes in INTERVALS_MINUTES]


def group_choices() -> list[tuple[str, str]]:
    return [(str(group.id), group.name) for group in list_groups()]


BASIC_FIELDS = (
    Field("name", N_("Name"), required=True, maxlength=200),
    Field("description", N_("Description"), kind="textarea", maxlength=2000),
    Field(
        "interval_minutes",
        N_("Runs"),
        kind="select",
        choices=interval_choices,
        default="0",
        help=N_("A run can always be started by hand with the play button."),
    ),
    Field(
        "priority",
        N_("Priority"),
        kind="number",
        maxlength=None,
        default="0",
        help=N_("When two connections deliver the same field, the higher priority wins."),
    ),
    Field("enabled", N_("Switched on"), kind="checkbox", default=True),
)


def setting_fields(kind: ConnectorType) -> tuple[Field, ...]:
    """One input per setting of the type, named settings.NAME."""
    made = []
    for spec in kind.settings:
        choices = None
        if spec.kind == CHOICE:
            choices = _choices_of(spec.choices)
        made.append(
            Field(
                SETTING_PREFIX + spec.name,
                spec.label,
                kind=SETTING_KINDS.get(spec.kind, "text"),
                required=spec.required,
                choices=choices,
                maxlength=spec.max_length,
                help=spec.help,
                default=spec.default,
            )
        )
    return tuple(made)


def _choices_of(values: tuple[str, ...]):
    return lambda: [(value, choice_label(value)) for value in values]


def target_fields() -> list[tuple[str, str]]:
    """The phonebook's fields (name, label) a mapping row and a default are given for."""
    return [(spec.name, spec.label) for spec in PHONEBOOK_ENTRY if spec.in_form]


@dataclass
class ConnectionForm:
    """What the form shows: the typed values, errors by input or section, the mapping
    and defaults rows, the chosen scope, and the checks of a test just run."""

    state: FormState
    mapping: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    everyone: bool = True
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    found_fields: list[str] = field(default_factory=list)
    secrets_set: list[str] = field(default_factory=list)
    secrets_typed: list[str] = field(default_factory=list)  # never sent back: typed again

    def attach(self, error: DomainError, inputs: set[str]) -> None:
        """A refusal next to its input, else above its section, else above the form."""
        name = error.field or ""
        slot = name if name in inputs else SECTION_OF.get(name.split(".")[0], name)
        if slot not in inputs and slot not in ("settings", "mapping", "scope"):
            slot = ""
        self.state.errors[slot] = refusal(error)


def blank_form(kind: ConnectorType) -> ConnectionForm:
    """A new connection's form: the defaults, and the type's own mapping preselected (a
    mapping saved from the form replaces the type's default one as a whole)."""
    values: dict[str, Any] = {spec.name: spec.default for spec in BASIC_FIELDS}
    values |= {spec.name: spec.default for spec in setting_fields(kind)}
    return ConnectionForm(FormState(values), mapping=default_mapping(kind, "phonebook"))


def saved_form(connection: Connection, kind: ConnectorType) -> ConnectionForm:
    """The form of a saved connection: its values, its secrets only as "set"."""
    stored = json.loads(connection.settings or "{}")
    values: dict[str, Any] = {
        "name": connection.name,
        "description": connection.description,
        "interval_minutes": str(connection.interval_minutes),
        "priority": str(connection.priority),
        "enabled": bool(connection.enabled),
    }
    for spec in kind.settings:
        values[SETTING_PREFIX + spec.name] = (
            "" if spec.secret else stored.get(spec.name, spec.default)
        )
    scope = scope_of(connection)
    return ConnectionForm(
        FormState(values),
        mapping=json.loads(connection.mapping or "{}"),
        defaults=json.loads(connection.defaults or "{}"),
        everyone=scope.everyone,
        users=[str(i) for i in scope.users],
        groups=[str(i) for i in scope.groups],
        secrets_set=sorted(json.loads(connection.secrets or "{}")),
    )


@dataclass(frozen=True)
class Posted:
    """The posted form as the domain takes it (None where an input could not be read)."""

    form: ConnectionForm
    parts: dict[str, Any]


def _whole_number(raw: str, low: int, high: int) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ValueError(_(NOT_A_NUMBER, min=low, max=high))
    return number


def _ids(raw: list[str], name: str, errors: dict[str, str]) -> list[int]:
    try:
        return sorted({int(value) for value in raw})
    except ValueError:
        errors[name] = _("Please choose one of the listed entries.")
        return []


def posted_settings(kind: ConnectorType) -> dict[str, str | bool | None]:
    """The settings as typed: a secret left empty is None (the stored one stays) unless
    its "remove" box is ticked ("", it is removed)."""
    settings: dict[str, str | bool | None] = {}
    for spec in kind.settings:
        name = SETTING_PREFIX + spec.name
        if spec.kind == BOOL:
            settings[spec.name] = name in request.form
        elif spec.secret:
            typed = request.form.get(name, "")
            cleared = CLEAR_PREFIX + spec.name in request.form
            settings[spec.name] = typed if typed else ("" if cleared else None)
        else:
            typed = request.form.get(name, "").strip()
            # a choice left out of the form goes back to its default
            settings[spec.name] = None if spec.kind == CHOICE and not typed else typed
    return settings


def _posted_values(kind: ConnectorType, settings: Mapping[str, object]) -> dict[str, Any]:
    """The inputs as typed, for showing the form again (never a secret)."""
    values: dict[str, Any] = {}
    for basic in BASIC_FIELDS:
        if basic.kind == "checkbox":
            values[basic.name] = basic.name in request.form
        else:
            values[basic.name] = request.form.get(basic.name, "").strip()
    for spec in kind.settings:
        values[SETTING_PREFIX + spec.name] = "" if spec.secret else settings[spec.name]
    return values


def read_posted(kind: ConnectorType, secrets_set: Sequence[str] = ()) -> Posted:
    """Read every part of the posted form; problems of form (a number that is none, an
    empty name) go into the form's errors, the domain checks the rest."""
    errors: dict[str, str] = {}
    settings = posted_settings(kind)
    values = _posted_values(kind, settings)
    parts: dict[str, Any] = {
        "name": values["name"],
        "description": values["description"],
        "enabled": values["enabled"],
        "settings": settings,
    }
    try:
        parts["priority"] = _whole_number(values["priority"] or "0", PRIORITY_MIN, PRIORITY_MAX)
    except ValueError as problem:
        errors["priority"] = str(problem)
    try:
        parts["interval_minutes"] = int(values["interval_minutes"] or "0")
    except ValueError:
        errors["interval_minutes"] = _("Please choose one of the listed entries.")
    if not values["name"]:
        errors["name"] = _("Please fill in this field.")
    form = ConnectionForm(
        FormState(values, errors),
        mapping=_prefixed(MAPPING_PREFIX),
        defaults=_prefixed(DEFAULT_PREFIX),
        everyone=request.form.get("scope") != "chosen",
        users=request.form.getlist("scope_users"),
        groups=request.form.getlist("scope_groups"),
        found_fields=[f for f in request.form.get("found_fields", "").split(",") if f],
        secrets_set=list(secrets_set),
        secrets_typed=[name for name, value in settings.items() if value and _secret(kind, name)],
    )
    parts["mapping"] = {name: value for name, value in form.mapping.items() if value}
    parts["defaults"] = {name: value for name, value in form.defaults.items() if value}
    parts["scope"] = {
        "everyone": form.everyone,
        "users": _ids(form.users, "scope", errors),
        "groups": _ids(form.groups, "scope", errors),
    }
    return Posted(form, parts)


def _secret(kind: ConnectorType, name: str) -> bool:
    return any(spec.secret for spec in kind.settings if spec.name == name)


def _prefixed(prefix: str) -> dict[str, str]:
    names = {name for name, _label in target_fields()}
    return {
        key[len(prefix) :]: value.strip()
        for key, value in request.form.items()
        if key.startswith(prefix) and key[len(prefix) :] in names
    }


def source_field_offers(kind: ConnectorType, form: ConnectionForm) -> list[str]:
    """The source fields a mapping row offers: those the test found first, then the
    type's declared ones, then any the saved mapping names."""
    offered: list[str] = []
    for name in (*form.found_fields, *kind.source_fields, *form.mapping.values()):
        if name and name not in offered:
            offered.append(name)
    return offered


def scope_offers() -> dict[str, list[tuple[str, str]]]:
    return {"users": member_choices(), "groups": group_choices()}


def inputs_of(kind: ConnectorType) -> set[str]:
    return {spec.name for spec in BASIC_FIELDS} | {spec.name for spec in setting_fields(kind)}
