"""Secrets shared by every server process through the database (DESIGN §3: nothing
that another process could contradict lives only in one process's memory)."""

from __future__ import annotations

import secrets

import peewee

from resources.store.database import write_transaction
from resources.store.models_base import ServerSetting

SESSION_SECRET = "session_secret"


def shared_secret(key: str = SESSION_SECRET) -> str:
    """The secret stored under `key`, created at random by the first process that asks."""
    row = ServerSetting.get_or_none(ServerSetting.key == key)
    if row is not None:
        return row.value
    try:
        with write_transaction():
            ServerSetting.create(key=key, value=secrets.token_hex(32))
    except peewee.IntegrityError:
        pass  # another process created it at the same moment
    return ServerSetting.get(ServerSetting.key == key).value
