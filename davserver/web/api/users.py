"""/v1/users: the user accounts credentials act for and administrators sign in with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    BOOL,
    ID_ROUTE,
    REF,
    TEXT,
    Field,
    listing,
    read_fields,
)
from resources.organisation import accounts
from resources.store.organisation import Employee, UserAccount

blueprint = Blueprint("users", __name__, url_prefix="/v1/users")

FIELDS = (
    Field("login", TEXT, required=True),
    Field("display_name", TEXT),
    Field("employee", REF, nullable=True, refers_to=Employee, label="employee"),
    Field("role", TEXT),
    Field("active", BOOL),
    Field("password", TEXT),  # write-only
)


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


@blueprint.get("")
def list_users() -> ResponseReturnValue:
    return listing(accounts.list_accounts(), user_json)


@blueprint.post("")
def create_user() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    login = values.pop("login")
    account = accounts.create_account(login, actor=actor(), **values)
    return user_json(account), 201, {"Location": url_for(".get_user", account_id=account.id)}


@blueprint.get(f"/<{ID_ROUTE}:account_id>")
def get_user(account_id: int) -> ResponseReturnValue:
    return user_json(accounts.get_account(account_id))


@blueprint.patch(f"/<{ID_ROUTE}:account_id>")
def update_user(account_id: int) -> ResponseReturnValue:
    accounts.get_account(account_id)
    changes = read_fields(FIELDS, creating=False)
    return user_json(accounts.update_account(account_id, changes, actor=actor()))


@blueprint.delete(f"/<{ID_ROUTE}:account_id>")
def delete_user(account_id: int) -> ResponseReturnValue:
    accounts.delete_account(account_id, actor=actor())
    return "", 204
