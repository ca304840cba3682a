"""The list, create, read, change and delete routes every entity of the API shares,
written once and fed by a description of the entity (its domain schema, how it looks
as JSON and the domain functions that keep it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee
from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    ID_ROUTE,
    domain_names,
    list_request,
    page_json,
    read_fields,
    schema_fields,
)
from resources.store.field_schema import EntitySchema
from resources.store.listing import page_of

Record = Any
Values = dict[str, Any]


def _no_filters() -> list[peewee.Node]:
    return []


@dataclass(frozen=True)
class EntityApi:
    """One entity's routes: `name` names the endpoints (`get_<name>`), `key` the URL
    part that finds a record (an id unless a slug or username), `to_json` its answer.
    Leave `create`, `update` or `delete` out for an entity that cannot be changed so."""

    name: str
    schema: EntitySchema
    to_json: Callable[[Record], dict[str, Any]]
    find: Callable[[Any], Record]
    create: Callable[[Values, str], Record] | None = None
    update: Callable[[Record, Values, str], Record] | None = None
    delete: Callable[[Record, str], None] | None = None
    key: str = "id"  # the attribute of a record that its URL carries
    filters: Callable[[], list[peewee.Node]] = _no_filters  # from query parameters
    to_domain: Callable[[Values], Values] = field(default=lambda values: values)
    page_to_json: Callable[[Sequence[Record]], list[dict[str, Any]]] | None = None

    @property
    def route(self) -> str:
        return f"/<{ID_ROUTE}:key>" if self.key == "id" else "/<key>"


def _values(api: EntityApi, *, creating: bool) -> Values:
    read = read_fields(schema_fields(api.schema, creating=creating), creating=creating)
    return api.to_domain(domain_names(api.schema, read))


def register(blueprint: Blueprint, api: EntityApi) -> None:
    """Add GET/POST on the blueprint's root and GET/PATCH/DELETE on a record's URL."""

    def list_records() -> ResponseReturnValue:
        query = api.schema.model.select()
        for condition in api.filters():
            query = query.where(condition)
        page = page_of(
            query,
            list_request(),
            sort_columns=api.schema.sort_columns(),
            default_sort=api.schema.default_sort,
            search_columns=api.schema.searchable(),
        )
        if api.page_to_json is not None:
            return {"items": api.page_to_json(page.items), "next": page.next}
        return page_json(page, api.to_json)

    def get_record(key: Any) -> ResponseReturnValue:
        return api.to_json(api.find(key))

    blueprint.add_url_rule("", f"list_{api.name}s", list_records, methods=["GET"])
    blueprint.add_url_rule(api.route, f"get_{api.name}", get_record, methods=["GET"])

    if api.create is not None:
        create = api.create

        def create_record() -> ResponseReturnValue:
            record = create(_values(api, creating=True), actor())
            location = url_for(f".get_{api.name}", key=getattr(record, api.key))
            return api.to_json(record), 201, {"Location": location}

        blueprint.add_url_rule("", f"create_{api.name}", create_record, methods=["POST"])

    if api.update is not None:
        update = api.update

        def update_record(key: Any) -> ResponseReturnValue:
            record = api.find(key)
            return api.to_json(update(record, _values(api, creating=False), actor()))

        blueprint.add_url_rule(api.route, f"update_{api.name}", update_record, methods=["PATCH"])

    if api.delete is not None:
        delete = api.delete

        def delete_record(key: Any) -> ResponseReturnValue:
            delete(api.find(key), actor())
            return "", 204

        blueprint.add_url_rule(api.route, f"delete_{api.name}", delete_record, methods=["DELETE"])
