"""/v1/users: the user accounts credentials act for and administrators sign in with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from resources.organisation import accounts
from resources.organisation.schemas import ACCOUNT
from resources.store.organisation import UserAccount

blueprint = Blueprint("users", __name__, url_prefix="/v1/users")


def user_json(account: UserAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "login": account.login,
        "display_name": account.display_name,
        "employee": account.employee_id,
        "role": account.role,
        "active": account.active,
        "password_set": account.password_hash is not None,
    }


def _create(values: dict[str, Any], actor: str) -> UserAccount:
    login = values.pop("login")
    return accounts.create_account(login, actor=actor, **values)


API = EntityApi(
    "user",
    ACCOUNT,
    user_json,
    find=accounts.get_account,
    create=_create,
    update=lambda account, changes, actor: accounts.update_account(
        account.id, changes, actor=actor
    ),
    delete=lambda account, actor: accounts.delete_account(account.id, actor=actor),
)
register(blueprint, API)
