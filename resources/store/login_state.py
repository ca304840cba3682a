"""Sign-in state every server process shares: recent failed logins, the addresses a
login signed in from, and the admin UI's sessions."""

from __future__ import annotations

import peewee

from resources.store.models_base import BaseModel


class LoginFailure(BaseModel):
    """One refused sign-in, counted under its scope ("dav", "api", "admin") and key
    ("u:" + user name key or "a:" + client address)."""

    scope = peewee.CharField(max_length=10)
    key = peewee.CharField(max_length=300)
    at = peewee.DoubleField(index=True)

    class Meta:
        indexes = ((("scope", "key", "at"), False),)


class KnownAddress(BaseModel):
    """A client address that signed in successfully as this user name: the per-user
    limit does not lock it out."""

    scope = peewee.CharField(max_length=10)
    username_key = peewee.CharField(max_length=200)
    address = peewee.CharField(max_length=100)
    last_success = peewee.DoubleField()

    class Meta:
        indexes = ((("scope", "username_key", "address"), True),)


class AdminSession(BaseModel):
    """A signed-in admin UI session; signing out deletes it, so a copied cookie dies too."""

    session_id = peewee.CharField(max_length=64, unique=True)
    account_id = peewee.IntegerField(index=True)
    started = peewee.DoubleField()


LOGIN_STATE_MODELS = [LoginFailure, KnownAddress, AdminSession]
