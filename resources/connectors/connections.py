"""Connections as the administrator manages them (seed 004): created only after their test
passed, with secrets sealed and every part checked (connection_rules.py), and in the
audit log; tests of settings before a save and of saved connections. Changes and
deletion live in connection_changes.py, the shape they are read in in
connection_reading.py."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from resources.auth import audit
from resources.company_directory import audience_cards
from resources.connectors import connection_rules as rules
from resources.connectors.connection_rules import Parts, Scope
from resources.connectors.connection_settings import (
    connection_settings,
    merged_settings,
    split_settings,
)
from resources.connectors.connector_types import ConnectorType, TestOutcome
from resources.connectors.run_queue import queue_run
from resources.connectors.source_http import SourceClient
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.store.connectors import Connection, ConnectionScope, ConnectorRun
from resources.store.database import write_transaction

# Kept importable from here: the CLI and older callers find the type by its key here.
connector_type = rules.connector_type


class TestFailed(InvalidProperty):
    """A connection whose test has a failed check is not saved (seed 004)."""

    def __init__(self, outcome: TestOutcome) -> None:
        failed = next(check for check in outcome.checks if not check.ok)
        super().__init__(code="connection_test_failed", field="settings", reason=failed.sentence)
        self.outcome = outcome


class RunActive(AlreadyExists):
    """A run of the connection is queued or running already (`run`, when known): one at
    a time."""

    def __init__(self, run: ConnectorRun | None = None) -> None:
        super().__init__(code="connection_run_active")
        self.run = run


def default_mapping(kind: ConnectorType, target: str) -> dict[str, str]:
    """The mapping a new connection starts with: the type's own for the target, where it
    names its fields otherwise than the target does (a type may declare none)."""
    declared = getattr(kind, "default_mappings", {})
    return dict(declared.get(target, {}))


def find_connection(name: str) -> Connection:
    found = Connection.get_or_none(Connection.name == name)
    if found is None:
        raise NotFound(code="no_such_connection")
    return found


def get_connection(connection_id: int) -> Connection:
    found = Connection.get_or_none(Connection.id == connection_id)
    if found is None:
        raise NotFound(code="no_such_connection")
    return found


def refuse_taken_name(name: str, except_id: int | None = None) -> None:
    query = Connection.select(Connection.id).where(Connection.name == name)
    if except_id is not None:
        query = query.where(Connection.id != except_id)
    if query.exists():
        raise AlreadyExists(code="connection_name_taken", field="name")


def passed_test(
    kind: ConnectorType, settings: Mapping[str, str | bool], client: SourceClient
) -> TestOutcome:
    """The outcome of a test that passed; TestFailed (with every check) otherwise."""
    outcome = kind.test(settings, client)
    if not outcome.passed:
        raise TestFailed(outcome)
    return outcome


def test_settings(
    type_key: str, settings: Mapping[str, str | bool | None], client: SourceClient
) -> TestOutcome:
    """The test of settings that are not saved (a form before its first save); a failed
    check is in the outcome, not raised."""
    kind = rules.connector_type(type_key)
    given = rules.checked_settings(kind, settings)
    return kind.test(merged_settings({}, given, kind.settings), client)


def test_connection(
    connection: Connection,
    client: SourceClient,
    changes: Mapping[str, str | bool | None] | None = None,
) -> TestOutcome:
    """The test of a saved connection, or of changes to its settings not yet saved: the
    stored secrets stand in for those the changes leave out."""
    kind = rules.connector_type(connection.type)
    given = rules.checked_settings(kind, changes or {})
    return kind.test(merged_settings(connection_settings(connection), given, kind.settings), client)


def scope_of(connection: Connection) -> Scope:
    users, groups = [], []
    for row in ConnectionScope.select().where(ConnectionScope.connection == connection.id):
        if row.account_id is not None:
            users.append(row.account_id)
        if row.group_id is not None:
            groups.append(row.group_id)
    return Scope(bool(connection.scope_everyone), tuple(sorted(users)), tuple(sorted(groups)))


def write_scope(connection_id: int, scope: Scope) -> None:
    """Replace the connection's scope rows and move the logins it concerns to the company
    book of their new audience (inside the caller's transaction)."""
    was_everyone = bool(Connection.get_by_id(connection_id).scope_everyone)
    Connection.update(scope_everyone=scope.everyone).where(Connection.id == connection_id).execute()
    ConnectionScope.delete().where(ConnectionScope.connection == connection_id).execute()
    for account in scope.users:
        ConnectionScope.create(connection=connection_id, account=account)
    for group in scope.groups:
        ConnectionScope.create(connection=connection_id, group=group)
    # What every audience sees changes only when "everyone" flips; otherwise only who
    # belongs to which audience does.
    audience_cards.settle(refresh_all=was_everyone != scope.everyone)


def scope_detail(scope: Scope) -> str:
    """The scope for the audit log: who sees the connection's entries."""
    if scope.everyone:
        return "scope=everyone"
    users = ",".join(str(i) for i in scope.users) or "-"
    groups = ",".join(str(i) for i in scope.groups) or "-"
    return f"scope=users:{users} groups:{groups}"


def create_connection(
    name: str,
    type_key: str,
    target: str,
    settings: Mapping[str, str | bool | None],
    client: SourceClient,
    *,
    description: str = "",
    interval_minutes: int = 0,
    scope: object = None,
    mapping: object = None,
    defaults: object = None,
    priority: object = 0,
    enabled: object = True,
    actor: str = "system",
) -> tuple[Connection, TestOutcome]:
    """A new connection, saved only when every part is valid and its test passes
    (TestFailed, with the checks, otherwise). `scope` is {"everyone", "users",
    "groups"}; `mapping` target field -> source field; `defaults` target field -> text."""
    name = rules.checked_name(name)
    kind = rules.connector_type(type_key)
    run_target = rules.run_target(target)
    given = rules.checked_settings(kind, settings)
    values = merged_settings({}, given, kind.settings)
    rules.refuse_missing_settings(kind, values)
    parts = Parts(
        mapping=rules.checked_mapping(mapping or default_mapping(kind, target), run_target),
        defaults=rules.checked_defaults(defaults or {}, run_target),
        scope=rules.checked_scope(scope if scope is not None else {}),
        priority=rules.checked_priority(priority),
        interval_minutes=rules.checked_interval(interval_minutes),
        enabled=rules.checked_enabled(enabled),
    )
    description = rules.checked_description(description)
    refuse_taken_name(name)
    outcome = passed_test(kind, values, client)
    rules.checked_mapping(parts.mapping, run_target, outcome.source_fields)
    plain, sealed = split_settings(values, kind.settings)
    now = time.time()
    with write_transaction():
        connection = Connection.create(
            name=name,
            type=type_key,
            target=target,
            description=description,
            settings=plain,
            secrets=sealed,
            mapping=json.dumps(parts.mapping, sort_keys=True),
            defaults=json.dumps(parts.defaults, sort_keys=True),
            priority=parts.priority,
            interval_minutes=parts.interval_minutes,
            enabled=parts.enabled,
            next_due=now if parts.interval_minutes else None,
            created=now,
            modified=now,
        )
        write_scope(connection.id, parts.scope)
        audit.record(
            actor,
            "connection.create",
            name,
            f"type={type_key} target={target} {scope_detail(parts.scope)}",
        )
    return get_connection(connection.id), outcome


def connection_summary(connection: Connection) -> dict[str, object]:
    return {
        "name": connection.name,
        "type": connection.type,
        "target": connection.target,
        "settings": json.loads(connection.settings),
    }


def queue_connection_run(connection: Connection, *, actor: str = "system") -> ConnectorRun:
    """A run of the connection queued for the server's run loop (the play button);
    RunActive, naming the run, while one is queued or running."""
    run, queued = queue_run(connection.id)
    if not queued:
        raise RunActive(run)
    with write_transaction():
        audit.record(actor, "connection.run", connection.name, f"run={run.id}")
    return run
