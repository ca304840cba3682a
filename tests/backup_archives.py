"""Backup archives in tests: the `davserver backup` and `restore` commands, the tables
of an archive read as plain ZIP and JSON (the format is documented, so the tests read it
without our reader), archives made damaged on purpose, and databases of both kinds."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path


def davserver(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "davserver", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
    )


def tables_of(archive: Path) -> dict[str, list[list]]:
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        return {
            part["table"]: [json.loads(line) for line in opened.read(part["file"]).splitlines()]
            for part in manifest["tables"]
        }


def manifest_of(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as opened:
        return json.loads(opened.read("manifest.json"))


def column(archive_manifest: dict, table: str, name: str) -> int:
    part = next(p for p in archive_manifest["tables"] if p["table"] == table)
    return part["columns"].index(name)


def rewritten(
    archive: Path,
    out: Path,
    change: Callable[[str, bytes], bytes | None],
    fix_checksums: bool = False,
) -> Path:
    """A copy of the archive with each member's bytes as `change` returns them (None:
    left out); with `fix_checksums` the manifest is made to match the new bytes."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            if name == "manifest.json":
                continue
            data = change(name, source.read(name))
            if data is None:
                continue
            target.writestr(name, data)
            for part in manifest["tables"]:
                if part["file"] == name and fix_checksums:
                    part["sha256"] = hashlib.sha256(data).hexdigest()
                    part["rows"] = len(data.splitlines())
        changed = change("manifest.json", json.dumps(manifest).encode())
        if changed is not None:
            target.writestr("manifest.json", changed)
    return out


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder}/{name}.db"


def table_count(database_url: str) -> int:
    """How many tables the database has (0: nothing was ever written to it)."""
    if database_url.startswith("sqlite:"):
        import sqlite3

        path = database_url.split("sqlite:///", 1)[1]
        if not Path(path).exists():
            return 0
        with sqlite3.connect(path) as opened:
            return opened.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
    import psycopg2

    with psycopg2.connect(database_url) as opened, opened.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
        return cursor.fetchone()[0]


def database_tables(database_url: str, manifest: dict) -> dict[str, list[list]]:
    """The rows of the manifest's tables as the database's own driver reads them (not
    through davserver), each value encoded as a backup encodes it."""
    from resources.store.backup_tables import codecs_of, model_named

    if database_url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(database_url.split("sqlite:///", 1)[1])
    else:
        import psycopg2

        connection = psycopg2.connect(database_url)
    try:
        cursor = connection.cursor()
        found = {}
        for part in manifest["tables"]:
            model = model_named(part["table"])
            assert model is not None, part["table"]
            codecs = codecs_of(model, part["columns"])
            names = ", ".join(f'"{name}"' for name in part["columns"])
            cursor.execute(f'SELECT {names} FROM "{part["table"]}" ORDER BY "id"')
            found[part["table"]] = [
                [codec.encode(value) for codec, value in zip(codecs, row, strict=True)]
                for row in cursor.fetchall()
            ]
        return found
    finally:
        connection.close()
