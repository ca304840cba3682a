"""Where scheduling writes (RFC 6638 §3.2-3.3, §4.1): attendees' copies in their calendars,
iTIP messages in inboxes, the organizer's copy rewritten, and the Schedule-Tag of each.

All of it runs inside the write transaction of the request that caused it (DESIGN §6).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid

from resources.objects import change_log, stored_objects
from resources.objects.stored_objects import CALENDAR_CONTENT_TYPE, WriteConditions
from resources.scheduling.mailboxes import INBOX, mailbox
from resources.store.database import insert_rows, lock_for_update
from resources.store.models import Collection, StoredObject
from resources.store.scheduling import ScheduleTag

_PLAIN_UID = re.compile(r"^[A-Za-z0-9@._-]{1,200}$")


def lock_resource_calendar(resource_id: int) -> Collection:
    """A resource's calendar row, row-locked until the transaction ends: its bookings
    take turns, so two organizers never both get the last free slot."""
    found: Collection = lock_for_update(
        Collection.select().where(Collection.resource == resource_id)
    ).get()
    return found


def copy_name(uid: str) -> str:
    """The member name of a delivered copy: the UID where it is a safe name."""
    if _PLAIN_UID.match(uid) and uid not in (".", ".."):
        return uid + ".ics"
    return hashlib.sha256(uid.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".ics"


def find_copy(calendar_id: int, uid: str) -> StoredObject | None:
    found: StoredObject | None = (
        StoredObject.select()
        .where((StoredObject.collection == calendar_id) & (StoredObject.uid == uid))
        .first()
    )
    return found


_LOOK = object()


def store_copy(
    calendar: Collection,
    uid: str,
    body: bytes,
    *,
    max_size: int,
    existing: StoredObject | None | object = _LOOK,
) -> StoredObject:
    """Write an attendee's copy (a new Schedule-Tag: the organizer changed it);
    `existing` is the copy already there, if the caller has looked."""
    found = find_copy(calendar.id, uid) if existing is _LOOK else existing
    name = found.name if isinstance(found, StoredObject) else copy_name(uid)
    result = stored_objects.put_calendar_object(
        calendar, name, body, WriteConditions(), max_size=max_size, max_instances=0
    )
    row = stored_objects.get_object(calendar.id, name)
    assert row is not None  # just written in this transaction
    new_tag(row.id, created=result.created)
    return row


def remove_copy(calendar_id: int, uid: str) -> bool:
    existing = find_copy(calendar_id, uid)
    if existing is None:
        return False
    stored_objects.delete_object(calendar_id, existing.name, WriteConditions())
    return True


def rewrite(collection_id: int, name: str, body: bytes) -> str:
    """Replace a stored object's body with the server's version of it (SCHEDULE-STATUS
    and PARTSTATs set) at the revision of the write that stored it; its indexed facts
    (UID, bounds, occurrences) are those of the body as sent. Returns the new ETag."""
    etag = stored_objects.compute_etag(body)
    StoredObject.update(body=body, etag=etag, size=len(body), modified=time.time()).where(
        (StoredObject.collection == collection_id) & (StoredObject.name == name)
    ).execute()
    return etag


def deliver_message(credential_ids: tuple[int, ...], uid: str, message: bytes) -> None:
    """Put an iTIP message into each login's inbox; it replaces older ones of the UID, so
    inboxes of clients that never read them stay small."""
    for credential_id in credential_ids:
        inbox = mailbox(credential_id, INBOX)
        stale = [
            row.name
            for row in StoredObject.select(StoredObject.name).where(
                (StoredObject.collection == inbox.id) & (StoredObject.uid == uid)
            )
        ]
        if stale:
            StoredObject.delete().where(
                (StoredObject.collection == inbox.id) & StoredObject.name.in_(stale)
            ).execute()
            change_log.record_change(inbox.id, stale, deleted=True)
        name = f"{uuid.uuid4().hex}.ics"
        now = time.time()
        StoredObject.create(
            collection=inbox.id,
            name=name,
            content_type=CALENDAR_CONTENT_TYPE,
            body=message,
            etag=stored_objects.compute_etag(message),
            size=len(message),
            uid=uid,
            component="VEVENT",
            created=now,
            modified=now,
        )
        change_log.record_change(inbox.id, [name], deleted=False)


def tag_of(object_id: int) -> str | None:
    tag: str | None = (
        ScheduleTag.select(ScheduleTag.tag).where(ScheduleTag.stored_object == object_id).scalar()
    )
    return tag


def forget_tag(object_id: int) -> None:
    """The object is no longer a scheduling object resource: it has no Schedule-Tag."""
    ScheduleTag.delete().where(ScheduleTag.stored_object == object_id).execute()


def new_tag(object_id: int, *, created: bool = False) -> str:
    """A new Schedule-Tag for the object (`created`: it has none yet)."""
    tag = secrets.token_hex(10)
    if not created:
        updated = (
            ScheduleTag.update(tag=tag).where(ScheduleTag.stored_object == object_id).execute()
        )
        if updated:
            return tag
    insert_rows(ScheduleTag, ("stored_object", "tag"), [(object_id, tag)])
    return tag
