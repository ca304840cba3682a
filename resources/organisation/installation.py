"""The installation's language: one setting for the whole server (German or English),
kept in the shared settings table so that every server process reads the same value.
It decides the words of what the server writes for others to read, such as the
categories in the company book's vCards; each admin still picks the UI language."""

from __future__ import annotations

import peewee

from resources.auth import audit
from resources.errors import InvalidProperty
from resources.store.database import write_transaction
from resources.store.models_base import ServerSetting

LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "installation_language"


def installation_language() -> str:
    """The stored language, or English on an installation where nobody chose one."""
    row = ServerSetting.get_or_none(ServerSetting.key == LANGUAGE_KEY)
    if row is None or row.value not in LANGUAGES:
        return DEFAULT_LANGUAGE
    return str(row.value)


def store_language(language: str, *, actor: str) -> bool:
    """Keep `language` (inside the caller's transaction); False when it was already set.
    The caller brings whatever is written in the language up to date."""
    if language not in LANGUAGES:
        raise InvalidProperty(
            code="language_invalid", field="language", languages=", ".join(LANGUAGES)
        )
    before = installation_language()
    with write_transaction():
        updated = (
            ServerSetting.update(value=language).where(ServerSetting.key == LANGUAGE_KEY).execute()
        )
        if not updated:
            try:
                with write_transaction():
                    ServerSetting.create(key=LANGUAGE_KEY, value=language)
            except peewee.IntegrityError:  # another process created it at the same moment
                ServerSetting.update(value=language).where(
                    ServerSetting.key == LANGUAGE_KEY
                ).execute()
        if before != language:
            audit.record(actor, "installation.language", "installation", f"{before} -> {language}")
    return before != language
