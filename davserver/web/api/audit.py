"""/v1/audit: every change to access, newest first, with who and when; filtered by
?actor=, ?action=, ?from= and ?until= (dates, UTC days, both included), searched with
?q= and paged with ?limit= and the cursor ?after=."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from davserver.web.api.json_io import iso_moment, list_request, page_json, unprocessable
from resources.auth import audit
from resources.store.organisation import AuditEntry

blueprint = Blueprint("audit", __name__, url_prefix="/v1/audit")


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": iso_moment(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }


def _day_start(name: str, *, following: bool = False) -> float | None:
    """The epoch time a UTC day given as ?name=YYYY-MM-DD starts (or the next one does)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not 1 <= day.year <= 9998:
        raise unprocessable("invalid_value", f"'{name}' must be a date such as 2024-05-31.")
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return (start + timedelta(days=1 if following else 0)).timestamp()


@blueprint.get("")
def list_entries() -> ResponseReturnValue:
    page = audit.entries_page(
        list_request(),
        actor=request.args.get("actor", ""),
        action=request.args.get("action", ""),
        since=_day_start("from"),
        before=_day_start("until", following=True),
    )
    return page_json(page, entry_json)
