"""/v1/branches: list, create, read, change and delete branches."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from resources.organisation import branches
from resources.organisation.opening_hours import parse_opening_hours
from resources.organisation.schemas import BRANCH
from resources.store.organisation import Branch

blueprint = Blueprint("branches", __name__, url_prefix="/v1/branches")


def branch_json(branch: Branch) -> dict[str, Any]:
    return {
        "id": branch.id,
        "name": branch.name,
        "address": branch.address,
        "timezone": branch.timezone,
        "opening_hours": branch.opening_hours,
        "opening_hours_by_day": parse_opening_hours(branch.opening_hours).by_day(),
    }


def _create(values: dict[str, Any], actor: str) -> Branch:
    return branches.create_branch(
        values["name"],
        values.get("address", ""),
        values.get("timezone", branches.DEFAULT_TIMEZONE),
        hours=values.get("opening_hours", ""),
        actor=actor,
    )


API = EntityApi(
    "branch",
    BRANCH,
    branch_json,
    find=branches.get_branch,
    create=_create,
    update=lambda branch, changes, actor: branches.update_branch(branch.id, changes, actor=actor),
    delete=lambda branch, actor: branches.delete_branch(branch.id, actor=actor),
)
register(blueprint, API)
