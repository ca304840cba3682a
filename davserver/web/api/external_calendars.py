"""/v1/external-accounts and /v1/external-syncs: external CalDAV accounts and the sync
pairs of local calendars with their calendars (issue 15), on the domain's functions in
resources/external_calendars/. An account is saved only when discovery finds calendars
(422 naming the failed check otherwise); its password is write-only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, url_for
from flask.typing import ResponseReturnValue

from davserver.external_caldav import HttpxCalDavClient
from davserver.web.api.auth import actor
from davserver.web.api.json_io import ID_ROUTE, read_object, unprocessable
from resources.external_calendars.accounts import account_view, create_account, get_account
from resources.external_calendars.discovery import DiscoveryFailed
from resources.external_calendars.sync_pairs import (
    create_pair,
    delete_pair,
    get_pair,
    local_calendar,
    pair_view,
    update_pair,
)
from resources.external_calendars.sync_runs import process_owner, run_pair

blueprint = Blueprint("external_calendars", __name__, url_prefix="/v1")

ACCOUNT_FIELDS = frozenset({"url", "username", "password"})
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


@blueprint.get(f"/external-accounts/<{ID_ROUTE}:account_id>")
def get_external_account(account_id: int) -> ResponseReturnValue:
    return account_view(get_account(account_id))


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


@blueprint.post(f"/external-syncs/<{ID_ROUTE}:pair_id>/run")
def run_external_sync(pair_id: int) -> ResponseReturnValue:
    """A pull and a push now, answered when done (409 while another process runs it)."""
    pair = get_pair(pair_id)
    outcome = run_pair(pair.id, HttpxCalDavClient(), process_owner(), every_push=True)
    pulled = outcome.pull
    return {
        **pair_view(get_pair(pair.id)),
        "run": {
            "ok": not outcome.error,
            "error": outcome.error,
            "pulled": None
            if pulled is None
            else {
                "added": pulled.added,
                "updated": pulled.updated,
                "removed": pulled.removed,
                "kept_local": pulled.kept_local,
                "skipped": pulled.skipped,
                "requests": pulled.requests,
            },
            "pushed": {
                "sent": outcome.push.sent,
                "deleted": outcome.push.deleted,
                "conflicts": outcome.push.conflicts,
                "refused": outcome.push.refused,
            },
        },
    }
