"""Loads the keys that seal stored secrets, from the settings or the key file, and checks
at start that they open what the database holds (resources/auth/secret_box.py)."""

from __future__ import annotations

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
    the working directory for PostgreSQL, where every host must be given the same keys."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    database = database_proxy.obj
    if isinstance(database, peewee.SqliteDatabase) and database.database != ":memory:":
        return Path(database.database).resolve().parent / KEY_FILE_NAME
    return Path(KEY_FILE_NAME)


def open_secret_box(settings: Settings) -> SecretBox:
    keys = parse_keys(settings.secret_keys) or key_file_keys(key_file_path(settings))
    box = SecretBox(keys)
    check_keys_against_database(box)
    use_secret_box(box)
    return box
