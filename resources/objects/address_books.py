"""Address books: each CardDAV login's personal book `contacts` (made on first use)
and the one company address book every CardDAV login sees (read-only)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from resources.objects import change_log
from resources.objects.calendar_collections import (
    ADDRESSBOOK,
    ADDRESSBOOKS_HOME,
    CollectionProperties,
    create_collection,
    top_level,
)
from resources.objects.stored_objects import VCARD, VCARD_CONTENT_TYPE, compute_etag
from resources.store.database import insert_rows, select_rows, update_rows, write_transaction
from resources.store.models import Collection, StoredObject

COMPANY = "company"
COMPANY_PATH = "company"
PERSONAL_PATH = "contacts"


def personal_books(credential_id: int) -> list[Collection]:
    """The login's own address books; the first request creates `contacts`."""
    books = top_level(credential_id, ADDRESSBOOKS_HOME)
    if books:
        return books
    with write_transaction():
        books = top_level(credential_id, ADDRESSBOOKS_HOME)
        if not books:
            books = [
                create_collection(
                    credential_id,
                    PERSONAL_PATH,
                    ADDRESSBOOK,
                    CollectionProperties(display_name="Contacts"),
                    home=ADDRESSBOOKS_HOME,
                )
            ]
    return books


def company_book() -> Collection:
    """The shared company address book (created when the store is opened)."""
    book = Collection.get_or_none((Collection.kind == COMPANY) & Collection.owner.is_null())
    if book is None:
        with write_transaction():
            book = Collection.get_or_none((Collection.kind == COMPANY) & Collection.owner.is_null())
            if book is None:
                now = time.time()
                book = Collection.create(
                    owner=None,
                    home=ADDRESSBOOKS_HOME,
                    path=COMPANY_PATH,
                    kind=COMPANY,
                    display_name="Company contacts",
                    components=VCARD,
                    sync_epoch=secrets.token_hex(8),
                    created=now,
                    modified=now,
                )
    return book


def publish(name: str, vcard: str | None, uid: str, formatted_name: str) -> None:
    """Put (or with vcard None, remove) one vCard of the company book; only real changes
    move its sync token. Call inside the directory change's transaction."""
    book = company_book()
    existing = StoredObject.get_or_none(
        (StoredObject.collection == book.id) & (StoredObject.name == name)
    )
    if vcard is None:
        if existing is not None:
            existing.delete_instance()
            change_log.record_change(book.id, [name], deleted=True)
        return
    body = vcard.encode("utf-8")
    etag = compute_etag(body)
    if existing is not None and existing.etag == etag:
        return
    now = time.time()
    values = dict(
        content_type=VCARD_CONTENT_TYPE,
        body=body,
        etag=etag,
        size=len(body),
        uid=uid,
        component=VCARD,
        summary=formatted_name,
        modified=now,
    )
    if existing is None:
        StoredObject.create(collection=book.id, name=name, created=now, **values)
    else:
        StoredObject.update(**values).where(StoredObject.id == existing.id).execute()
    change_log.record_change(book.id, [name], deleted=False)


@dataclass(frozen=True)
class CardChange:
    """One card of the company book as a batch writer wants it (vcard None: removed)."""

    name: str
    vcard: str | None
    uid: str
    formatted_name: str


def publish_batch(changes: list[CardChange]) -> int:
    """`publish` for many cards at once (a connector run): one read of what is stored,
    bulk writes, and at most two revisions (changed, removed) for the whole batch.
    Call inside the run's transaction; the number of cards that really changed."""
    if not changes:
        return 0
    book = company_book()
    stored: dict[str, tuple[int, str]] = {
        name: (object_id, etag)
        for object_id, name, etag in select_rows(
            StoredObject,
            ("id", "name", "etag"),
            (("collection", book.id),),
            ("name", [change.name for change in changes]),
        )
    }
    removed: list[str] = []
    written: list[tuple[CardChange, bytes, str, tuple[int, str] | None]] = []
    for change in changes:
        existing = stored.get(change.name)
        if change.vcard is None:
            if existing is not None:
                removed.append(change.name)
            continue
        body = change.vcard.encode("utf-8")
        etag = compute_etag(body)
        if existing is None or existing[1] != etag:
            written.append((change, body, etag, existing))
    if removed:
        for start in range(0, len(removed), 500):
            StoredObject.delete().where(
                (StoredObject.collection == book.id)
                & StoredObject.name.in_(removed[start : start + 500])
            ).execute()
        change_log.record_change(book.id, removed, deleted=True)
    if written:
        _write_cards(book.id, written)
    return len(written) + len(removed)


def _write_cards(
    book_id: int, written: list[tuple[CardChange, bytes, str, tuple[int, str] | None]]
) -> None:
    """Insert or update the cards with the book's next revision already set, so that no
    second statement has to find them again to set it."""
    revision = change_log.lock_collection(book_id).sync_revision + 1
    now = time.time()
    columns = ("etag", "body", "size", "uid", "summary", "modified", "revision")
    created: list[tuple[object, ...]] = []
    updated: list[tuple[object, ...]] = []
    for change, body, etag, existing in written:
        values = (etag, body, len(body), change.uid, change.formatted_name, now, revision)
        if existing is None:
            created.append((book_id, change.name, VCARD_CONTENT_TYPE, VCARD, now, *values))
        else:
            updated.append((*values, VCARD_CONTENT_TYPE, VCARD, existing[0]))
    insert_rows(
        StoredObject,
        ("collection", "name", "content_type", "component", "created", *columns),
        created,
    )
    update_rows(StoredObject, (*columns, "content_type", "component"), updated)
    change_log.log_change(book_id, revision, [change.name for change, *_ in written], deleted=False)
