"""Address books: each CardDAV login's personal book `contacts` (made on first use)
and the read-only company book, one collection per audience (the scoped connections a
login sees, resources/store/company_audiences.py); cards every audience carries (the
directory's contacts, manual phonebook entries) are published to each active one."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from resources.formats.card_fields import Field
from resources.objects import card_index, change_log
from resources.objects.calendar_collections import (
    ADDRESSBOOK,
    ADDRESSBOOKS_HOME,
    CollectionProperties,
    create_collection,
    top_level,
)
from resources.objects.stored_objects import VCARD, VCARD_CONTENT_TYPE, compute_etag
from resources.store.company_audiences import BASE_AUDIENCE, CompanyAudience
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
    """The base audience's company book: what every login without a scoped connection
    sees (created when the store is opened)."""
    return audience_book(BASE_AUDIENCE)


def audience_book(key: str) -> Collection:
    """The company book of the audience `key`, made (empty, active) when missing; the
    caller fills a new one."""
    found = CompanyAudience.get_or_none(CompanyAudience.key == key)
    if found is None:
        with write_transaction():
            found = CompanyAudience.get_or_none(CompanyAudience.key == key)
            if found is None:
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
                found = CompanyAudience.create(key=key, collection=book.id, active=True)
    collection: Collection = Collection.get_by_id(found.collection_id)
    return collection


def active_books() -> list[int]:
    """The collection ids of every audience some login reads, the base one first."""
    rows = (
        CompanyAudience.select(CompanyAudience.collection)
        .where(CompanyAudience.active)
        .order_by(CompanyAudience.key)
    )
    ids = [row.collection_id for row in rows]
    return ids or [company_book().id]


def publish(name: str, vcard: str | None, uid: str, formatted_name: str) -> None:
    """Put (or with vcard None, remove) one vCard that every audience carries; only real
    changes move a book's sync token. Call inside the change's transaction."""
    for book_id in active_books():
        publish_to(book_id, name, vcard, uid, formatted_name)


def publish_to(book_id: int, name: str, vcard: str | None, uid: str, formatted_name: str) -> None:
    """`publish` into one audience's book."""
    existing = StoredObject.get_or_none(
        (StoredObject.collection == book_id) & (StoredObject.name == name)
    )
    if vcard is None:
        if existing is not None:
            existing.delete_instance()  # its search fields go with it
            change_log.record_change(book_id, [name], deleted=True, previous={name: existing.etag})
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
        object_id = StoredObject.create(collection=book_id, name=name, created=now, **values).id
    else:
        object_id = existing.id
        StoredObject.update(**values).where(StoredObject.id == object_id).execute()
    card_index.index_card(object_id, body)
    previous = {name: existing.etag if existing is not None else ""}
    change_log.record_change(book_id, [name], deleted=False, previous=previous)


UPDATED_COLUMNS = (
    "content_type",
    "body",
    "etag",
    "size",
    "uid",
    "component",
    "summary",
    "modified",
)


@dataclass(frozen=True)
class CardChange:
    """One card of the company book as a batch writer wants it (vcard None: removed),
    with its search fields when the writer knows them (None: read from the vCard).
    `new`: the name is made of a uid the writer has just drawn, so no book holds it
    and it is not looked up (a run's first import adds 100,000 such cards)."""

    name: str
    vcard: str | None
    uid: str
    formatted_name: str
    fields: Sequence[Field] | None = None
    new: bool = False


def publish_batch(changes: list[CardChange], book_id: int | None = None) -> int:
    """`publish_to` for many cards at once (a connector run), into one audience's book
    (the base one by default): one read of what is stored, bulk writes, and at most two
    revisions (changed, removed) for the whole batch. Call inside the run's
    transaction; the number of cards that really changed."""
    if not changes:
        return 0
    book = Collection.get_by_id(book_id) if book_id is not None else company_book()
    stored: dict[str, tuple[int, str]] = {
        name: (object_id, etag)
        for object_id, name, etag in select_rows(
            StoredObject,
            ("id", "name", "etag"),
            (("collection", book.id),),
            ("name", [change.name for change in changes if not change.new]),
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
        previous = {name: stored[name][1] for name in removed}
        change_log.record_change(book.id, removed, deleted=True, previous=previous)
    if written:
        _write_cards(book.id, written)
    return len(written) + len(removed)


def _write_cards(
    book_id: int, written: list[tuple[CardChange, bytes, str, tuple[int, str] | None]]
) -> None:
    """Insert or update the cards with the book's next revision already set, so that no
    second statement has to find them again to set it; then their search fields."""
    revision = change_log.lock_collection(book_id).sync_revision + 1
    now = time.time()
    created: list[tuple[object, ...]] = []
    updated: list[tuple[object, ...]] = []
    updated_bodies: list[tuple[int, bytes, Sequence[Field] | None]] = []
    created_bodies: list[tuple[bytes, Sequence[Field] | None]] = []
    for change, body, etag, existing in written:
        values = {
            "content_type": VCARD_CONTENT_TYPE,
            "body": body,
            "etag": etag,
            "size": len(body),
            "uid": change.uid,
            "component": VCARD,
            "summary": change.formatted_name,
            "modified": now,
        }
        row = (*(values[column] for column in UPDATED_COLUMNS), revision)
        if existing is None:
            created.append((book_id, change.name, now, *row))
            created_bodies.append((body, change.fields))
        else:
            updated.append((*row, existing[0]))
            updated_bodies.append((existing[0], body, change.fields))
    update_rows(StoredObject, (*UPDATED_COLUMNS, "revision"), updated)
    ids = insert_rows(
        StoredObject,
        ("collection", "name", "created", *UPDATED_COLUMNS, "revision"),
        created,
        with_ids=True,
    )
    card_index.index_cards(updated_bodies)
    card_index.index_cards(
        (
            (object_id, body, fields)
            for object_id, (body, fields) in zip(ids, created_bodies, strict=True)
        ),
        new=True,
    )
    names = [change.name for change, *_rest in written]
    previous = {
        change.name: existing[1] if existing else "" for change, _b, _e, existing in written
    }
    change_log.log_change(book_id, revision, names, deleted=False, previous=previous)
