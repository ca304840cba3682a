"""/v1/groups: groups of user accounts with their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from resources.organisation import groups
from resources.organisation.schemas import GROUP
from resources.store.organisation import AccountGroup

blueprint = Blueprint("groups", __name__, url_prefix="/v1/groups")


def group_json(group: AccountGroup, members: list[int] | None = None) -> dict[str, Any]:
    members = groups.group_members(group.id) if members is None else members
    return {"id": group.id, "name": group.name, "members": members}


def page_json(found: Sequence[AccountGroup]) -> list[dict[str, Any]]:
    """A page of groups with their members in one query."""
    members = groups.members_by_group([g.id for g in found])
    return [group_json(g, members[g.id]) for g in found]


API = EntityApi(
    "group",
    GROUP,
    group_json,
    find=groups.get_group,
    create=lambda values, actor: groups.create_group(
        values["name"], values.get("members", []), actor=actor
    ),
    update=lambda group, changes, actor: groups.update_group(group.id, changes, actor=actor),
    delete=lambda group, actor: groups.delete_group(group.id, actor=actor),
    page_to_json=page_json,
)
register(blueprint, API)
