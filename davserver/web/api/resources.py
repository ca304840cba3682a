"""/v1/resources: people and rooms by slug, with their sync switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import BOOL, REF, TEXT, Field, listing, read_fields
from resources.organisation import resource_calendars
from resources.store.organisation import Branch, Employee, Resource

blueprint = Blueprint("resources", __name__, url_prefix="/v1/resources")

FIELDS = (
    Field("slug", TEXT, required=True),
    Field("kind", TEXT, required=True),
    Field("name", TEXT, required=True),
    Field("employee", REF, nullable=True, refers_to=Employee, label="employee"),
    Field("branch", REF, nullable=True, refers_to=Branch, label="branch"),
    Field("colour", TEXT),
    Field("sync_allowed", BOOL),
    Field("active", BOOL),
)


def resource_json(resource: Resource) -> dict[str, Any]:
    return {
        "slug": resource.slug,
        "kind": resource.kind,
        "name": resource.name,
        "employee": resource.employee_id,
        "branch": resource.branch_id,
        "colour": resource.colour,
        "sync_allowed": resource.sync_allowed,
        "active": resource.active,
    }


@blueprint.get("")
def list_resources() -> ResponseReturnValue:
    return listing(resource_calendars.list_resources(), resource_json)


@blueprint.post("")
def create_resource() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    kind, name, slug = values.pop("kind"), values.pop("name"), values.pop("slug")
    resource = resource_calendars.create_resource(kind, name, slug, actor=actor(), **values)
    return resource_json(resource), 201, {"Location": url_for(".get_resource", slug=resource.slug)}


@blueprint.get("/<slug>")
def get_resource(slug: str) -> ResponseReturnValue:
    return resource_json(resource_calendars.get_resource(slug))


@blueprint.patch("/<slug>")
def update_resource(slug: str) -> ResponseReturnValue:
    resource_calendars.get_resource(slug)
    changes = read_fields(FIELDS, creating=False)
    return resource_json(resource_calendars.update_resource(slug, changes, actor=actor()))


@blueprint.delete("/<slug>")
def delete_resource(slug: str) -> ResponseReturnValue:
    resource_calendars.delete_resource(slug, actor=actor())
    return "", 204
