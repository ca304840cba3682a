"""The manifest of a backup archive (manifest.json): format and schema version, the
davserver that wrote it, and per table its file, columns, row count and SHA-256.

An archive is a ZIP file: manifest.json, one JSON-lines file per table under tables/
(one JSON array of the row's values per line, in the manifest's column order, BLOBs in
base64), and secret-keys.txt when the keys were asked for. Nothing in it depends on the
kind of database it came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from resources.errors import DomainError

FORMAT_NAME = "davserver-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEYS = "secret-keys.txt"
_TABLE_FILE = re.compile(r"^tables/[a-z0-9_]{1,100}\.jsonl$")


class BackupRefused(DomainError):
    """The archive cannot be written, read or restored; the message says why."""


@dataclass(frozen=True)
class TablePart:
    table: str
    file: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    davserver_version: str
    database: str  # the kind it came from: "sqlite" or "postgresql" (for people only)
    created: str  # ISO 8601, UTC
    tables: list[TablePart]
    secret_keys_sha256: str | None = None  # set when secret-keys.txt is in the archive
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> bytes:
        shown = asdict(self)
        shown["counts"] = {part.table: part.rows for part in self.tables}
        return json.dumps(shown, indent=1, sort_keys=True).encode("utf-8")

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.tables)


def table_file(table: str) -> str:
    return f"tables/{table}.jsonl"


def parse_manifest(text: bytes, known_schema: int) -> Manifest:
    """The manifest, checked for what a restore relies on before it reads further."""
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
            raise ValueError("not a davserver manifest")
        _refuse_newer(raw, known_schema)
        tables = [_table_part(entry) for entry in raw["tables"]]
        manifest = Manifest(
            schema_version=int(raw["schema_version"]),
            davserver_version=str(raw["davserver_version"]),
            database=str(raw["database"]),
            created=str(raw["created"]),
            tables=tables,
            secret_keys_sha256=_optional_text(raw.get("secret_keys_sha256")),
            format_version=int(raw["format_version"]),
        )
    except BackupRefused:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupRefused(code="backup_part_damaged", part=MANIFEST) from None
    return manifest


def _refuse_newer(raw: dict[str, Any], known_schema: int) -> None:
    if int(raw["format_version"]) > FORMAT_VERSION:
        raise BackupRefused(
            code="backup_format_newer", found=int(raw["format_version"]), known=FORMAT_VERSION
        )
    if int(raw["schema_version"]) > known_schema:
        raise BackupRefused(
            code="backup_schema_newer", found=int(raw["schema_version"]), known=known_schema
        )


def _table_part(entry: Any) -> TablePart:
    part = TablePart(
        table=str(entry["table"]),
        file=str(entry["file"]),
        columns=[str(column) for column in entry["columns"]],
        rows=int(entry["rows"]),
        sha256=str(entry["sha256"]),
    )
    if not _TABLE_FILE.match(part.file) or part.file != table_file(part.table):
        raise ValueError(f"unexpected file name {part.file!r}")
    return part


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
