"""Reading a backup archive: its manifest, a check of every part against its row count
and SHA-256 before anything is written, and the rows of a table decoded for the database.

Every refusal is a BackupRefused with a catalogue sentence: a file that is no ZIP or is
cut short, a part missing or damaged, a row that does not fit its column, a table or
column this davserver does not know, a newer format or schema version.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from resources.store.backup_manifest import (
    MANIFEST,
    SECRET_KEYS,
    BackupRefused,
    Manifest,
    TablePart,
    parse_manifest,
)
from resources.store.backup_tables import Codec, codecs_of, columns_of, model_named
from resources.store.models_base import BaseModel
from resources.store.schema import SCHEMA_VERSION

_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError)


class BackupArchive:
    """An archive opened for restoring; `verify()` reads it all once before a restore."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
            text = self._zip.read(MANIFEST)
        except FileNotFoundError:
            raise
        except KeyError:
            raise BackupRefused(code="backup_part_missing", part=MANIFEST) from None
        except _READ_ERRORS:
            raise BackupRefused(code="backup_not_an_archive", file=str(path)) from None
        self.manifest: Manifest = parse_manifest(text, SCHEMA_VERSION)
        for part in self.manifest.tables:
            _check_known(part)

    def close(self) -> None:
        self._zip.close()

    def part(self, table: str) -> TablePart | None:
        return next((p for p in self.manifest.tables if p.table == table), None)

    def verify(self) -> None:
        """Read every part through: counts, checksums and every value must hold."""
        for part in self.manifest.tables:
            for _values in self.rows(part):
                pass
        self.secret_keys()

    def secret_keys(self) -> bytes | None:
        """The keys the archive holds (when the backup was asked for them), checked."""
        if self.manifest.secret_keys_sha256 is None:
            return None
        keys = self._read_whole(SECRET_KEYS)
        if hashlib.sha256(keys).hexdigest() != self.manifest.secret_keys_sha256:
            raise BackupRefused(code="backup_part_damaged", part=SECRET_KEYS)
        return keys

    def rows(self, part: TablePart) -> Iterator[list[Any]]:
        """The part's rows as driver parameters, in its columns' order. Raises BackupRefused
        at the end when the count or checksum does not match: a restore reading along rolls
        back then."""
        codecs = codecs_of(_model(part), part.columns)
        digest = hashlib.sha256()
        count = 0
        try:
            with self._zip.open(part.file) as member:
                for line in member:
                    digest.update(line)
                    count += 1
                    yield _decoded(line, codecs, part, count)
        except KeyError:
            raise BackupRefused(code="backup_part_missing", part=part.file) from None
        except _READ_ERRORS:
            raise BackupRefused(code="backup_part_damaged", part=part.file) from None
        if count != part.rows or digest.hexdigest() != part.sha256:
            raise BackupRefused(code="backup_part_damaged", part=part.file)

    def _read_whole(self, name: str) -> bytes:
        try:
            return self._zip.read(name)
        except KeyError:
            raise BackupRefused(code="backup_part_missing", part=name) from None
        except _READ_ERRORS:
            raise BackupRefused(code="backup_part_damaged", part=name) from None


def _model(part: TablePart) -> type[BaseModel]:
    model = model_named(part.table)
    if model is None:
        raise BackupRefused(code="backup_unknown_part", name=part.table)
    return model


def _check_known(part: TablePart) -> None:
    known = set(columns_of(_model(part)))
    for column in part.columns:
        if column not in known:
            raise BackupRefused(code="backup_unknown_part", name=f"{part.table}.{column}")
    if "id" not in part.columns or len(set(part.columns)) != len(part.columns):
        raise BackupRefused(code="backup_part_damaged", part=part.file)


def _decoded(line: bytes, codecs: list[Codec], part: TablePart, number: int) -> list[Any]:
    try:
        values = json.loads(line)
        if not isinstance(values, list) or len(values) != len(codecs):
            raise ValueError("not a row of the part's columns")
        return [codec.decode(value) for codec, value in zip(codecs, values, strict=True)]
    except (ValueError, TypeError):
        raise BackupRefused(code="backup_row_unreadable", line=number, part=part.file) from None
