"""/v1/groups: groups of user accounts with their members."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import ID_ROUTE, REFS, TEXT, Field, read_fields
from resources.organisation import groups
from resources.store.organisation import AccountGroup, UserAccount

blueprint = Blueprint("groups", __name__, url_prefix="/v1/groups")

FIELDS = (
    Field("name", TEXT, required=True),
    Field("members", REFS, refers_to=UserAccount, label="user account"),
)


def group_json(group: AccountGroup, members: list[int]) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "members": members}


@blueprint.get("")
def list_groups() -> ResponseReturnValue:
    found = groups.list_groups()
    members = groups.members_by_group([g.id for g in found])
    return {"items": [group_json(g, members[g.id]) for g in found]}


@blueprint.post("")
def create_group() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    group = groups.create_group(values["name"], values.get("members", []), actor=actor())
    location = url_for(".get_group", group_id=group.id)
    return group_json(group, groups.group_members(group.id)), 201, {"Location": location}


@blueprint.get(f"/<{ID_ROUTE}:group_id>")
def get_group(group_id: int) -> ResponseReturnValue:
    group = groups.get_group(group_id)
    return group_json(group, groups.group_members(group.id))


@blueprint.patch(f"/<{ID_ROUTE}:group_id>")
def update_group(group_id: int) -> ResponseReturnValue:
    groups.get_group(group_id)
    changes = read_fields(FIELDS, creating=False)
    group = groups.update_group(group_id, changes, actor=actor())
    return group_json(group, groups.group_members(group.id))


@blueprint.delete(f"/<{ID_ROUTE}:group_id>")
def delete_group(group_id: int) -> ResponseReturnValue:
    groups.delete_group(group_id, actor=actor())
    return "", 204
