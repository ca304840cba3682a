"""`davserver backup FILE` and `davserver restore FILE`: an archive of the installation
taken while it serves, and its restore into an empty database of either kind (README,
"Backups"; the work is in resources/store/backup_*.py).

The keys that seal connector secrets stay out of the archive unless asked for with
--with-secret-keys: an archive kept elsewhere then holds no way to open them. A restore
checks that the keys the restored server will use open the archive's secrets before it
writes anything, and writes the archive's keys to the key file when there are none yet.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from davserver import __version__
from davserver.config import Settings
from resources.auth.backup_keys import archive_canary, keys_open
from resources.auth.secret_box import key_file_keys, parse_keys
from resources.errors import DomainError
from resources.store.backup_manifest import BackupRefused
from resources.store.backup_reader import BackupArchive


def register(commands: argparse._SubParsersAction) -> None:
    from davserver.cli import add_store_flags

    backup = commands.add_parser(
        "backup", help="write an archive of the installation (also while it serves)"
    )
    backup.add_argument("file", metavar="FILE")
    backup.add_argument(
        "--with-secret-keys",
        action="store_true",
        help="also put the keys that open the stored connector secrets into the archive",
    )
    add_store_flags(backup)
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser("restore", help="restore an archive into an empty database")
    restore.add_argument("file", metavar="FILE")
    add_store_flags(restore)
    restore.set_defaults(handler=cmd_restore)


def _connect(settings: Settings) -> None:
    from davserver.app import connect_store  # also registers the upgrade steps a restore runs
    from davserver.cli import open_store_or_fail

    open_store_or_fail(settings, connect_store)


def _key_file(settings: Settings) -> Path:
    from davserver.secret_keys import key_file_path

    return key_file_path(settings)


def cmd_backup(args: argparse.Namespace) -> int:
    from davserver.cli import CliError, settings_from
    from resources.store.backup_writer import write_archive

    settings = settings_from(args)
    _connect(settings)
    keys = _keys_to_archive(settings) if args.with_secret_keys else None
    try:
        manifest = write_archive(Path(args.file), __version__, keys)
    except DomainError as refusal:
        raise CliError(refusal.message) from None
    except OSError as failure:
        raise CliError(f"cannot write {args.file}: {failure.strerror or failure}") from None
    print(
        f"Backed up {manifest.rows} rows of {len(manifest.tables)} tables "
        f"(schema version {manifest.schema_version}) to {args.file}."
    )
    if keys is None:
        where = "the secret_keys setting" if settings.secret_keys else str(_key_file(settings))
        print(
            f"The connector secrets in it are sealed: keep {where} with the archive, "
            "a restored server needs it to open them."
        )
    return 0


def _keys_to_archive(settings: Settings) -> bytes:
    from davserver.cli import CliError

    keys = parse_keys(settings.secret_keys)
    if not keys:
        path = _key_file(settings)
        if not path.is_file():
            raise CliError(BackupRefused(code="backup_no_key_file", path=str(path)).message)
        keys = key_file_keys(path)
    return b"".join(key + b"\n" for key in keys)


def cmd_restore(args: argparse.Namespace) -> int:
    from davserver.cli import CliError, settings_from
    from resources.store.backup_restore import restore_archive

    settings = settings_from(args)
    path = Path(args.file)
    try:
        archive = BackupArchive(path)
    except OSError as failure:
        raise CliError(f"cannot read {args.file}: {failure.strerror or failure}") from None
    except DomainError as refusal:
        raise CliError(refusal.message) from None
    try:
        archive.verify()
        _connect(settings)
        write_keys, note = _keys_for_restore(settings, archive)
        summary = restore_archive(archive)
    except DomainError as refusal:
        raise CliError(refusal.message) from None
    finally:
        archive.close()
    print(
        f"Restored {summary.rows} rows of {summary.tables} tables from {args.file} "
        f"(backed up by davserver {archive.manifest.davserver_version} on "
        f"{archive.manifest.created}). Every calendar and address book has a new sync "
        f"token: phones sync afresh."
    )
    if write_keys is not None:
        key_file = _key_file(settings)
        _write_key_file(key_file, write_keys)
        print(f"The archive's secret keys are now in {key_file}.")
    if note:
        print(note)
    return 0


def _keys_for_restore(settings: Settings, archive: BackupArchive) -> tuple[bytes | None, str]:
    """Refuse when the keys here do not open the archive's secrets; else the archive's
    keys to write into the key file when there are none here yet, and what to tell."""
    canary = archive_canary(archive)
    archived = archive.secret_keys()
    key_file = _key_file(settings)
    here = parse_keys(settings.secret_keys) or (
        key_file_keys(key_file) if key_file.is_file() else []
    )
    where = "the secret_keys setting" if settings.secret_keys else str(key_file)
    if canary is None:
        return None, ""
    if here:
        if not keys_open(here, canary):
            raise BackupRefused(code="restore_keys_do_not_open", where=where)
        return None, ""
    if archived is None:
        return None, (
            f"Copy the backed-up server's key file to {where} (or set secret_keys) before "
            "starting the server: the connector secrets are sealed with it."
        )
    if not keys_open(parse_keys(archived.decode("ascii", "replace")), canary):
        raise BackupRefused(code="restore_archive_keys_wrong")
    return archived, ""


def _write_key_file(path: Path, keys: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as written:
        written.write(keys)
