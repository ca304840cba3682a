"""The audit log: every change to access (credentials, passwords, resource switches,
accounts) with who did it and when."""

from __future__ import annotations

import time

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
