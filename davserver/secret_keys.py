"""Loads the keys that seal stored secrets, from the settings or the key file, and checks
at start that they open what the database holds (resources/auth/secret_box.py)."""

from __future__ import annotations

import os
from pathlib import Path

import peewee

from davserver.config import Settings
from resources.auth.secret_box import (
    SecretBox,
    check_keys_against_database,
    key_file_keys,
    parse_keys,
    use_secret_box,
)
from resources.store.database import database_proxy

KEY_FILE_NAME = "davserver-secrets.key"


def key_file_path(settings: Settings) -> Path:
    """The configured key file; else beside the SQLite database (its data directory), or
    for PostgreSQL in the user's data directory ($XDG_DATA_HOME/davserver, by default
    ~/.local/share/davserver), so that it does not depend on where the server was started.
    Every host on one PostgreSQL must be given the same keys."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    database = database_proxy.obj
    if isinstance(database, peewee.SqliteDatabase) and database.database != ":memory:":
        return Path(database.database).resolve().parent / KEY_FILE_NAME
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    folder = Path(data_home) / "davserver"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / KEY_FILE_NAME


def open_secret_box(settings: Settings) -> SecretBox:
    keys = parse_keys(settings.secret_keys) or key_file_keys(key_file_path(settings))
    box = SecretBox(keys)
    check_keys_against_database(box)
    use_secret_box(box)
    return box
