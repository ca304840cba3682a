"""Changing and deleting connections (seed 004): a change is checked part by part, the
settings are tested again before anything is saved, and a deletion takes the
connection's runs and synced (S) phonebook entries with it; both are in the audit log,
which names what changed and never a secret's value."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from resources.auth import audit
from resources.company_directory import audience_cards
from resources.connectors import connection_rules as rules
from resources.connectors.audience_publishing import AudienceWriter
from resources.connectors.connection_settings import (
    connection_settings,
    merged_settings,
    split_settings,
)
from resources.connectors.connections import (
    get_connection,
    passed_test,
    refuse_taken_name,
    scope_detail,
    scope_of,
    write_scope,
)
from resources.connectors.connector_types import ConnectorType, TestOutcome
from resources.connectors.phonebook_target import origin_of
from resources.connectors.source_http import SourceClient
from resources.errors import InvalidProperty
from resources.store.connectors import Connection, ConnectorRun
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry

CHANGEABLE = (
    "name",
    "description",
    "settings",
    "scope",
    "mapping",
    "defaults",
    "priority",
    "interval_minutes",
    "enabled",
)
FIXED = {"type": "connection_type_fixed", "target": "connection_target_fixed"}
BATCH = 500


def _refuse_fixed_and_unknown(connection: Connection, changes: Mapping[str, Any]) -> None:
    for name, code in FIXED.items():
        if name in changes and changes[name] != getattr(connection, name):
            raise InvalidProperty(code=code, field=name)
    unknown = sorted(set(changes) - set(CHANGEABLE) - set(FIXED))
    if unknown:
        raise InvalidProperty(code="connection_change_unknown", names=", ".join(unknown))


def _next_due(connection: Connection, interval: int, enabled: bool) -> float | None:
    """When the interval next queues a run: one interval after the last run was queued,
    or now when that is past or there was none."""
    if not interval or not enabled:
        return None
    last = (
        ConnectorRun.select(ConnectorRun.queued)
        .where(ConnectorRun.connection == connection.id)
        .order_by(ConnectorRun.queued.desc())
        .first()
    )
    now = time.time()
    return now if last is None else max(now, last.queued + interval * 60)


def _setting_changes(
    connection: Connection, kind: ConnectorType, given: Mapping[str, str | bool | None]
) -> tuple[dict[str, str | bool], list[str]]:
    """The settings after the change (secrets opened) and the names of those it changes."""
    current = connection_settings(connection)
    merged = merged_settings(current, given, kind.settings)
    rules.refuse_missing_settings(kind, merged)
    changed = sorted(
        spec.name for spec in kind.settings if current.get(spec.name) != merged.get(spec.name)
    )
    return merged, changed


def _checked_row_changes(
    connection: Connection, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The columns a change writes (all but settings and scope), and what it changes."""
    target = rules.run_target(connection.target)
    row: dict[str, Any] = {}
    if "name" in changes:
        row["name"] = rules.checked_name(changes["name"])
        refuse_taken_name(row["name"], connection.id)
    if "description" in changes:
        row["description"] = rules.checked_description(changes["description"])
    if "mapping" in changes:
        row["mapping"] = json.dumps(
            rules.checked_mapping(changes["mapping"], target), sort_keys=True
        )
    if "defaults" in changes:
        row["defaults"] = json.dumps(
            rules.checked_defaults(changes["defaults"], target), sort_keys=True
        )
    if "priority" in changes:
        row["priority"] = rules.checked_priority(changes["priority"])
    if "interval_minutes" in changes:
        row["interval_minutes"] = rules.checked_interval(changes["interval_minutes"])
    if "enabled" in changes:
        row["enabled"] = rules.checked_enabled(changes["enabled"])
    changed = [name for name, value in row.items() if getattr(connection, name) != value]
    return {name: row[name] for name in changed}, changed


def update_connection(
    connection: Connection,
    changes: Mapping[str, Any],
    client: SourceClient,
    *,
    actor: str = "system",
) -> tuple[Connection, TestOutcome | None]:
    """The connection after `changes` (any of CHANGEABLE; type and target are fixed), and
    the outcome of the test when the settings changed. Nothing is saved while a part is
    invalid or a check of the test fails (TestFailed)."""
    _refuse_fixed_and_unknown(connection, changes)
    kind = rules.connector_type(connection.type)
    row, changed = _checked_row_changes(connection, changes)
    scope = rules.checked_scope(changes["scope"]) if "scope" in changes else None
    if scope is not None and scope == scope_of(connection):
        scope = None
    outcome: TestOutcome | None = None
    settings_changed: list[str] = []
    if "settings" in changes:
        given = rules.checked_settings(kind, changes["settings"])
        values, settings_changed = _setting_changes(connection, kind, given)
        if settings_changed:
            outcome = passed_test(kind, values, client)
            mapping = json.loads(row.get("mapping", connection.mapping))
            rules.checked_mapping(
                mapping, rules.run_target(connection.target), outcome.source_fields
            )
            row["settings"], row["secrets"] = split_settings(values, kind.settings)
    if not changed and scope is None and not settings_changed:
        return connection, outcome
    if {"interval_minutes", "enabled"} & set(changed):
        row["next_due"] = _next_due(
            connection,
            row.get("interval_minutes", connection.interval_minutes),
            row.get("enabled", connection.enabled),
        )
    with write_transaction():
        Connection.update(modified=time.time(), **row).where(
            Connection.id == connection.id
        ).execute()
        if "name" in row:  # the entries name their connection as their origin
            PhonebookEntry.update(origin=row["name"]).where(
                PhonebookEntry.origin == connection.name
            ).execute()
        if scope is not None:
            write_scope(connection.id, scope)
        if "priority" in changed:  # the merged people of the books that see it
            audience_cards.refresh_seeing([row.get("name", connection.name)], only_merged=True)
        audit.record(
            actor,
            "connection.update",
            row.get("name", connection.name),
            _change_detail(connection, changed, settings_changed, scope),
        )
    return get_connection(connection.id), outcome


def _change_detail(
    connection: Connection, changed: list[str], settings: list[str], scope: rules.Scope | None
) -> str:
    parts = [name for name in changed if name != "name"]
    if "name" in changed:
        parts.insert(0, f"renamed from {connection.name}")
    if settings:
        parts.append(f"settings ({', '.join(settings)})")  # names only, never values
    if scope is not None:
        parts.append(scope_detail(scope))
    return "; ".join(parts)


def delete_connection(connection: Connection, *, actor: str = "system") -> int:
    """Delete the connection, its runs and the synced (S) phonebook entries it delivered,
    in one transaction; phones drop their cards, manual (M) copies stay. The number of
    entries removed."""
    origin = origin_of(connection)
    synced = (PhonebookEntry.source == "S") & (PhonebookEntry.origin == origin)
    removed = 0
    with write_transaction():
        writer = AudienceWriter(origin)  # every company book that shows its entries
        while True:
            gone = list(PhonebookEntry.select().where(synced).limit(BATCH))
            if not gone:
                break
            writer.batch([], [], gone)
            PhonebookEntry.delete().where(
                PhonebookEntry.id.in_([entry.id for entry in gone])
            ).execute()
            removed += len(gone)
        writer.finish()
        ConnectorRun.delete().where(ConnectorRun.connection == connection.id).execute()
        Connection.delete().where(Connection.id == connection.id).execute()
        audience_cards.settle(refresh_all=not connection.scope_everyone)
        audit.record(
            actor,
            "connection.delete",
            connection.name,
            f"type={connection.type} target={connection.target} entries removed={removed}",
        )
    return removed
