"""What a pair knows of each object on both sides (SyncedObject rows), and the local
writes of pulls and conflicts: the remote's version written here without an outbox row
(it came from there and must not go back), the remote's ETag noted while ours is kept,
deletions here; and the conflict policies' choice between the two versions."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from resources.objects.stored_objects import WriteConditions, delete_object, put_calendar_object
from resources.store.external_calendars import (
    OutboxEntry,
    SyncedObject,
    SyncPair,
    changes_from_remote,
    enqueue_pushes,
)
from resources.store.models import Collection, StoredObject

MAX_OBJECT_BYTES = 16 * 1024 * 1024
_STAMP = re.compile(rb"^(LAST-MODIFIED|DTSTAMP)[^:\r\n]*:(\d{8}T\d{6})Z?\s*$", re.M | re.I)


def local_object(collection: Collection, name: str) -> StoredObject | None:
    return StoredObject.get_or_none(
        (StoredObject.collection == collection.id) & (StoredObject.name == name)
    )


def uid_of(body: bytes) -> str:
    found = re.search(rb"^UID:(.*?)\r?$", body, re.M)
    return found.group(1).decode("utf-8", "replace").strip() if found else ""


def save_row(
    pair: SyncPair, name: str, href: str, remote_etag: str, local_etag: str, uid: str = ""
) -> None:
    """The pair's knowledge of one object, replacing what it knew under that name or href."""
    SyncedObject.delete().where(
        (SyncedObject.pair == pair.id)
        & ((SyncedObject.name == name) | (SyncedObject.remote_href == href))
    ).execute()
    SyncedObject.create(
        pair=pair.id,
        name=name,
        uid=uid[:1000],
        remote_href=href,
        remote_etag=remote_etag,
        local_etag=local_etag,
    )


def forget(row: SyncedObject) -> None:
    SyncedObject.delete().where(SyncedObject.id == row.id).execute()


def apply_remote_body(
    pair: SyncPair, collection: Collection, name: str, href: str, etag: str, body: bytes
) -> None:
    """Write the remote's version here as the remote's own change; a local change still
    queued for this object lost to it."""
    with changes_from_remote(collection.id):
        written = put_calendar_object(
            collection, name, body, WriteConditions(), max_size=MAX_OBJECT_BYTES, max_instances=0
        )
    OutboxEntry.delete().where(
        (OutboxEntry.collection_id == collection.id) & (OutboxEntry.name == name)
    ).execute()
    save_row(pair, name, href, etag, written.etag, uid_of(body))


def keep_local(
    pair: SyncPair,
    collection: Collection,
    row: SyncedObject | None,
    name: str,
    href: str,
    etag: str,
) -> None:
    """Ours wins: note the remote's ETag (the push overwrites exactly that version) and
    make sure the outbox holds the object."""
    save_row(pair, name, href, etag, row.local_etag if row is not None else "")
    pending = OutboxEntry.select().where(
        (OutboxEntry.collection_id == collection.id) & (OutboxEntry.name == name)
    )
    if not pending.exists():
        enqueue_pushes(collection.id, [name])


def delete_local(collection: Collection, name: str) -> None:
    with changes_from_remote(collection.id):
        delete_object(collection.id, name, WriteConditions())


def _stamp(body: bytes) -> float | None:
    found = _STAMP.search(body)
    if found is None:
        return None
    moment = datetime.strptime(found.group(2).decode(), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return moment.timestamp()


def remote_wins(pair: SyncPair, local: StoredObject, remote_body: bytes) -> bool:
    """The policy's choice when both sides changed one object."""
    if pair.conflict == "remote_wins":
        return True
    if pair.conflict == "local_wins":
        return False
    there = _stamp(remote_body)
    return there is not None and there > float(local.modified or time.time())
