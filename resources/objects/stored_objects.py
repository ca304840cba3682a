"""Calendar object resources and plain files: read, write with preconditions, delete,
move and copy. Every write is one transaction in which the ETag precondition is
checked again, so two writers holding the same ETag never both win.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

from resources.error_codes import sentence
from resources.errors import (
    AddressUidConflict,
    AlreadyExists,
    InvalidAddressData,
    NotFound,
    PreconditionFailed,
    ReadOnlyCollection,
    UidConflict,
    UnsupportedComponent,
)
from resources.formats.calendar_data import CalendarObjectFacts, parse_calendar_object
from resources.formats.content_lines import with_crlf_line_endings
from resources.formats.expansion_budget import max_instances as current_max_instances
from resources.formats.recurrence_limits import check_instance_count
from resources.formats.vcard_data import parse_vcard
from resources.objects import card_index, change_log
from resources.objects.calendar_collections import ADDRESSBOOK, CALENDAR, PLAIN, check_segment
from resources.store.database import is_sqlite, write_transaction
from resources.store.hot_queries import start_member_write, stored_object
from resources.store.models import (
    SPAN_MAX,
    SPAN_MIN,
    Collection,
    DeadProperty,
    StoredObject,
)

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"
VCARD_CONTENT_TYPE = "text/vcard; charset=utf-8"
VCARD = "VCARD"


@dataclass(frozen=True)
class WriteConditions:
    """The request's If-Match / If-None-Match, re-checked inside the write."""

    if_match: tuple[str, ...] | None = None  # etags without quotes; "*" matches any existing
    if_none_match: tuple[str, ...] | None = None

    def check(self, existing: StoredObject | None) -> None:
        if self.if_match is not None:
            if existing is None:
                raise PreconditionFailed(code="if_match_missing")
            if "*" not in self.if_match and existing.etag not in self.if_match:
                raise PreconditionFailed(code="if_match_failed")
        if self.if_none_match is not None and existing is not None:
            if "*" in self.if_none_match or existing.etag in self.if_none_match:
                raise PreconditionFailed(code="if_none_match_failed")


@dataclass(frozen=True)
class WriteResult:
    created: bool
    etag: str
    stored_as_sent: bool = (
        True  # False: line endings were normalised, the client must not keep its copy
    )


def compute_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _epoch(value: datetime | None, default: int) -> int:
    return default if value is None else int(value.timestamp())


def get_object(collection_id: int, name: str) -> StoredObject | None:
    return stored_object(collection_id, name)


def put_calendar_object(
    collection: Collection,
    name: str,
    body: bytes,
    conditions: WriteConditions,
    *,
    max_size: int,
    branch_id: int | None = None,
    max_instances: int | None = None,
) -> WriteResult:
    """Validate iCalendar and store it as an object resource of a calendar.

    A new object is assigned to `branch_id` (the branch of the device's credential);
    an update keeps the branch the object already has. A recurrence of more than
    `max_instances` instances (default: the request's limit) is refused; 0 stores it
    without counting, as data written before the limit existed.
    """
    check_segment(name)
    calendar, facts = parse_calendar_object(
        body, allowed_components=frozenset(collection.components.split(",")), max_size=max_size
    )
    if max_instances != 0:
        check_recurrence_size(calendar, max_instances)
    stored = with_crlf_line_endings(
        body
    )  # a bare CR or LF line ending breaks other readers of the object
    result = _store(collection, name, stored, CALENDAR_CONTENT_TYPE, conditions, facts, branch_id)
    return WriteResult(result.created, result.etag, stored_as_sent=stored == body)


def check_recurrence_size(calendar: icalendar.Calendar, max_instances: int | None = None) -> None:
    """Refuse a calendar object whose recurrences exceed max-instances (RFC 4791 §5.2.8)."""
    if max_instances is None:
        max_instances = current_max_instances()
    components = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    check_instance_count(components, max_instances, datetime.now(UTC))


def put_address_object(
    collection: Collection, name: str, body: bytes, conditions: WriteConditions, *, max_size: int
) -> WriteResult:
    """Validate a vCard and store it in an address book (RFC 6352 §6.3.2)."""
    check_segment(name)
    vcard = parse_vcard(body, max_size=max_size)
    facts = CalendarObjectFacts(vcard.uid or name, VCARD, vcard.formatted_name, None, None, False)
    stored = with_crlf_line_endings(body)  # as parse_vcard read it
    result = _store(collection, name, stored, VCARD_CONTENT_TYPE, conditions, facts)
    return WriteResult(result.created, result.etag, stored_as_sent=stored == body)


def put_plain_object(
    collection: Collection, name: str, body: bytes, content_type: str, conditions: WriteConditions
) -> WriteResult:
    """Store any file in a plain WebDAV collection."""
    check_segment(name)
    return _store(
        collection, name, body, content_type or "application/octet-stream", conditions, None
    )


def _store(
    collection: Collection,
    name: str,
    body: bytes,
    content_type: str,
    conditions: WriteConditions,
    facts: CalendarObjectFacts | None,
    branch_id: int | None = None,
) -> WriteResult:
    etag = compute_etag(body)
    now = time.time()
    with write_transaction():
        start = start_member_write(
            collection, name, facts.uid if facts is not None else None, lock=not is_sqlite()
        )
        revision = start.sync_revision + 1
        existing = start.member
        conditions.check(existing)
        if existing is None and start.child_collection:
            raise AlreadyExists(code="collection_at_url")
        values = dict(
            content_type=content_type,
            body=body,
            etag=etag,
            size=len(body),
            modified=now,
            revision=revision,
        )
        if facts is not None:
            if (existing is None or existing.uid != facts.uid) and start.uid_holder is not None:
                # a kept UID cannot conflict: it was unique
                _refuse_uid_holder(start.uid_holder, facts.uid, address=facts.component == VCARD)
            values.update(
                uid=facts.uid,
                component=facts.component,
                summary=facts.summary,
                first_start=_epoch(facts.first_start, SPAN_MIN),
                last_end=_epoch(facts.last_end, SPAN_MAX),
                occurrences=facts.occurrences,
            )
        if existing is None:
            object_id = StoredObject.create(
                collection=collection.id, name=name, created=now, branch=branch_id, **values
            ).id
        else:
            object_id = existing.id
            StoredObject.update(**values).where(StoredObject.id == object_id).execute()
        if facts is not None and facts.component == VCARD:
            card_index.index_card(object_id, body)
        change_log.log_change(
            collection.id, revision, [name], deleted=False, paired=start.external_sync
        )
    return WriteResult(created=existing is None, etag=etag)


def _refuse_uid_conflict(
    collection_id: int,
    name: str,
    uid: str | None,
    *,
    moving_id: int | None = None,
    address: bool = False,
) -> None:
    """Refuse a second holder of `uid`; an object being moved does not conflict with itself."""
    query = StoredObject.select(StoredObject.name).where(
        (StoredObject.collection == collection_id)
        & (StoredObject.uid == uid)
        & (StoredObject.name != name)
    )
    if moving_id is not None:
        query = query.where(StoredObject.id != moving_id)
    holder = query.first()
    if holder is not None:
        _refuse_uid_holder(holder.name, uid, address=address)


def _refuse_uid_holder(holder: str, uid: str | None, *, address: bool) -> None:
    if address:
        raise AddressUidConflict(sentence("vcard_uid_taken", uid=repr(uid)), holder)
    raise UidConflict(sentence("calendar_uid_taken", uid=repr(uid)), holder)


def delete_object(collection_id: int, name: str, conditions: WriteConditions) -> None:
    with write_transaction():
        change_log.lock_collection(collection_id)
        existing = get_object(collection_id, name)
        if existing is None:
            raise NotFound(code="object_missing")
        conditions.check(existing)
        existing.delete_instance()
        change_log.record_change(collection_id, [name], deleted=True)


def relocate_object(
    source: StoredObject,
    target: Collection,
    target_name: str,
    *,
    keep_source: bool,
    max_size: int,
    branch_id: int | None = None,
) -> None:
    """Move (or copy, with keep_source) an object into `target` under `target_name`, with the
    checks a PUT of its body there would meet (size, component, UID).

    Whatever is at the destination is replaced: the protocol layer has already
    enforced Overwrite: F. An object that arrives in another collection is assigned to
    `branch_id`, as a new object PUT there would be.
    """
    check_segment(target_name)
    with write_transaction():
        change_log.lock_collection(target.id)
        existing = get_object(target.id, target_name)
        if existing is not None and existing.id != source.id:
            existing.delete_instance()
        if target.kind == CALENDAR:
            _check_fits_calendar(
                source, target, target_name, moving=not keep_source, max_size=max_size
            )
        elif target.kind == ADDRESSBOOK:
            if source.component != VCARD:
                raise InvalidAddressData(code="only_vcards")
            _refuse_uid_conflict(
                target.id,
                target_name,
                source.uid,
                moving_id=None if keep_source else source.id,
                address=True,
            )
        elif target.kind != PLAIN:
            raise ReadOnlyCollection(code="collection_read_only")
        now = time.time()
        arrives = {"branch": branch_id} if target.id != source.collection_id else {}
        if keep_source:
            copy = StoredObject.get_by_id(source.id)
            copy.id = None  # type: ignore[assignment]  # peewee: a new row on save
            copy.collection = target.id  # type: ignore[assignment]  # peewee takes the key
            copy.name = target_name
            copy.created = copy.modified = now
            if arrives:
                copy.branch = branch_id  # type: ignore[assignment]  # peewee takes the key
            copy.save(force_insert=True)
            _copy_dead_properties(source.id, copy.id)
            card_index.copy_card_fields(source.id, copy.id)
        else:
            StoredObject.update(
                collection=target.id, name=target_name, modified=now, **arrives
            ).where(StoredObject.id == source.id).execute()
            change_log.record_change(source.collection_id, [source.name], deleted=True)
        change_log.record_change(target.id, [target_name], deleted=False)


def _check_fits_calendar(
    source: StoredObject, target: Collection, target_name: str, *, moving: bool, max_size: int
) -> None:
    body = bytes(StoredObject.get_by_id(source.id).body)
    uid: str | None
    if source.component is None or source.size > max_size or b"RRULE" in body.upper():
        # Unparsed, too large for the target, or a recurrence that may be over max-instances.
        calendar, facts = parse_calendar_object(
            body, allowed_components=frozenset(target.components.split(",")), max_size=max_size
        )
        check_recurrence_size(calendar)
        uid = facts.uid
    if source.component is not None:
        if source.component not in target.components.split(","):
            raise UnsupportedComponent(
                sentence("target_refuses_component", kind=source.component), source.component
            )
        uid = source.uid
    _refuse_uid_conflict(target.id, target_name, uid, moving_id=source.id if moving else None)


def _copy_dead_properties(source_id: int, copy_id: int) -> None:
    rows = DeadProperty.select().where(DeadProperty.stored_object == source_id)
    for row in rows:
        DeadProperty.create(stored_object=copy_id, name=row.name, value=row.value)
