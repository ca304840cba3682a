"""/v1/external-accounts and /v1/external-syncs: external CalDAV accounts and the sync
pairs of local calendars with their calendars (issue 15), on the domain's functions in
resources/external_calendars/. An account is saved only when discovery finds calendars
(422 naming the failed check otherwise); its password is write-only. "Sync now" queues
a run and answers when it is done, or 202 with the run to follow when it takes longer."""

from __future__ import annotations

from typing import Any

import peewee
from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from davserver.external_caldav import HttpxCalDavClient
from davserver.external_sync_loop import sync_now
from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    ID_ROUTE,
    list_request,
    page_json,
    read_object,
    unprocessable,
)
from resources.errors import InvalidProperty, NotFound
from resources.external_calendars.accounts import (
    account_view,
    create_account,
    get_account,
    update_account,
)
from resources.external_calendars.discovery import DiscoveryFailed
from resources.external_calendars.sync_pairs import (
    create_pair,
    delete_account,
    delete_pair,
    get_pair,
    local_calendar,
    pair_view,
    update_pair,
)
from resources.external_calendars.sync_runs import FAILED, OK, RunActive, run_view
from resources.store.external_calendars import ExternalAccount, ExternalSyncRun, SyncPair
from resources.store.listing import page_of

blueprint = Blueprint("external_calendars", __name__, url_prefix="/v1")

ACCOUNT_FIELDS = frozenset({"url", "username", "password"})
ACCOUNT_SHOWN = frozenset({"id", "found_url", "calendars"})
WAIT_SECONDS, MAX_WAIT_SECONDS = 10.0, 30.0
ACCOUNT_SORTS: dict[str, peewee.Field] = {"id": ExternalAccount.id, "url": ExternalAccount.url}
SYNC_SORTS: dict[str, peewee.Field] = {"id": SyncPair.id}
RUN_SORTS: dict[str, peewee.Field] = {"id": ExternalSyncRun.id}
OPTIONS = frozenset({"conflict", "interval_minutes", "push_existing"})
SYNC_FIELDS = frozenset({"account", "remote_calendar", "local_calendar", "resource"}) | OPTIONS
READ_ONLY = frozenset(
    {"id", "account", "remote_calendar", "local_calendar", "resource", "state", "run"}
)


def _body(allowed: frozenset[str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    body = read_object()
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise unprocessable("unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    missing = [name for name in required if name not in body]
    if missing:
        raise unprocessable("missing_field", f"Required field(s) missing: {', '.join(missing)}.")
    return body


@blueprint.errorhandler(DiscoveryFailed)
def _discovery_failed(error: DiscoveryFailed) -> Response:
    """422 naming the check that failed (url, reach, login, calendars); nothing was saved."""
    answer = jsonify(
        {
            "error": "invalid_value",
            "code": error.code,
            "field": error.field,
            "check": error.check,
            "message": error.message,
        }
    )
    answer.status_code = 422
    return answer


@blueprint.post("/external-accounts")
def create_external_account() -> ResponseReturnValue:
    body = _body(ACCOUNT_FIELDS, ("url", "username", "password"))
    account, _ = create_account(
        body["url"], body["username"], body["password"], HttpxCalDavClient(), actor=actor()
    )
    location = url_for(".get_external_account", account_id=account.id)
    return account_view(account), 201, {"Location": location}


@blueprint.get("/external-accounts")
def list_external_accounts() -> ResponseReturnValue:
    page = page_of(
        ExternalAccount.select(),
        list_request(),
        sort_columns=ACCOUNT_SORTS,
        default_sort="id",
        search_columns=(ExternalAccount.url, ExternalAccount.username),
    )
    return page_json(page, account_view)


@blueprint.get(f"/external-accounts/<{ID_ROUTE}:account_id>")
def get_external_account(account_id: int) -> ResponseReturnValue:
    return account_view(get_account(account_id))


@blueprint.patch(f"/external-accounts/<{ID_ROUTE}:account_id>")
def change_external_account(account_id: int) -> ResponseReturnValue:
    """A new URL, user name or password, saved once discovery finds calendars with them
    (a password left out or null stays); what GET answers may come back unchanged."""
    account = get_account(account_id)
    body = _body(ACCOUNT_FIELDS | ACCOUNT_SHOWN)
    shown = account_view(account)
    fixed = sorted(k for k in ACCOUNT_SHOWN & set(body) if body[k] != shown.get(k))
    if fixed:
        raise unprocessable("read_only", f"Cannot be changed: {', '.join(fixed)}.")
    changes = {k: v for k, v in body.items() if k in ACCOUNT_FIELDS}
    if isinstance(changes.get("password"), dict) or changes.get("password") is None:
        changes.pop("password", None)  # {"set": true} as GET answered it: the stored one stays
    changed, _ = update_account(account, changes, HttpxCalDavClient(), actor=actor())
    return account_view(changed)


@blueprint.delete(f"/external-accounts/<{ID_ROUTE}:account_id>")
def delete_external_account(account_id: int) -> ResponseReturnValue:
    """The account and every sync that uses it (both sides keep what they hold)."""
    delete_account(get_account(account_id), actor=actor())
    return "", 204


@blueprint.get("/external-syncs")
def list_external_syncs() -> ResponseReturnValue:
    page = page_of(
        SyncPair.select(),
        list_request(),
        sort_columns=SYNC_SORTS,
        default_sort="id",
        search_columns=(SyncPair.remote_url,),
    )
    return page_json(page, pair_view)


@blueprint.post("/external-syncs")
def create_external_sync() -> ResponseReturnValue:
    body = _body(SYNC_FIELDS, ("account", "remote_calendar"))
    local = local_calendar(body.get("local_calendar"), body.get("resource"))
    options = {name: body[name] for name in OPTIONS if name in body}
    pair = create_pair(body["account"], body["remote_calendar"], local, options, actor=actor())
    location = url_for(".get_external_sync", pair_id=pair.id)
    return pair_view(pair), 201, {"Location": location}


@blueprint.get(f"/external-syncs/<{ID_ROUTE}:pair_id>")
def get_external_sync(pair_id: int) -> ResponseReturnValue:
    return pair_view(get_pair(pair_id))


@blueprint.patch(f"/external-syncs/<{ID_ROUTE}:pair_id>")
def change_external_sync(pair_id: int) -> ResponseReturnValue:
    """The options; the parts GET answers that cannot change may come back as they were."""
    pair = get_pair(pair_id)
    current = pair_view(pair)
    body = _body(OPTIONS | READ_ONLY)
    fixed = sorted(
        k for k in READ_ONLY & set(body) if k not in ("state", "run") and body[k] != current.get(k)
    )
    if fixed:
        raise unprocessable("read_only", f"Cannot be changed: {', '.join(fixed)}.")
    changes = {k: v for k, v in body.items() if k in OPTIONS}
    return pair_view(update_pair(pair, changes, actor=actor()))


@blueprint.delete(f"/external-syncs/<{ID_ROUTE}:pair_id>")
def delete_external_sync(pair_id: int) -> ResponseReturnValue:
    delete_pair(get_pair(pair_id), actor=actor())
    return "", 204


@blueprint.errorhandler(RunActive)
def _run_active(error: RunActive) -> Response:
    """409 naming the run that is queued or running, so that a client can follow it."""
    answer = jsonify(
        {
            "error": "already_exists",
            "code": error.code,
            "message": error.message,
            "run": run_view(error.run),
        }
    )
    answer.status_code = 409
    return answer


def _wait_seconds() -> float:
    raw = request.args.get("wait")
    if raw is None:
        return WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise InvalidProperty(code="external_wait_invalid", field="wait")
    return seconds


@blueprint.post(f"/external-syncs/<{ID_ROUTE}:pair_id>/run")
def run_external_sync(pair_id: int) -> ResponseReturnValue:
    """A pull and a push now: 200 with the pair and its `run` when the run ended within
    `wait` seconds (default 10), else 202 with the run and where to follow it; 409 with
    the run already queued or running."""
    pair = get_pair(pair_id)
    run = sync_now(pair.id, actor(), _wait_seconds())
    location = url_for(".get_external_sync_run", pair_id=pair.id, run_id=run.id)
    body = {**pair_view(get_pair(pair.id)), "run": _compatible(run_view(run))}
    status = 200 if run.state in (OK, FAILED) else 202
    return body, status, {"Location": location}


def _compatible(run: dict[str, Any]) -> dict[str, Any]:
    """The run with the `ok` and `error` this answer had before runs were rows."""
    return {**run, "ok": run["state"] == OK, "error": run["message"]}


@blueprint.get(f"/external-syncs/<{ID_ROUTE}:pair_id>/runs")
def list_external_sync_runs(pair_id: int) -> ResponseReturnValue:
    pair = get_pair(pair_id)
    query = ExternalSyncRun.select().where(ExternalSyncRun.pair == pair.id)
    page = page_of(query, list_request(), sort_columns=RUN_SORTS, default_sort="-id")
    return page_json(page, run_view)


@blueprint.get(f"/external-syncs/<{ID_ROUTE}:pair_id>/runs/<{ID_ROUTE}:run_id>")
def get_external_sync_run(pair_id: int, run_id: int) -> ResponseReturnValue:
    run = ExternalSyncRun.get_or_none(
        (ExternalSyncRun.id == run_id) & (ExternalSyncRun.pair == get_pair(pair_id).id)
    )
    if run is None:
        raise NotFound(code="no_such_external_sync_run")
    return run_view(run)
