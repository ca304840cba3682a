"""Connections as the administrator manages them (seed 004): created and changed only
after their test passed, with secrets sealed, and every change in the audit log."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from resources.auth import audit
from resources.connectors.catalogue import connector_types, run_targets
from resources.connectors.connection_settings import split_settings
from resources.connectors.connector_types import ConnectorType, TestOutcome
from resources.connectors.run_queue import INTERVALS_MINUTES
from resources.connectors.source_http import SourceClient
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.store.connectors import Connection
from resources.store.database import write_transaction


class TestFailed(InvalidProperty):
    """A connection whose test has a failed check is not saved (seed 004)."""

    def __init__(self, outcome: TestOutcome) -> None:
        failed = next(check for check in outcome.checks if not check.ok)
        super().__init__(code="connection_test_failed", reason=failed.message)
        self.outcome = outcome


def connector_type(key: str) -> ConnectorType:
    found = connector_types().get(key)
    if found is None:
        raise InvalidProperty(
            code="connector_type_unknown",
            field="type",
            type=key,
            types=", ".join(connector_types().keys()),
        )
    return found


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


def create_connection(
    name: str,
    type_key: str,
    target: str,
    settings: Mapping[str, str | bool],
    client: SourceClient,
    *,
    description: str = "",
    interval_minutes: int = 0,
    actor: str = "system",
) -> tuple[Connection, TestOutcome]:
    """A new connection, saved only when its test passes (TestFailed otherwise)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidProperty(code="connection_name_length", field="name")
    kind = connector_type(type_key)
    if target not in run_targets():
        raise InvalidProperty(
            code="connection_target_invalid",
            field="target",
            targets=", ".join(sorted(run_targets())),
        )
    if interval_minutes not in INTERVALS_MINUTES:
        raise InvalidProperty(code="connection_interval_invalid", field="interval_minutes")
    if Connection.get_or_none(Connection.name == name) is not None:
        raise AlreadyExists(code="connection_name_taken", field="name")
    outcome = kind.test(settings, client)
    if not outcome.passed:
        raise TestFailed(outcome)
    plain, sealed = split_settings(settings, kind.settings)
    now = time.time()
    with write_transaction():
        connection = Connection.create(
            name=name,
            type=type_key,
            target=target,
            description=description,
            settings=plain,
            secrets=sealed,
            mapping=json.dumps(default_mapping(kind, target), sort_keys=True),
            interval_minutes=interval_minutes,
            next_due=now if interval_minutes else None,
            created=now,
            modified=now,
        )
        audit.record(actor, "connection.create", name, f"type={type_key} target={target}")
    return connection, outcome


def connection_summary(connection: Connection) -> dict[str, object]:
    return {
        "name": connection.name,
        "type": connection.type,
        "target": connection.target,
        "settings": json.loads(connection.settings),
    }
