"""/v1/audit: every change to access, newest first, with who and when."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.json_io import iso_moment, listing, query_int
from resources.auth import audit
from resources.store.organisation import AuditEntry

blueprint = Blueprint("audit", __name__, url_prefix="/v1/audit")

PAGE_MAX = 1000


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": iso_moment(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }


@blueprint.get("")
def list_entries() -> ResponseReturnValue:
    """?limit=100&offset=0"""
    limit = query_int("limit", 100, lowest=1, highest=PAGE_MAX)
    offset = query_int("offset", 0, lowest=0, highest=10**9)
    return listing(audit.recent(limit, offset), entry_json)
