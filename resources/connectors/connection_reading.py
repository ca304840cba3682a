"""Connections and their runs as the API answers with them and the admin UI shows them:
settings with each secret only as {"set": true or false}, the scope, mapping and
defaults, the last run; runs with their state, counts and skipped lines. Times are ISO
8601 in UTC to the second, as every API answer writes them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import peewee

from resources.connectors.catalogue import connector_types, run_targets
from resources.connectors.connection_settings import settings_view
from resources.connectors.connections import scope_of
from resources.connectors.connector_types import ConnectorType, SettingSpec, TestOutcome
from resources.error_codes import sentence_from_json
from resources.errors import NotFound
from resources.store.connectors import Connection, ConnectorRun
from resources.store.listing import ListRequest, Page, page_of

RUN_SORTS: dict[str, peewee.Field] = {"id": ConnectorRun.id, "queued": ConnectorRun.queued}
CONNECTION_SORTS: dict[str, peewee.Field] = {"id": Connection.id, "name": Connection.name}


def moment(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def run_view(run: ConnectorRun) -> dict[str, Any]:
    """{"id", "connection", "state", "trigger", "queued", "started", "finished", the
    counts, "errors": [{"line", "message", "code", "values"}], "message": why a failed run
    failed, "code": that sentence's catalogue code}; runs of before schema step 18 have
    no code (None) and rows without "code" and "values"."""
    failure = sentence_from_json(json.loads(run.failure)) if run.failure else None
    return {
        "id": run.id,
        "connection": run.connection_id,
        "state": run.state,
        "trigger": run.trigger,
        "queued": moment(run.queued),
        "started": moment(run.started),
        "finished": moment(run.finished),
        "added": run.added,
        "updated": run.updated,
        "removed": run.removed,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "errors": json.loads(run.errors or "[]"),
        "message": run.message,
        "code": failure.code if failure else None,
    }


def last_runs(connection_ids: Sequence[int]) -> dict[int, ConnectorRun]:
    """The newest run of each connection, in one query."""
    if not connection_ids:
        return {}
    newest: dict[int, ConnectorRun] = {}
    rows = (
        ConnectorRun.select()
        .where(ConnectorRun.connection.in_(list(connection_ids)))
        .order_by(ConnectorRun.id.desc())
    )
    for run in rows.iterator():
        newest.setdefault(run.connection_id, run)
        if len(newest) == len(connection_ids):
            break
    return newest


def _specs(connection: Connection) -> tuple[SettingSpec, ...]:
    kind = connector_types().get(connection.type)
    return kind.settings if kind is not None else ()


def connection_view(
    connection: Connection, last_run: ConnectorRun | None | bool = True
) -> dict[str, Any]:
    """The connection as the API shows it; `last_run` True looks the last run up."""
    if last_run is True:
        last_run = last_runs([connection.id]).get(connection.id)
    return {
        "id": connection.id,
        "name": connection.name,
        "type": connection.type,
        "description": connection.description,
        "target": connection.target,
        "settings": settings_view(connection, _specs(connection)),
        "scope": scope_of(connection).as_json(),
        "mapping": json.loads(connection.mapping or "{}"),
        "defaults": json.loads(connection.defaults or "{}"),
        "priority": connection.priority,
        "interval_minutes": connection.interval_minutes,
        "enabled": bool(connection.enabled),
        "last_run": run_view(last_run) if isinstance(last_run, ConnectorRun) else None,
    }


def connections_view(connections: Sequence[Connection]) -> list[dict[str, Any]]:
    """A page of connections with their last runs, found in one query."""
    newest = last_runs([c.id for c in connections])
    return [connection_view(c, newest.get(c.id)) for c in connections]


def connections_page(asked: ListRequest) -> Page:
    return page_of(
        Connection.select(),
        asked,
        sort_columns=CONNECTION_SORTS,
        default_sort="name",
        search_columns=(Connection.name, Connection.description),
    )


def get_run(run_id: int) -> ConnectorRun:
    found = ConnectorRun.get_or_none(ConnectorRun.id == run_id)
    if found is None:
        raise NotFound(code="no_such_run")
    return found


def runs_page(connection: Connection, asked: ListRequest) -> Page:
    """The connection's runs, newest first unless `asked` sorts otherwise."""
    return page_of(
        ConnectorRun.select().where(ConnectorRun.connection == connection.id),
        asked,
        sort_columns=RUN_SORTS,
        default_sort="-id",
    )


def outcome_view(outcome: TestOutcome) -> dict[str, Any]:
    """A test's outcome: {"passed", "checks": [{check, ok, message, code}],
    "source_fields"}; `code` is the message's catalogue code."""
    return {
        "passed": outcome.passed,
        "checks": [
            {
                "check": check.check,
                "ok": check.ok,
                "message": check.message,
                "code": check.sentence.code,
            }
            for check in outcome.checks
        ],
        "source_fields": list(outcome.source_fields),
    }


def setting_view(spec: SettingSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.kind,
        "kind": spec.kind,
        "label": spec.label,
        "required": spec.required,
        "secret": spec.secret,
        "help": spec.help,
        "default": spec.default,
        "choices": list(spec.choices),
        "max_length": spec.max_length,
    }


def connector_type_view(kind: ConnectorType) -> dict[str, Any]:
    """A connector type with the schema a form is built from."""
    return {
        "key": kind.key,
        "label": kind.label,
        "settings": [setting_view(spec) for spec in kind.settings],
        "source_fields": list(kind.source_fields),
        # target key -> target field -> source field: a new connection's mapping
        "default_mappings": {
            target: dict(mapping)
            for target, mapping in getattr(kind, "default_mappings", {}).items()
        },
    }


def connector_types_view() -> list[dict[str, Any]]:
    registry = connector_types()
    return [connector_type_view(kind) for key in registry.keys() if (kind := registry.get(key))]


def targets_view() -> list[dict[str, Any]]:
    """The targets with the fields a mapping and defaults may name."""
    return [
        {"key": key, "fields": list(target.fields), "mandatory": list(target.mandatory)}
        for key, target in sorted(run_targets().items())
    ]
