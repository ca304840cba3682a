"""The audit log: every change to access (credentials, passwords, resource switches,
accounts) with who did it and when."""

from __future__ import annotations

import time

from resources.store.listing import ListRequest, Page, page_of
from resources.store.organisation import AuditEntry


def record(actor: str, action: str, target: str, details: str = "") -> None:
    """Write one audit entry; call inside the transaction of the change it describes."""
    AuditEntry.create(
        at=time.time(), actor=actor or "system", action=action, target=target, details=details
    )


def recent(limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    return list(
        AuditEntry.select()
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )


def entries_page(
    asked: ListRequest,
    *,
    actor: str = "",
    action: str = "",
    since: float | None = None,
    before: float | None = None,
) -> Page:
    """A page of the log, newest first: by who (exactly), what (an action code), when
    (epoch bounds, `before` excluded) and words of the target or details."""
    query = AuditEntry.select()
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if before is not None:
        query = query.where(AuditEntry.at < before)
    return page_of(
        query,
        asked,
        sort_columns={"at": AuditEntry.at, "actor": AuditEntry.actor, "action": AuditEntry.action},
        default_sort="-at",
        search_columns=(AuditEntry.actor, AuditEntry.target, AuditEntry.details),
    )


def actors() -> list[str]:
    """Everyone who has changed something, for a filter's choices."""
    rows = AuditEntry.select(AuditEntry.actor).distinct().order_by(AuditEntry.actor).limit(500)
    return [row.actor for row in rows]
