"""Secrets at rest: connector passwords and tokens, sealed with Fernet before they are stored.

Fernet (from `cryptography`) is authenticated encryption with a versioned token format;
MultiFernet opens tokens sealed with any of several keys and seals with the first, which is
how keys are rotated: put a new key first, run `davserver secrets rotate`, then drop the old.

Where the keys come from is the caller's business (configuration, or a key file generated
once into the data directory); this module only needs them as a list, newest first. Every
process that shares a database must hold the same keys: a sealed canary in the database
lets a process find out at start that its keys cannot open what another process sealed,
instead of failing later on the first connector run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import peewee
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from resources.store.database import write_transaction
from resources.store.models_base import ServerSetting

CANARY_SETTING = "secret_box_canary"
CANARY_TEXT = "davserver secret box"


class SecretKeyProblem(Exception):
    """The keys are missing, malformed, or not the keys this database was sealed with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SecretUnreadable(Exception):
    """A stored secret that none of the keys opens (sealed elsewhere, or damaged)."""


class SecretBox:
    """Seals and opens secrets with a list of Fernet keys, the first of which seals."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise SecretKeyProblem("At least one key is needed to seal secrets.")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise SecretKeyProblem(
                "A secret key must be 32 url-safe base64-encoded bytes, as "
                "`davserver secrets new-key` prints."
            ) from None

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable("No key of this server opens the stored secret.") from None

    def reseal(self, token: str) -> str:
        """The token sealed again with the first key (for key rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable("No key of this server opens the stored secret.") from None


_current: SecretBox | None = None


def use_secret_box(box: SecretBox) -> None:
    """Make `box` the one this process seals and opens stored secrets with."""
    global _current
    _current = box


def current_secret_box() -> SecretBox:
    if _current is None:
        raise SecretKeyProblem("No secret keys are loaded; the store was not opened.")
    return _current


def new_key() -> bytes:
    return Fernet.generate_key()


def parse_keys(configured: str) -> list[bytes]:
    """Keys from a setting: comma- or space-separated, newest first."""
    return [part.encode("ascii") for part in configured.replace(",", " ").split() if part]


def key_file_keys(path: Path) -> list[bytes]:
    """The keys in a key file (one a line, newest first), creating the file with one new
    key when it does not exist. Two processes starting at once agree: the file is created
    exclusively, and the loser reads the winner's key."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "wb") as created:
            created.write(new_key() + b"\n")
    keys = parse_keys(path.read_text(encoding="ascii"))
    if not keys:
        raise SecretKeyProblem(f"The key file {path} holds no key.")
    return keys


def check_keys_against_database(box: SecretBox) -> None:
    """Seal the canary when the database has none; otherwise make sure it opens.
    Raises SecretKeyProblem when another process sealed with keys this one lacks."""
    row = ServerSetting.get_or_none(ServerSetting.key == CANARY_SETTING)
    if row is None:
        try:
            with write_transaction():
                ServerSetting.create(key=CANARY_SETTING, value=box.seal(CANARY_TEXT))
        except peewee.IntegrityError:
            pass  # another process sealed it at the same moment: check theirs
        row = ServerSetting.get(ServerSetting.key == CANARY_SETTING)
    try:
        opened = box.open(row.value)
    except SecretUnreadable:
        opened = None
    if opened != CANARY_TEXT:
        raise SecretKeyProblem(
            "This server's secret keys cannot open the secrets in the database: another "
            "server sealed them with a different key. Copy that server's key file or "
            "`secret_keys` setting to this one."
        )


def reseal_canary(box: SecretBox) -> None:
    """Seal the canary with the first key, as rotation does for every stored secret."""
    with write_transaction():
        row = ServerSetting.get(ServerSetting.key == CANARY_SETTING)
        row.value = box.reseal(row.value)
        row.save()
