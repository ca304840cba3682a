"""The catalogue's sentences of backups and restores: why an archive cannot be read or
restored, and why a database cannot take it.

They are part of resources/error_codes.py's MESSAGES (merged there) and kept here so the
catalogue stays readable. Codes start with `backup_` (the archive or taking it) or
`restore_` (the database it goes into). This module imports nothing of the catalogue.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


BACKUP_MESSAGES: dict[str, str] = {
    "backup_not_an_archive": N_("%(file)s is not a davserver backup, or it is cut short."),
    "backup_part_missing": N_("The backup is incomplete: it lacks %(part)s."),
    "backup_part_damaged": N_("The backup is damaged: %(part)s does not match its checksum."),
    "backup_row_unreadable": N_("The backup is damaged: line %(line)s of %(part)s is unreadable."),
    "backup_format_newer": N_(
        "The backup has format version %(found)s; this davserver reads up to version "
        "%(known)s. Restore it with a newer davserver."
    ),
    "backup_schema_newer": N_(
        "The backup has schema version %(found)s; this davserver knows up to version "
        "%(known)s. Restore it with a newer davserver."
    ),
    "backup_unknown_part": N_("The backup holds %(name)s, which this davserver does not know."),
    "backup_database_other_version": N_(
        "The database has schema version %(found)s and this davserver %(known)s: back it "
        "up with the davserver that serves it."
    ),
    "backup_no_key_file": N_("There is no key file at %(path)s to put into the backup."),
    "restore_not_empty": N_(
        "The database is not empty (the table %(table)s holds data): restore only into a "
        "new, empty database."
    ),
    "restore_schema_newer": N_(
        "The database has schema version %(found)s, newer than the backup's %(archive)s: "
        "restore into a new, empty database."
    ),
    "restore_keys_do_not_open": N_(
        "The secret keys of %(where)s do not open the secrets in the backup: give the "
        "restore the backed-up server's key file or secret_keys setting."
    ),
    "restore_archive_keys_wrong": N_(
        "The keys in the backup do not open its secrets: the backup is damaged."
    ),
    "restore_failed": N_("The restore failed and changed nothing: %(reason)s"),
}
