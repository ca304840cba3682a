"""A login's scheduling inbox and outbox (RFC 6638 §2.2, §2.3) and its default calendar
(§9.2 schedule-default-calendar-URL).

Both are collections of the login's calendar home, made on the first request that needs
them: the inbox keeps the iTIP messages delivered to the login, the outbox takes POSTs.
"""

from __future__ import annotations

from resources.objects.calendar_collections import (
    CALENDAR,
    CALENDARS_HOME,
    CollectionProperties,
    by_path,
    create_collection,
    top_level,
)
from resources.store.database import write_transaction
from resources.store.models import Collection
from resources.store.organisation import Resource

INBOX = "schedule-inbox"
OUTBOX = "schedule-outbox"
INBOX_PATH = "inbox"
OUTBOX_PATH = "outbox"
MAILBOX_PATHS = {INBOX: INBOX_PATH, OUTBOX: OUTBOX_PATH}


def mailbox(credential_id: int, kind: str) -> Collection:
    """The login's inbox or outbox, created if it does not exist yet."""
    path = MAILBOX_PATHS[kind]
    found = by_path(credential_id, path)
    if found is not None:
        return found
    with write_transaction():
        found = by_path(credential_id, path)
        if found is None:
            found = create_collection(
                credential_id,
                path,
                kind,
                CollectionProperties(display_name="Inbox" if kind == INBOX else "Outbox"),
                home=CALENDARS_HOME,
            )
    return found


def is_mailbox(collection: Collection) -> bool:
    return collection.kind in MAILBOX_PATHS


def default_calendar(credential_id: int, employee_id: int | None) -> Collection | None:
    """Where invitations to this login land: its own person resource's calendar while the
    login may sync it, else its first personal calendar."""
    if employee_id is not None:
        person = (
            Collection.select(Collection)
            .join(Resource, on=(Collection.resource == Resource.id))
            .where(
                (Resource.kind == "person")
                & (Resource.employee == employee_id)
                & Resource.active
                & Resource.sync_allowed
            )
            .first()
        )
        if person is not None:
            return person  # type: ignore[no-any-return]
    calendars = [c for c in top_level(credential_id) if c.kind == CALENDAR]
    return calendars[0] if calendars else None
