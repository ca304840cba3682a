"""JSON in and out: request bodies checked against a declared list of fields (known
fields only, right types, lengths, existing references), the fields of an entity
computed from its domain schema, list pages, and dates and times formatted."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import peewee
from flask import request

from davserver.web.api.errors import ApiError
from resources.store import field_schema as schema_kinds
from resources.store.field_schema import EntitySchema, FieldSpec
from resources.store.listing import LIMIT_DEFAULT, LIMIT_MAX, ListRequest, Page

TEXT, BOOL, DATE, REF, TEXTS, REFS = "text", "bool", "date", "ref", "texts", "refs"
TEXT_MAX = 10_000
ID_MIN, ID_MAX = 1, 2**63 - 1
ID_ROUTE = f"int(max={ID_MAX})"  # a route converter for ids: larger numbers answer 404


@dataclass(frozen=True)
class Field:
    """One field a request body may carry."""

    name: str
    kind: str  # TEXT, BOOL, DATE, REF (an id), TEXTS (list of strings) or REFS (list of ids)
    required: bool = False
    nullable: bool = False
    refers_to: type[peewee.Model] | None = None
    label: str = ""  # what a reference names, for messages: "branch", "user account"
    max_length: int = TEXT_MAX


_API_KINDS = {
    schema_kinds.BOOL: BOOL,
    schema_kinds.DATE: DATE,
    schema_kinds.REF: REF,
    schema_kinds.REFS: REFS,
    schema_kinds.TEXTS: TEXTS,
    schema_kinds.CHOICES: TEXTS,
}


def api_field(spec: FieldSpec) -> Field:
    """A schema field as the API reads it (text kinds are JSON strings)."""
    return Field(
        spec.public_name,
        _API_KINDS.get(spec.kind, TEXT),
        required=spec.must_be_sent,
        nullable=spec.nullable,
        refers_to=spec.refers_to,
        label=spec.refers_to_label,
        max_length=spec.max_length or TEXT_MAX,
    )


def schema_fields(schema: EntitySchema, *, creating: bool) -> tuple[Field, ...]:
    """The fields a create (or a change) of the entity takes, from its domain schema."""
    return tuple(
        api_field(spec)
        for spec in schema
        if spec.in_api and (spec.creatable if creating else spec.updatable)
    )


def domain_names(schema: EntitySchema, values: dict[str, Any]) -> dict[str, Any]:
    """API field names to the domain's (a login's `user` is its `account`)."""
    renamed = {spec.public_name: spec.name for spec in schema if spec.in_api}
    return {renamed.get(name, name): value for name, value in values.items()}


def unprocessable(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


def read_object() -> dict[str, Any]:
    """The request body as a JSON object; 400 for another content type or broken JSON."""
    if request.mimetype != "application/json":
        raise ApiError(
            400,
            "wrong_content_type",
            "Send the request body as JSON with Content-Type: application/json.",
        )
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise unprocessable("wrong_type", "The request body must be a JSON object.")
    return body


def read_fields(
    fields: Sequence[Field], *, creating: bool, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The checked values of the body's fields; unknown or missing fields are refused."""
    body = read_object() if body is None else body
    known = {f.name: f for f in fields}
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise unprocessable("unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    if creating:
        missing = [f.name for f in fields if f.required and f.name not in body]
        if missing:
            raise unprocessable(
                "missing_field", f"Required field(s) missing: {', '.join(missing)}."
            )
    return {name: _checked(known[name], value) for name, value in body.items()}


def _checked(field: Field, value: Any) -> Any:
    if value is None:
        if field.nullable:
            return None
        raise unprocessable("wrong_type", f"'{field.name}' may not be null.")
    return _CHECKERS[field.kind](field, value)


def _text(field: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise unprocessable("wrong_type", f"'{field.name}' must be a string.")
    if "\x00" in value:
        raise unprocessable("invalid_value", f"'{field.name}' may not contain NUL characters.")
    if len(value) > field.max_length:
        raise unprocessable(
            "invalid_value", f"'{field.name}' may have at most {field.max_length} characters."
        )
    return value


def _bool(field: Field, value: Any) -> bool:
    if not isinstance(value, bool):
        raise unprocessable("wrong_type", f"'{field.name}' must be true or false.")
    return value


def _date(field: Field, value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise unprocessable("wrong_type", f"'{field.name}' must be a date such as 2024-05-31.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise unprocessable(
            "wrong_type", f"'{field.name}' must be a date such as 2024-05-31."
        ) from None


def _ref(field: Field, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise unprocessable(
            "wrong_type", f"'{field.name}' must be the id (a whole number) of a {field.label}."
        )
    model = field.refers_to
    if not ID_MIN <= value <= ID_MAX:
        raise unprocessable("unknown_reference", f"There is no {field.label} with id {value}.")
    if model is not None and not model.select().where(model.id == value).exists():  # type: ignore[attr-defined]
        raise unprocessable("unknown_reference", f"There is no {field.label} with id {value}.")
    return value


def _texts(field: Field, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise unprocessable("wrong_type", f"'{field.name}' must be a list of strings.")
    if sum(len(v) for v in value) > TEXT_MAX:
        raise unprocessable(
            "invalid_value", f"'{field.name}' may have at most {TEXT_MAX} characters in all."
        )
    return value


def _refs(field: Field, value: Any) -> list[int]:
    if not isinstance(value, list):
        raise unprocessable(
            "wrong_type", f"'{field.name}' must be a list of ids of a {field.label}."
        )
    return [_ref(field, v) for v in value]


_CHECKERS: dict[str, Callable[[Field, Any], Any]] = {
    TEXT: _text,
    BOOL: _bool,
    DATE: _date,
    REF: _ref,
    TEXTS: _texts,
    REFS: _refs,
}


def query_text(name: str) -> str:
    """A required query parameter."""
    value = request.args.get(name)
    if not value:
        raise unprocessable("missing_parameter", f"The query parameter '{name}' is required.")
    return value


def query_int(name: str, default: int, *, lowest: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not lowest <= int(raw) <= highest:
        raise unprocessable(
            "invalid_value", f"'{name}' must be a whole number from {lowest} to {highest}."
        )
    return int(raw)


def query_choice(name: str, choices: Sequence[str]) -> str | None:
    """An optional query parameter that must be one of `choices`; None when absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise unprocessable("invalid_value", f"'{name}' must be one of {', '.join(choices)}.")
    return raw


def query_bool(name: str) -> bool | None:
    """An optional query parameter `true` or `false`; None when absent."""
    raw = query_choice(name, ("true", "false"))
    return None if raw is None else raw == "true"


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_moment(epoch: float | None) -> str | None:
    """An epoch time as ISO 8601 in UTC, to the second."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def list_request() -> ListRequest:
    """`q` (search), `sort` (a field, `-field` descending), `limit` and `after` (a cursor)."""
    return ListRequest(
        q=request.args.get("q", "").strip(),
        sort=request.args.get("sort", ""),
        limit=query_int("limit", LIMIT_DEFAULT, lowest=1, highest=LIMIT_MAX),
        after=request.args.get("after", ""),
    )


def page_json(page: Page, to_json: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """{"items": [...], "next": the cursor of the following page or null}."""
    return {"items": [to_json(row) for row in page.items], "next": page.next}


def listing(rows: Sequence[Any], to_json: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A list that has no pages (a week's events, say): every row, and no next page."""
    return {"items": [to_json(row) for row in rows], "next": None}
