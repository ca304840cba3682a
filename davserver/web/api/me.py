"""/v1/me: self-service for any signed-in account (seed 003: every user sets the
password of their own logins)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor, signed_in_account
from davserver.web.api.json_io import TEXT, Field, read_fields
from resources.auth import credentials
from resources.errors import NotFound

blueprint = Blueprint("me", __name__, url_prefix="/v1/me")

PASSWORD_FIELDS = (Field("password", TEXT, required=True),)


@blueprint.put("/credentials/<username>/password")
def set_own_password(username: str) -> ResponseReturnValue:
    """Another account's login answers as if it did not exist."""
    credential = credentials.find_credential(username)
    if credential is None or credential.account_id != signed_in_account().id:
        raise NotFound(f"You have no login named {username!r}.")
    values = read_fields(PASSWORD_FIELDS, creating=True)
    credentials.set_password(credential.username, values["password"], actor=actor())
    return {"username": credential.username, "password_set": True}
