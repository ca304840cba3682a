"""Restoring a backup archive into an empty database of either kind, all or nothing in
one transaction (README, "Backups").

The schema is built up to the archive's version, the rows go in with their ids (so every
foreign key holds), PostgreSQL's sequences are set past them, and then the upgrades of
this davserver run over the restored rows, all in the same transaction: a failure at
any point leaves the database as it was.

Every collection gets a new sync epoch (resources/store/models.py Collection): a sync
token or ctag a phone took before, from the old installation or from a state the
backup predates, names an epoch no collection has any more, so it is answered with
403 valid-sync-token (RFC 6578 §3.2) and the phone syncs afresh instead of trusting a
revision number that may have meant other changes. ETags stay: they are digests of the
bodies, so an object the phone holds in another version still differs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee

from resources.store.backup_manifest import BackupRefused, TablePart
from resources.store.backup_reader import BackupArchive
from resources.store.backup_tables import backed_up_models
from resources.store.card_fields import reindex_search_table
from resources.store.company_audiences import CompanyAudience
from resources.store.database import (
    bulk_cache,
    database_proxy,
    insert_rows,
    is_sqlite,
    write_transaction,
)
from resources.store.login_state import LOGIN_STATE_MODELS
from resources.store.models import Collection
from resources.store.models_base import BaseModel, SchemaVersion, ServerSetting
from resources.store.organisation import AuditEntry
from resources.store.schema import SCHEMA_VERSION, UPGRADES, current_version

SCHEMA_LOCK = 470110  # the advisory lock schema.upgrade takes: no server upgrades meanwhile
BATCH_ROWS = 500
BATCH_BYTES = 4 * 1024 * 1024
# What a database holds that was only created and opened, never used: the shared
# settings (the secret-box canary, the session key), the company books made empty at
# the start (ownerless, resourceless collections) and their audiences, and sign-in
# state. A restore replaces these; any other row makes the database not empty.
SCAFFOLD: tuple[type[BaseModel], ...] = (
    ServerSetting,
    CompanyAudience,
    Collection,
    *LOGIN_STATE_MODELS,
)


@dataclass(frozen=True)
class RestoreSummary:
    tables: int
    rows: int
    collections: int  # each with a new sync epoch


def restore_archive(archive: BackupArchive, actor: str = "command line") -> RestoreSummary:
    """Restore the (verified) archive into the bound database, which must be empty; the
    audit log says who restored which backup when."""
    db = database_proxy.obj
    db.connect(reuse_if_open=True)
    target = archive.manifest.schema_version
    try:
        with write_transaction(), bulk_cache():
            if not is_sqlite():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            found = current_version(db)
            if found > target:
                raise BackupRefused(code="restore_schema_newer", found=found, archive=target)
            _upgrade(db, found, target)
            _refuse_unless_empty(db)
            _clear_scaffold(db)
            rows = tables = 0
            for model in backed_up_models(db):
                part = archive.part(model._meta.table_name)
                if part is not None:
                    rows += _insert(archive, part, model)
                    tables += 1
            _advance_sequences(db)
            _upgrade(db, target, SCHEMA_VERSION)
            reindex_search_table(db)  # its rows went in past the writers that index them
            _audit(archive, actor)
            collections = Collection.select().count()
    except Exception as failure:
        if not _is_database_error(failure):
            raise
        reason = (str(failure).strip().splitlines() or [type(failure).__name__])[0]
        raise BackupRefused(code="restore_failed", reason=reason) from None
    return RestoreSummary(tables, rows, collections)


RESTORED = "backup.restore"  # the audit log's action of a restore


def _audit(archive: BackupArchive, actor: str) -> None:
    manifest = archive.manifest
    details = (
        f"backed up {manifest.created} by davserver {manifest.davserver_version} "
        f"from {manifest.database}, schema version {manifest.schema_version}"
    )
    AuditEntry.create(
        at=time.time(), actor=actor, action=RESTORED, target=archive.path.name, details=details
    )


def _is_database_error(failure: BaseException) -> bool:
    """peewee's errors, and the drivers' own from the bulk inserts that bypass peewee."""
    module = type(failure).__module__.split(".")[0]
    return isinstance(failure, peewee.DatabaseError) or module in ("sqlite3", "psycopg2")


def _upgrade(db: peewee.Database, found: int, target: int) -> None:
    """The schema's upgrades from `found` to `target`, inside the caller's transaction."""
    for version in range(found + 1, target + 1):
        UPGRADES[version - 1](db)
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=version)


def _refuse_unless_empty(db: peewee.Database) -> None:
    for model in backed_up_models(db):
        if model in SCAFFOLD and model is not Collection:
            continue
        query = model.select(model.id)
        if model is Collection:
            query = query.where(
                Collection.owner.is_null(False) | Collection.resource.is_null(False)
            )
        if query.exists():
            raise BackupRefused(code="restore_not_empty", table=model._meta.table_name)


def _clear_scaffold(db: peewee.Database) -> None:
    for model in reversed(backed_up_models(db)):
        if model in SCAFFOLD:
            model.delete().execute()


def _new_sync_epoch(columns: list[str]) -> Callable[[list[Any]], None]:
    at = columns.index("sync_epoch")

    def change(values: list[Any]) -> None:
        values[at] = secrets.token_hex(8)

    return change


# Changes a restore makes to the rows of a table as they go in, by model.
ROW_CHANGES: dict[type[BaseModel], Callable[[list[str]], Callable[[list[Any]], None]]] = {
    Collection: _new_sync_epoch,
}


def _insert(archive: BackupArchive, part: TablePart, model: type[BaseModel]) -> int:
    names = {field.column_name: field.name for field in model._meta.sorted_fields}
    fields = [names[column] for column in part.columns]
    change = ROW_CHANGES[model](part.columns) if model in ROW_CHANGES else None
    batch: list[list[Any]] = []
    size = rows = 0
    for values in archive.rows(part):
        if change is not None:
            change(values)
        batch.append(values)
        size += sum(len(v) for v in values if isinstance(v, (str, bytes)))
        rows += 1
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            insert_rows(model, fields, batch)
            batch, size = [], 0
    insert_rows(model, fields, batch)
    return rows


def _advance_sequences(db: peewee.Database) -> None:
    """PostgreSQL hands out ids from a sequence, which the restored ids did not move:
    set each past its table's largest id. (SQLite takes the largest id plus one.)"""
    if is_sqlite():
        return
    for model in backed_up_models(db):
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT MAX("id") FROM "{table}"), 0) + 1, false)',
            (f'"{table}"',),
        )
