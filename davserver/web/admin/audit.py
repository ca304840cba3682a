"""The audit log: who changed access to what, and when, newest first, page by page."""

from __future__ import annotations

from flask import Blueprint, Response, request

from davserver.web.admin.pages import render
from resources.auth import audit

blueprint = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def page_number() -> int:
    raw = request.args.get("page", "1")
    return min(int(raw), 100000) if raw.isdigit() and int(raw) > 0 else 1


@blueprint.get("", endpoint="index")
def entries() -> Response:
    page = page_number()
    found = audit.recent(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return render(
        "admin/audit.html", entries=found[:PAGE_SIZE], page=page, has_more=len(found) > PAGE_SIZE
    )
