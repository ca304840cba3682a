"""/v1/connector-types, /v1/connections and /v1/runs: connections to data sources, their
tests and their runs (issue 13 item 7), on the domain's functions in
resources/connectors/. A connection is saved only when its test passes (422 with the
checks otherwise); secrets are write-only, answered as {"set": true or false}."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from davserver.connector_http import HttpxSourceClient
from davserver.web.api.auth import actor
from davserver.web.api.json_io import ID_ROUTE, list_request, read_object, unprocessable
from resources.connectors import connection_reading as reading
from resources.connectors.connection_changes import delete_connection, update_connection
from resources.connectors.connection_rules import connector_type
from resources.connectors.connections import (
    RunActive,
    TestFailed,
    create_connection,
    get_connection,
    queue_connection_run,
    test_connection,
    test_settings,
)

blueprint = Blueprint("connections", __name__, url_prefix="/v1")

CREATE_FIELDS = frozenset(
    {
        "name",
        "type",
        "target",
        "description",
        "settings",
        "scope",
        "mapping",
        "defaults",
        "priority",
        "interval_minutes",
        "enabled",
    }
)
READ_ONLY = frozenset({"id", "last_run"})  # a PATCH of what GET answered may carry them


def _body(allowed: frozenset[str]) -> dict[str, Any]:
    body = read_object()
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise unprocessable("unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    return body


def _optional_body() -> dict[str, Any]:
    """A POST that may come without a body (it still says application/json)."""
    return _body(frozenset({"settings"})) if request.get_data() else {}


@blueprint.errorhandler(TestFailed)
def _test_failed(error: TestFailed) -> Response:
    """422 with every check, so the form shows which step failed; nothing was saved."""
    answer = jsonify(
        {
            "error": "invalid_value",
            "code": error.code,
            "field": error.field,
            "message": error.message,
            **reading.outcome_view(error.outcome),
        }
    )
    answer.status_code = 422
    return answer


@blueprint.errorhandler(RunActive)
def _run_active(error: RunActive) -> Response:
    """409 naming the run that is queued or running, so a client can follow it."""
    answer = jsonify(
        {
            "error": "already_exists",
            "code": error.code,
            "message": error.message,
            "run": reading.run_view(error.run) if error.run is not None else None,
        }
    )
    answer.status_code = 409
    return answer


@blueprint.get("/connector-types")
def list_connector_types() -> ResponseReturnValue:
    return {
        "items": reading.connector_types_view(),
        "next": None,
        "targets": reading.targets_view(),
    }


@blueprint.get("/connector-types/<key>")
def get_connector_type(key: str) -> ResponseReturnValue:
    return reading.connector_type_view(connector_type(key))


@blueprint.post("/connector-types/<key>/test")
def test_unsaved(key: str) -> ResponseReturnValue:
    """The test of settings before the first save: {"passed", "checks", "source_fields"}."""
    settings = _optional_body().get("settings", {})
    return reading.outcome_view(test_settings(key, settings, HttpxSourceClient()))


@blueprint.get("/connections")
def list_connections() -> ResponseReturnValue:
    page = reading.connections_page(list_request())
    return {"items": reading.connections_view(page.items), "next": page.next}


@blueprint.post("/connections")
def create() -> ResponseReturnValue:
    body = _body(CREATE_FIELDS)
    missing = [name for name in ("name", "type") if name not in body]
    if missing:
        raise unprocessable("missing_field", f"Required field(s) missing: {', '.join(missing)}.")
    connection, outcome = create_connection(
        body["name"],
        body["type"],
        body.get("target", "phonebook"),
        body.get("settings", {}),
        HttpxSourceClient(),
        description=body.get("description", ""),
        interval_minutes=body.get("interval_minutes", 0),
        scope=body.get("scope"),
        mapping=body.get("mapping"),
        defaults=body.get("defaults"),
        priority=body.get("priority", 0),
        enabled=body.get("enabled", True),
        actor=actor(),
    )
    answer = {**reading.connection_view(connection), "test": reading.outcome_view(outcome)}
    return answer, 201, {"Location": url_for(".get_one", connection_id=connection.id)}


@blueprint.get(f"/connections/<{ID_ROUTE}:connection_id>")
def get_one(connection_id: int) -> ResponseReturnValue:
    return reading.connection_view(get_connection(connection_id))


@blueprint.patch(f"/connections/<{ID_ROUTE}:connection_id>")
def change(connection_id: int) -> ResponseReturnValue:
    """Any part but type and target; changed settings are tested before the save."""
    connection = get_connection(connection_id)
    changes = {k: v for k, v in _body(CREATE_FIELDS | READ_ONLY).items() if k not in READ_ONLY}
    changed, outcome = update_connection(connection, changes, HttpxSourceClient(), actor=actor())
    answer = reading.connection_view(changed)
    if outcome is not None:
        answer["test"] = reading.outcome_view(outcome)
    return answer


@blueprint.delete(f"/connections/<{ID_ROUTE}:connection_id>")
def delete(connection_id: int) -> ResponseReturnValue:
    delete_connection(get_connection(connection_id), actor=actor())
    return "", 204


@blueprint.post(f"/connections/<{ID_ROUTE}:connection_id>/test")
def test_saved(connection_id: int) -> ResponseReturnValue:
    """The saved connection's test, or of setting changes not saved yet (the stored
    secrets stand in for those left out)."""
    connection = get_connection(connection_id)
    changes = _optional_body().get("settings", {})
    return reading.outcome_view(test_connection(connection, HttpxSourceClient(), changes))


@blueprint.post(f"/connections/<{ID_ROUTE}:connection_id>/run")
def run(connection_id: int) -> ResponseReturnValue:
    """202 with the queued run; the server's run loop takes it (GET /runs/{id} follows
    it). 409 with the run while one is queued or running."""
    queued = queue_connection_run(get_connection(connection_id), actor=actor())
    location = url_for(".get_run", run_id=queued.id)
    return reading.run_view(queued), 202, {"Location": location}


@blueprint.get(f"/connections/<{ID_ROUTE}:connection_id>/runs")
def list_runs(connection_id: int) -> ResponseReturnValue:
    page = reading.runs_page(get_connection(connection_id), list_request())
    return {"items": [reading.run_view(r) for r in page.items], "next": page.next}


@blueprint.get(f"/runs/<{ID_ROUTE}:run_id>")
def get_run(run_id: int) -> ResponseReturnValue:
    return reading.run_view(reading.get_run(run_id))
