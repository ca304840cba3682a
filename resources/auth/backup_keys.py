"""Whether the keys a restored server will hold open the secrets of a backup: the archive
keeps connector passwords and tokens sealed (resources/auth/secret_box.py), and its
sealed canary tells whether a set of keys is the one they were sealed with."""

from __future__ import annotations

from collections.abc import Sequence

from resources.auth.secret_box import (
    CANARY_SETTING,
    CANARY_TEXT,
    SecretBox,
    SecretKeyProblem,
    SecretUnreadable,
)
from resources.store.backup_reader import BackupArchive
from resources.store.models_base import ServerSetting


def archive_canary(archive: BackupArchive) -> str | None:
    """The sealed canary in the archive's shared settings; None if it has none."""
    part = archive.part(ServerSetting._meta.table_name)
    if part is None:
        return None
    key_at, value_at = part.columns.index("key"), part.columns.index("value")
    found = None
    for values in archive.rows(part):  # read to the end: the checksum is checked there
        if values[key_at] == CANARY_SETTING:
            found = values[value_at]
    return found if isinstance(found, str) else None


def keys_open(keys: Sequence[bytes], canary: str) -> bool:
    """Whether `keys` open the canary a server sealed with its keys."""
    try:
        return SecretBox(keys).open(canary) == CANARY_TEXT
    except (SecretKeyProblem, SecretUnreadable):
        return False
