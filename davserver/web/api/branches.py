"""/v1/branches: list, create, read, change and delete branches."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import ID_ROUTE, TEXT, Field, listing, read_fields
from resources.organisation import branches
from resources.store.organisation import Branch

blueprint = Blueprint("branches", __name__, url_prefix="/v1/branches")

FIELDS = (Field("name", TEXT, required=True), Field("address", TEXT), Field("timezone", TEXT))


def branch_json(branch: Branch) -> dict[str, Any]:
    return {
        "id": branch.id,
        "name": branch.name,
        "address": branch.address,
        "timezone": branch.timezone,
    }


@blueprint.get("")
def list_branches() -> ResponseReturnValue:
    return listing(branches.list_branches(), branch_json)


@blueprint.post("")
def create_branch() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    branch = branches.create_branch(
        values["name"],
        values.get("address", ""),
        values.get("timezone", branches.DEFAULT_TIMEZONE),
        actor=actor(),
    )
    return branch_json(branch), 201, {"Location": url_for(".get_branch", branch_id=branch.id)}


@blueprint.get(f"/<{ID_ROUTE}:branch_id>")
def get_branch(branch_id: int) -> ResponseReturnValue:
    return branch_json(branches.get_branch(branch_id))


@blueprint.patch(f"/<{ID_ROUTE}:branch_id>")
def update_branch(branch_id: int) -> ResponseReturnValue:
    branches.get_branch(branch_id)
    changes = read_fields(FIELDS, creating=False)
    return branch_json(branches.update_branch(branch_id, changes, actor=actor()))


@blueprint.delete(f"/<{ID_ROUTE}:branch_id>")
def delete_branch(branch_id: int) -> ResponseReturnValue:
    branches.delete_branch(branch_id, actor=actor())
    return "", 204
