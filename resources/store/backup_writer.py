"""Writing a backup archive of the whole store from one read snapshot, while the server
goes on serving (README, "Backups").

Every table is read inside one read transaction: on SQLite (WAL mode) a deferred
transaction, whose first read fixes the snapshot the others see while writers go on; on
PostgreSQL REPEATABLE READ, READ ONLY, which takes no lock a writer waits for. So the
archive is a state the installation was in, even while phones PUT. Rows stream from a
cursor (PostgreSQL: one on the server, 1,000 rows at a time) into the ZIP file: memory
stays bounded whatever the installation's size.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import peewee

from resources.store.backup_manifest import (
    MANIFEST,
    SECRET_KEYS,
    BackupRefused,
    Manifest,
    TablePart,
    table_file,
)
from resources.store.backup_tables import backed_up_models, codecs_of, columns_of
from resources.store.database import database_proxy, is_sqlite
from resources.store.models_base import BaseModel
from resources.store.schema import SCHEMA_VERSION, current_version

FETCH_ROWS = 1000
WRITE_CHUNK = 256 * 1024
COMPRESS_LEVEL = 6


@contextlib.contextmanager
def snapshot() -> Iterator[peewee.Database]:
    """One read transaction that every query inside sees as one state of the store."""
    db = database_proxy.obj
    db.connect(reuse_if_open=True)
    with db.atomic():
        if not is_sqlite():
            db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield db


def write_archive(path: Path, davserver_version: str, secret_keys: bytes | None) -> Manifest:
    """Write the archive to `path` (through a hidden partial file renamed at the end, so a
    failed backup never leaves a file that looks whole); readable by its owner only."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as out,
            zipfile.ZipFile(
                out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL
            ) as archive,
        ):
            with snapshot() as db:
                version = current_version(db)
                if version != SCHEMA_VERSION:
                    raise BackupRefused(
                        code="backup_database_other_version", found=version, known=SCHEMA_VERSION
                    )
                parts = [
                    _write_table(_member(archive, table_file(model._meta.table_name)), model)
                    for model in backed_up_models(db)
                ]
            keys_digest = None
            if secret_keys is not None:
                archive.writestr(SECRET_KEYS, secret_keys)
                keys_digest = hashlib.sha256(secret_keys).hexdigest()
            manifest = Manifest(
                schema_version=version,
                davserver_version=davserver_version,
                database="sqlite" if is_sqlite() else "postgresql",
                created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                tables=parts,
                secret_keys_sha256=keys_digest,
            )
            archive.writestr(MANIFEST, manifest.to_json())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return manifest


def _member(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return archive.open(info, "w", force_zip64=True)


def _write_table(member: IO[bytes], model: type[BaseModel]) -> TablePart:
    columns = columns_of(model)
    codecs = codecs_of(model, columns)
    digest = hashlib.sha256()
    rows = 0
    pending: list[bytes] = []
    pending_size = 0
    with member:
        for raw in table_rows(model, columns):
            values = [codec.encode(value) for codec, value in zip(codecs, raw, strict=True)]
            line = (json.dumps(values, separators=(",", ":")) + "\n").encode("ascii")
            digest.update(line)
            pending.append(line)
            pending_size += len(line)
            rows += 1
            if pending_size >= WRITE_CHUNK:
                member.write(b"".join(pending))
                pending, pending_size = [], 0
        member.write(b"".join(pending))
    table = model._meta.table_name
    return TablePart(table, table_file(table), columns, rows, digest.hexdigest())


def table_rows(model: type[BaseModel], columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """The table's rows in id order, as the driver gives them, read as they are needed."""
    names = ", ".join(f'"{column}"' for column in columns)
    statement = f'SELECT {names} FROM "{model._meta.table_name}" ORDER BY "id"'
    db = database_proxy.obj
    if is_sqlite():
        yield from db.execute_sql(statement)
        return
    # A named cursor lives on the server. The connection is in autocommit mode to the
    # driver (peewee sends BEGIN itself), so the driver wants WITH HOLD; inside the open
    # transaction it still reads the transaction's snapshot.
    cursor = db.connection().cursor(name=f"backup_{model._meta.table_name}", withhold=True)
    cursor.itersize = FETCH_ROWS
    try:
        cursor.execute(statement)
        yield from cursor
    finally:
        cursor.close()
