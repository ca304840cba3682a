"""Schema upgrade 6: stored calendar objects and vCards that earlier versions let in and
readers cannot use. Bodies with bare-CR line endings are rewritten with CRLF; bodies that
still cannot be read (control characters, not UTF-8, not iCalendar) are quarantined: left in
the database as they are, skipped by every reader, and named in a log line."""

from __future__ import annotations

import logging

from resources.formats.content_lines import with_crlf_line_endings
from resources.formats.stored_reading import (
    UnreadableStoredObject,
    parse_stored_calendar,
    stored_text,
)
from resources.objects.stored_objects import compute_etag
from resources.store.models import Collection, StoredObject

log = logging.getLogger("davserver.schema")
PAGE_SIZE = 200


def repair_stored_objects() -> None:
    """Normalise bare-CR line endings, and log each object no reader can use."""
    last_id = 0
    while True:
        page = list(
            StoredObject.select(
                StoredObject.id,
                StoredObject.name,
                StoredObject.body,
                StoredObject.component,
                StoredObject.collection,
            )
            .where((StoredObject.id > last_id) & StoredObject.component.is_null(False))
            .order_by(StoredObject.id)
            .limit(PAGE_SIZE)
        )
        if not page:
            return
        for row in page:
            _repair(row)
        last_id = page[-1].id


def _repair(row: StoredObject) -> None:
    body = bytes(row.body)
    repaired = with_crlf_line_endings(body)
    if repaired != body:
        StoredObject.update(body=repaired, size=len(repaired), etag=compute_etag(repaired)).where(
            StoredObject.id == row.id
        ).execute()
        log.warning("rewrote the line endings of %s as CRLF", _where(row))
    try:
        if row.component == "VCARD":
            stored_text(repaired)
        else:
            parse_stored_calendar(repaired)
    except UnreadableStoredObject as error:
        log.warning(
            "quarantined %s: %s; it stays stored, readers skip it until it is replaced or deleted",
            _where(row),
            error,
        )


def _where(row: StoredObject) -> str:
    collection = Collection.get_by_id(row.collection_id)
    owner = (
        collection.owner.username  # type: ignore[union-attr]  # owner_id is set
        if collection.owner_id
        else f"resource {collection.resource_id}"
    )
    return (
        f"the object {row.name!r} of collection {collection.home}/{collection.path} (login {owner})"
    )
