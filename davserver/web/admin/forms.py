"""Forms of the admin UI: a field list, computed from the entity's domain schema
(label, kind, required, length, choices), declares each form once; the same list reads a submitted form into checked values with an error sentence per
field, and fills the form again for the template. Domain refusals land next to the
field they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import request

from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.i18n import N_, _
from resources.errors import DomainError
from resources.store import field_schema as kinds
from resources.store.field_schema import EntitySchema, FieldSpec

Choices = Callable[[], list[tuple[str, str]]]
TEXT_KINDS = ("text", "email", "textarea", "password", "color", "search")
REQUIRED = N_("Please fill in this field.")
NOT_A_CHOICE = N_("Please choose one of the listed entries.")
NOT_A_DATE = N_("Please enter a date such as 2024-05-31.")
TOO_LONG = N_("Please use at most %(limit)s characters.")


@dataclass(frozen=True)
class Field:
    """One input: `kind` is text, email, textarea, password, color, date, checkbox,
    select (text value), ref (a record's id, or empty for none) or checkboxes."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: Choices | None = None
    maxlength: int | None = 200
    help: str = ""
    fixed_once_saved: bool = False
    default: Any = ""


FORM_KINDS = {
    kinds.TEXT: "text",
    kinds.MULTILINE: "textarea",
    kinds.EMAIL: "email",
    kinds.SECRET: "password",
    kinds.COLOUR: "color",
    kinds.CHOICE: "select",
    kinds.CHOICES: "checkboxes",
    kinds.BOOL: "checkbox",
    kinds.DATE: "date",
    kinds.REF: "ref",
    kinds.REFS: "checkboxes",
}


def _labelled_choices(spec: FieldSpec, labels: Mapping[str, str]) -> Choices:
    """The schema's values with their labels in the page's language."""
    return lambda: [
        (value, _(labels[value]) if value in labels else value) for value in spec.choices
    ]


def form_field(
    spec: FieldSpec, choices: Choices | None = None, labels: Mapping[str, str] = {}
) -> Field:
    """One schema field as a form input; `choices` lists a reference's records."""
    if spec.kind in (kinds.CHOICE, kinds.CHOICES) and choices is None:
        choices = _labelled_choices(spec, labels)
    return Field(
        spec.name,
        spec.label,
        kind=FORM_KINDS[spec.kind],
        required=spec.required,
        choices=choices,
        maxlength=spec.max_length,
        help=spec.help,
        fixed_once_saved=spec.fixed_once_saved,
        default=spec.blank,
    )


def form_fields(
    schema: EntitySchema,
    choices: Mapping[str, Choices] = {},
    labels: Mapping[str, Mapping[str, str]] = {},
) -> tuple[Field, ...]:
    """The form of an entity: its schema's form fields; `choices` by reference field,
    `labels` of choice values by field."""
    return tuple(
        form_field(spec, choices.get(spec.name), labels.get(spec.name, {}))
        for spec in schema
        if spec.in_form
    )


@dataclass
class FormState:
    """What the template shows: raw values as typed, errors by field ('' for the form)."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    saved: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors


def blank(fields: Sequence[Field]) -> FormState:
    return FormState({f.name: f.default for f in fields})


def filled(fields: Sequence[Field], record_values: Mapping[str, Any]) -> FormState:
    """The form showing a saved record's values."""
    return FormState({f.name: _shown(f, record_values.get(f.name, f.default)) for f in fields})


def _shown(spec: Field, value: Any) -> Any:
    if spec.kind == "checkbox":
        return bool(value)
    if spec.kind == "checkboxes":
        return [str(v) for v in (value or [])]
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def submitted(fields: Sequence[Field]) -> FormState:
    """The submitted form as typed (for showing it again)."""
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.kind == "checkbox":
            values[spec.name] = spec.name in request.form
        elif spec.kind == "checkboxes":
            values[spec.name] = request.form.getlist(spec.name)
        else:
            raw = request.form.get(spec.name, "")
            values[spec.name] = raw if spec.kind == "password" else raw.strip()
    return FormState(values)


def parse(fields: Sequence[Field], state: FormState, *, saved: bool = False) -> dict[str, Any]:
    """Checked values of the fields; errors go into `state.errors`."""
    parsed: dict[str, Any] = {}
    for spec in fields:
        if saved and spec.fixed_once_saved:
            continue
        try:
            parsed[spec.name] = _parse_one(spec, state.values[spec.name])
        except ValueError as problem:
            state.errors[spec.name] = str(problem)
    return parsed


def _parse_one(spec: Field, raw: Any) -> Any:
    if spec.kind == "checkbox":
        return bool(raw)
    if spec.kind == "checkboxes":
        allowed = {value for value, _label in spec.choices()}  # type: ignore[misc]  # set for these kinds
        if any(value not in allowed for value in raw):
            raise ValueError(_(NOT_A_CHOICE))
        if spec.required and not raw:
            raise ValueError(_(REQUIRED))
        return list(raw)
    if raw == "":
        if spec.required:
            raise ValueError(_(REQUIRED))
        return None if spec.kind in ("date", "ref") else ""
    if spec.maxlength and len(raw) > spec.maxlength and spec.kind in TEXT_KINDS:
        raise ValueError(_(TOO_LONG, limit=spec.maxlength))
    if spec.kind == "date":
        return _date(raw)
    if spec.kind in ("select", "ref"):
        if raw not in {value for value, _label in spec.choices()}:  # type: ignore[misc]
            raise ValueError(_(NOT_A_CHOICE))
        return int(raw) if spec.kind == "ref" else raw
    return raw


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(_(NOT_A_DATE)) from None


def attach(state: FormState, error: DomainError, fields: Sequence[Field]) -> None:
    """Put a domain refusal next to the field it names when the form has that field,
    else above the form."""
    target = error.field if error.field in {spec.name for spec in fields} else ""
    state.errors[target or ""] = refusal(error)


def submit(
    fields: Sequence[Field],
    save: Callable[[dict[str, Any]], Any],
    *,
    saved: bool = False,
) -> FormState:
    """Read the posted form, and save it when every field is fine."""
    state = submitted(fields)
    values = parse(fields, state, saved=saved)
    if state.ok:
        try:
            state.saved = save(values)
        except DomainError as error:
            attach(state, error, fields)
    return state
