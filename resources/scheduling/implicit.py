"""Implicit scheduling on the writes of calendar object resources (RFC 6638 §3): what a
PUT, DELETE or MOVE of a scheduling object resource sends, checked against
If-Schedule-Tag-Match (§3.2.10, §8.3), all in the write's own transaction.

The protocol layer calls `put_object`, `delete_object` and `move_object` instead of the
plain store functions. Objects without an ORGANIZER take the plain path; an update of one
costs a single index lookup, to see whether it had been a scheduling object.
"""

from __future__ import annotations

from dataclasses import dataclass

import icalendar

from resources.errors import PreconditionFailed
from resources.formats.stored_reading import UnreadableStoredObject, parse_stored_calendar
from resources.objects import dead_properties, stored_objects
from resources.objects.stored_objects import WriteConditions, WriteResult
from resources.scheduling import itip
from resources.scheduling.calendar_users import CalendarUser
from resources.scheduling.deliveries import forget_tag, new_tag, rewrite, tag_of
from resources.scheduling.organizing import Written, cancel_all, organize
from resources.scheduling.replies import send_reply
from resources.scheduling.scheduler import ATTENDEE, ORGANIZER, Scheduler, role
from resources.store.database import write_transaction
from resources.store.hot_queries import schedule_tag_by_name
from resources.store.models import Collection, StoredObject


@dataclass(frozen=True)
class ScheduledWrite:
    created: bool
    etag: str
    stored_as_sent: bool
    schedule_tag: str | None = None


def _check_tag(existing: StoredObject | None, schedule_tag_match: str | None) -> None:
    """If-Schedule-Tag-Match (§8.3): the stored Schedule-Tag must be the one named."""
    if schedule_tag_match is None:
        return
    if existing is None or tag_of(existing.id) != schedule_tag_match:
        raise PreconditionFailed(code="schedule_tag_mismatch")


def _parsed(row: StoredObject | None) -> icalendar.Calendar | None:
    if row is None or b"ORGANIZER" not in bytes(row.body).upper():
        return None
    try:
        return parse_stored_calendar(bytes(row.body))
    except UnreadableStoredObject:
        return None


def put_object(
    collection: Collection,
    name: str,
    body: bytes,
    conditions: WriteConditions,
    scheduler: Scheduler,
    schedule_tag_match: str | None = None,
) -> ScheduledWrite:
    """Store a calendar object as PUT does, then schedule what it means."""
    if (
        schedule_tag_match is None
        and b"ORGANIZER" not in body.upper()
        and not _replaces_scheduling_object(collection.id, name, conditions)
    ):
        return _plain(
            stored_objects.put_calendar_object(
                collection,
                name,
                body,
                conditions,
                max_size=scheduler.max_size,
                branch_id=scheduler.branch_id,
            )
        )
    with write_transaction():
        existing = stored_objects.get_object(collection.id, name)
        _check_tag(existing, schedule_tag_match)
        previous = _parsed(existing)
        result = stored_objects.put_calendar_object(
            collection,
            name,
            body,
            conditions,
            max_size=scheduler.max_size,
            branch_id=scheduler.branch_id,
        )
        row = stored_objects.get_object(collection.id, name)
        assert row is not None  # just written
        calendar = parse_stored_calendar(bytes(row.body))
        found = role(calendar, scheduler) or role(previous, scheduler)
        if found is None:
            return _plain(result)
        written = Written(collection.id, row.uid or "", row.first_start, row.last_end)
        if itip.organizer(calendar) is None:
            # No longer a scheduling object resource (§3.1): an organizer that dropped
            # its ORGANIZER has called the meeting off; an attendee's copy just stops.
            forget_tag(row.id)
            if found[0] == ORGANIZER and previous is not None:
                cancel_all(previous, written, scheduler)
            return _plain(result)
        if found[0] == ORGANIZER:
            organize(calendar, previous if role(previous, scheduler) else None, written, scheduler)
            text = calendar.to_ical()
            etag = rewrite(collection.id, name, text) if text != bytes(row.body) else result.etag
            tag = new_tag(row.id, created=result.created)
            return ScheduledWrite(result.created, etag, result.stored_as_sent and text == body, tag)
        _reply_if_changed(calendar, previous, found[1], written, scheduler)
        tag = new_tag(row.id, created=result.created)
        return ScheduledWrite(result.created, result.etag, result.stored_as_sent, tag)


def _replaces_scheduling_object(collection_id: int, name: str, conditions: WriteConditions) -> bool:
    """Whether the PUT overwrites an object that has a Schedule-Tag (one index lookup;
    none for a PUT with If-None-Match: *, which only creates)."""
    if conditions.if_none_match is not None and "*" in conditions.if_none_match:
        return False
    return schedule_tag_by_name(collection_id, name) is not None


def _plain(result: WriteResult) -> ScheduledWrite:
    return ScheduledWrite(result.created, result.etag, result.stored_as_sent)


def _reply_if_changed(
    calendar: icalendar.Calendar,
    previous: icalendar.Calendar | None,
    address: str,
    written: Written,
    scheduler: Scheduler,
) -> None:
    """An attendee changed its PARTSTAT (of the series or of instances): REPLY."""
    before = itip.partstats(previous, address) if previous is not None else {}
    now = itip.partstats(calendar, address)
    if now == before:
        return
    organizer = itip.organizer(calendar)
    if organizer is None or scheduler.is_me(organizer):
        return
    send_reply(
        calendar, address, scheduler.user(organizer), written.uid, max_size=scheduler.max_size
    )


def delete_object(
    collection_id: int,
    name: str,
    conditions: WriteConditions,
    scheduler: Scheduler,
    schedule_tag_match: str | None = None,
) -> None:
    """Delete as DELETE does; an organizer's deletion cancels, an attendee's declines."""
    with write_transaction():
        existing = stored_objects.get_object(collection_id, name)
        _check_tag(existing, schedule_tag_match)
        previous = _parsed(existing)
        stored_objects.delete_object(collection_id, name, conditions)
        found = role(previous, scheduler)
        if found is None or previous is None or existing is None:
            return
        written = Written(
            collection_id, existing.uid or "", existing.first_start, existing.last_end
        )
        if found[0] == ORGANIZER:
            cancel_all(previous, written, scheduler)
            return
        if found[0] == ATTENDEE:
            itip.set_attendee(previous, found[1], partstat="DECLINED")
            organizer = itip.organizer(previous)
            if organizer is not None:
                send_reply(
                    previous,
                    found[1],
                    scheduler.user(organizer),
                    written.uid,
                    max_size=scheduler.max_size,
                )


def move_object(
    source: StoredObject,
    here: Collection,
    target: Collection,
    target_name: str,
    scheduler: Scheduler,
) -> None:
    """MOVE of a calendar object (§3.1). Between the calendars of one calendar user the
    object stays the same scheduling object resource: nobody is told. Into the calendar
    of another calendar user (a room's, a colleague's) it leaves the one and arrives at
    the other, so it schedules as the DELETE at the source and the PUT at the target
    would: the attendees get the CANCEL and the new REQUEST, a room decides anew.
    `here` is the source's collection."""
    with write_transaction():
        previous = _parsed(source)
        found = role(previous, scheduler)
        if (
            found is None
            or target.kind != here.kind
            or here.id == target.id
            or _one_calendar_user(here, target, scheduler.user(found[1]))
        ):
            stored_objects.relocate_object(
                source,
                target,
                target_name,
                keep_source=False,
                max_size=scheduler.max_size,
                branch_id=scheduler.branch_id,
            )
            return
        kept = dead_properties.for_objects([source.id]).get(source.id, {})
        delete_object(source.collection_id, source.name, WriteConditions(), scheduler)
        put_object(target, target_name, bytes(source.body), WriteConditions(), scheduler)
        arrived = stored_objects.get_object(target.id, target_name)
        assert arrived is not None  # just written in this transaction
        for name, value in kept.items():
            dead_properties.put(name=name, value=value, object_id=arrived.id)


def _one_calendar_user(here: Collection, there: Collection, user: CalendarUser | None) -> bool:
    """Both calendars are the calendar user's: its logins' own or its person's."""
    if user is None:
        return (here.owner_id, here.resource_id) == (there.owner_id, there.resource_id)

    def owns(collection: Collection) -> bool:
        if collection.resource_id is not None:
            return collection.resource_id == user.resource_id
        return collection.owner_id in user.credential_ids

    return owns(here) and owns(there)
