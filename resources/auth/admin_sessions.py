"""Admin UI sessions kept in the database, so that signing out ends a session for
good: a copied cookie of a signed-out session opens nothing, in the UI or the API.

The cookie carries only the session id (signed); the row says whose session it is
and when it began. Sessions end after SESSION_HOURS whatever the cookie says.
"""

from __future__ import annotations

import secrets
import time

from resources.store.database import write_transaction
from resources.store.login_state import AdminSession

SESSION_HOURS = 12


def start_session(account_id: int) -> str:
    """A new session of the account; its id goes into the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    with write_transaction():
        AdminSession.create(session_id=session_id, account_id=account_id, started=now)
        # Sessions past their end are never read again.
        AdminSession.delete().where(AdminSession.started < now - SESSION_HOURS * 3600).execute()
    return session_id


def session_account_id(session_id: str | None) -> int | None:
    """The account of a live session, or None if it ended, expired or never existed."""
    if not session_id or not isinstance(session_id, str):
        return None
    row = AdminSession.get_or_none(AdminSession.session_id == session_id)
    if row is None or time.time() - row.started >= SESSION_HOURS * 3600:
        return None
    return row.account_id


def end_session(session_id: str | None) -> None:
    if session_id and isinstance(session_id, str):
        with write_transaction():
            AdminSession.delete().where(AdminSession.session_id == session_id).execute()
