"""/v1/resources: people and rooms by slug, with their sync switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from resources.organisation import resource_calendars
from resources.organisation.schemas import RESOURCE
from resources.store.organisation import Resource

blueprint = Blueprint("resources", __name__, url_prefix="/v1/resources")


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


def _create(values: dict[str, Any], actor: str) -> Resource:
    kind, name, slug = values.pop("kind"), values.pop("name"), values.pop("slug")
    return resource_calendars.create_resource(kind, name, slug, actor=actor, **values)


API = EntityApi(
    "resource",
    RESOURCE,
    resource_json,
    find=resource_calendars.get_resource,
    create=_create,
    update=lambda resource, changes, actor: resource_calendars.update_resource(
        resource.slug, changes, actor=actor
    ),
    delete=lambda resource, actor: resource_calendars.delete_resource(resource.slug, actor=actor),
    key="slug",
)
register(blueprint, API)
