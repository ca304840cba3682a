"""Versioned schema upgrades, applied automatically when the server starts.

Each entry of UPGRADES brings the schema from version n-1 to n. Upgrades run in one
transaction, and processes starting at once (workers, several hosts) take turns: on
PostgreSQL an advisory lock, on SQLite the write lock taken at BEGIN IMMEDIATE. The
first upgrades; the others wait, then find the schema current and change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee

from resources.store import models
from resources.store.card_fields import create_card_field_table, drop_insert_trigger
from resources.store.company_audiences import add_audiences
from resources.store.connectors import ConnectorRun, create_connector_tables
from resources.store.database import database_proxy, is_sqlite
from resources.store.directory import ContactPerson
from resources.store.external_calendars import (
    create_external_calendar_tables,
    create_external_sync_runs,
)
from resources.store.job_leases import create_job_lease_table
from resources.store.list_indexes import (
    create_list_indexes,
    create_search_indexes,
    narrow_update_triggers,
)
from resources.store.login_state import LOGIN_STATE_MODELS
from resources.store.organisation import Branch
from resources.store.scheduling import create_scheduling_tables
from resources.store.synced_directory import create_synced_directory_tables

log = logging.getLogger("davserver.schema")

_REGISTERED_STEPS: dict[str, Callable[[], object]] = {}


def register_step(name: str, step: Callable[[], object]) -> None:
    """Register a step an upgrade runs by name, from the layer above the store that can
    do it (parsing stored bodies, say): the store never imports upward for it."""
    _REGISTERED_STEPS[name] = step


def registered_step(name: str) -> Callable[[], object]:
    if name not in _REGISTERED_STEPS:
        raise RuntimeError(
            f"the schema upgrade needs the step {name!r}, which nothing registered: import the "
            "modules that register upgrade steps (see davserver.app.open_store) before upgrading"
        )
    return _REGISTERED_STEPS[name]


def _create_initial_tables(db: peewee.Database) -> None:
    db.create_tables(models.ALL_MODELS, safe=True)


def _create_shared_settings(db: peewee.Database) -> None:
    db.create_tables([models.ServerSetting], safe=True)


def _add_occurrence_lists(db: peewee.Database) -> None:
    table = models.StoredObject._meta.table_name
    if "occurrences" not in {column.name for column in db.get_columns(table)}:
        blob = "BLOB" if is_sqlite() else "BYTEA"
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "occurrences" {blob}')
    registered_step("occurrence lists")()  # parsing lives above the store


def _rename_resource_namesakes(db: peewee.Database) -> None:
    registered_step(
        "resource calendar namesakes"
    )()  # needs collections and the audit log, above the store


def _create_login_state(db: peewee.Database) -> None:
    db.create_tables(LOGIN_STATE_MODELS, safe=True)


def _repair_stored_objects(db: peewee.Database) -> None:
    registered_step("stored object repair")()  # parsing lives above the store


def _add_export_choices(db: peewee.Database) -> None:
    table = ContactPerson._meta.table_name
    if "export_chosen" not in {column.name for column in db.get_columns(table)}:
        false = "0" if is_sqlite() else "FALSE"
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "export_chosen" BOOLEAN NOT NULL DEFAULT {false}'
        )


def _add_card_fields(db: peewee.Database) -> None:
    create_card_field_table(db)
    registered_step("card search fields")()  # parsing lives above the store


def _link_manual_copies(db: peewee.Database) -> None:
    registered_step("phonebook manual copies")()  # needs the phonebook's rules, above the store


def _add_audiences(db: peewee.Database) -> None:
    add_audiences(db)
    registered_step("company book audiences")()  # the cards need the directory's rules


def _unused_step(db: peewee.Database) -> None:
    """A step number no upgrade uses (later steps keep the numbers they were given)."""


def _add_opening_hours(db: peewee.Database) -> None:
    """Branches keep their opening hours; a branch without them is always open."""
    table = Branch._meta.table_name
    if "opening_hours" not in {column.name for column in db.get_columns(table)}:
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "opening_hours" TEXT NOT NULL DEFAULT \'\''
        )


def _bulk_search_triggers(db: peewee.Database) -> None:
    """Card search rows reach SQLite's trigram table from their writer, not a trigger;
    list search's update triggers fire only when a searched column is set."""
    drop_insert_trigger(db)
    narrow_update_triggers(db)


def _add_run_failures(db: peewee.Database) -> None:
    """Runs keep why they failed as a catalogue code with its values beside the English,
    so the admin UI translates it; runs failed before keep their English only."""
    table = ConnectorRun._meta.table_name
    if "failure" not in {column.name for column in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "failure" TEXT')


UPGRADES: list[Callable[[peewee.Database], None]] = [
    _create_initial_tables,  # 1
    _create_shared_settings,  # 2: secrets every server process shares
    _add_occurrence_lists,  # 3: stored occurrence lists of simple events
    _rename_resource_namesakes,  # 4: personal calendars no longer share a resource's slug
    _create_login_state,  # 5: failed logins, known addresses and admin sessions shared by all processes
    _repair_stored_objects,  # 6: bare-CR bodies get CRLF, unreadable ones are named in the log
    _add_export_choices,  # 7: contacts remember whether the admin set their CardDAV export
    _link_manual_copies,  # 8: earlier copies of synced phonebook entries are linked to them
    create_connector_tables,  # 9: connections to data sources and their runs
    create_list_indexes,  # 10: (column, id) indexes for sorted, paged lists
    create_search_indexes,  # 11: trigram indexes for list search on PostgreSQL
    _add_audiences,  # 12: company book audiences (connection scopes) and phonebook match keys
    create_synced_directory_tables,  # 13: the directory's companies and persons a connection made
    _add_card_fields,  # 14: the searchable fields of stored vCards, for addressbook-query
    _unused_step,  # 15
    _unused_step,  # 16
    create_external_calendar_tables,  # 17: external CalDAV accounts, sync pairs, push outbox
    _add_run_failures,  # 18: a failed run's reason as a code with values (ConnectorRun.failure)
    _bulk_search_triggers,  # 19: SQLite's trigram triggers out of bulk writers' way
    create_external_sync_runs,  # 20: runs of external calendar pulls, pairs' problems as sentences
    create_scheduling_tables,  # 21: schedule tags, booking policies, bookings awaiting approval
    _unused_step,  # 22: reserved for another branch
    _add_opening_hours,  # 23: branch opening hours, for free-busy of the branch's rooms
    create_job_lease_table,  # 24: background jobs that run once across every host (pruning)
]

SCHEMA_VERSION = len(UPGRADES)


def current_version(db: peewee.Database) -> int:
    if not db.table_exists(models.SchemaVersion._meta.table_name):
        return 0
    row = models.SchemaVersion.select().order_by(models.SchemaVersion.version.desc()).first()
    return row.version if row else 0


def upgrade() -> int:
    """Bring the bound database to SCHEMA_VERSION; return the version it had."""
    db = database_proxy.obj
    db.connect(reuse_if_open=True)
    with db.atomic("IMMEDIATE") if is_sqlite() else db.atomic():
        if not is_sqlite():
            db.execute_sql("SELECT pg_advisory_xact_lock(470110)")
        found = current_version(db)
        if found > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database has schema version {found}, newer than this davserver knows ({SCHEMA_VERSION})"
            )
        for version in range(found + 1, SCHEMA_VERSION + 1):
            UPGRADES[version - 1](db)
            models.SchemaVersion.delete().execute()
            models.SchemaVersion.create(version=version)
    if found < SCHEMA_VERSION:
        log.info("schema upgraded from version %d to %d", found, SCHEMA_VERSION)
    return found
