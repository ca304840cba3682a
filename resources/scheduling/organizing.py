"""The organizer's side of implicit scheduling (RFC 6638 §3.2.1-3.2.3): on each write of
an organizer's object, invitations (REQUEST) to the attendees on this server and
cancellations (CANCEL) to those removed, the resources' answers by their booking
policy, and SCHEDULE-STATUS and PARTSTAT written back into the organizer's copy.

SCHEDULE-STATUS (§7.3, RFC 5546 §3.6): 1.2 delivered, 3.7 not a calendar user here,
3.8 no authority (a room the organizer may not see), 5.3 not on this server (left to
the client or another system). SCHEDULE-AGENT=CLIENT or NONE attendees are left alone.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce

import icalendar

from resources.organisation.resource_calendars import resource_calendar
from resources.scheduling import itip
from resources.scheduling.booking_policy import MANUAL, Policy, policy_for
from resources.scheduling.calendar_users import CalendarUser
from resources.scheduling.deliveries import (
    deliver_message,
    find_copy,
    lock_resource_calendar,
    remove_copy,
    store_copy,
)
from resources.scheduling.mailboxes import default_calendar
from resources.scheduling.pending import forget_pending, note_pending
from resources.scheduling.replies import reply_message
from resources.scheduling.room_bookings import DECLINED, NEEDS_ACTION, Answer, Booking, decide
from resources.scheduling.scheduler import Scheduler
from resources.store.models import Collection, StoredObject
from resources.store.organisation import Resource

DELIVERED, UNKNOWN_USER, NO_AUTHORITY, NOT_HERE = "1.2", "3.7", "3.8", "5.3"


@dataclass(frozen=True)
class Written:
    """The organizer's object as just stored: where, its UID and stored span."""

    collection_id: int
    uid: str
    first_start: int
    last_end: int


def organize(
    calendar: icalendar.Calendar,
    previous: icalendar.Calendar | None,
    written: Written,
    scheduler: Scheduler,
) -> None:
    """Send what the change of the organizer's object means; `calendar` (the organizer's
    copy) gets each attendee's SCHEDULE-STATUS and the resources' answers."""
    organizer = itip.normalised(itip.organizer(calendar) or "")
    current = {a: p for a, p in itip.attendees(calendar).items() if a != organizer}
    for address, attendee in current.items():
        if itip.schedule_agent(attendee) != "SERVER" or scheduler.is_me(str(attendee)):
            continue
        status = invite(calendar, address, scheduler.user(str(attendee)), written, scheduler)
        itip.set_attendee(calendar, address, schedule_status=status)
    if previous is not None:
        before = itip.attendees(previous)
        for address in before.keys() - current.keys():
            attendee = before[address]
            if itip.schedule_agent(attendee) == "SERVER" and not scheduler.is_me(str(attendee)):
                cancel(previous, scheduler.user(str(attendee)), written, scheduler)


def invite(
    calendar: icalendar.Calendar,
    address: str,
    user: CalendarUser | None,
    written: Written,
    scheduler: Scheduler,
) -> str:
    """Deliver the invitation to one attendee; its SCHEDULE-STATUS."""
    if user is None:
        return UNKNOWN_USER if _names_this_server(address, scheduler) else NOT_HERE
    resource = user.resource
    policy = policy_for(resource) if resource is not None else None
    if resource is not None and policy is not None:
        return _book(calendar, address, resource, policy, written, scheduler)
    target, existing = _copy_place(user, written)
    if target is not None and target.id != written.collection_id:
        store_copy(
            target,
            written.uid,
            _attendee_copy(calendar),
            max_size=scheduler.max_size,
            existing=existing,
        )
    deliver_message(user.credential_ids, written.uid, itip.message(calendar, "REQUEST"))
    return DELIVERED


def _names_this_server(address: str, scheduler: Scheduler) -> bool:
    return address.endswith("@" + scheduler.mail_domain.casefold()) or address.startswith(
        scheduler.principal_prefix
    )


def _copy_place(
    user: CalendarUser, written: Written
) -> tuple[Collection | None, StoredObject | None]:
    """Where the attendee's copy of the written object is or goes, and the copy if there
    is one (never the organizer's object itself, should it lie in one of them): the
    calendar of the user's that holds it (its person may have moved it; an update must
    not file a second copy), else its person's calendar, else its login's default one."""
    mine = []
    if user.resource_id is not None:
        mine.append(Collection.resource == user.resource_id)
    if user.credential_ids:
        mine.append(Collection.owner.in_(user.credential_ids) & (Collection.kind == "calendar"))
    if not mine:
        return None, None
    holding: StoredObject | None = (
        StoredObject.select(StoredObject, Collection)
        .join(Collection, on=(StoredObject.collection == Collection.id))
        .where(
            reduce(operator.or_, mine)
            & (StoredObject.uid == written.uid)
            & (StoredObject.collection != written.collection_id)
        )
        .first()
    )
    if holding is not None:
        return holding.collection, holding
    if user.resource_id is not None:
        return resource_calendar(user.resource_id), None
    return default_calendar(user.credential_ids[0], None), None


def _attendee_copy(calendar: icalendar.Calendar) -> bytes:
    return itip.attendee_text(calendar)


def _book(
    calendar: icalendar.Calendar,
    address: str,
    resource: Resource,
    policy: Policy,
    written: Written,
    scheduler: Scheduler,
) -> str:
    """A resource that answers for itself: decide, file its copy, answer the organizer."""
    if resource.kind == "room" and not (resource.active and resource.sync_allowed):
        return NO_AUTHORITY  # only logins that see a room (access.py's rule) may book it
    # Bookings of one resource take turns: its calendar row stays locked until commit.
    room_calendar = lock_resource_calendar(resource.id)
    if room_calendar.id == written.collection_id:
        return DELIVERED  # written straight into the resource's calendar: it is the booking
    existing = find_copy(room_calendar.id, written.uid)
    answer = _kept_decision(existing, address, calendar, policy) or decide(
        resource,
        room_calendar.id,
        policy,
        Booking(calendar, written.uid, written.first_start, written.last_end, scheduler.account_id),
        datetime.now(UTC),
    )
    apply_answer(calendar, address, answer)
    refused = [r.recurrence_id for r in answer.refused if r.recurrence_id is not None]
    if refused:
        copy = itip.without_organizer_parameters(calendar)
        itip.exclude(copy, refused)
        text = copy.to_ical()
    else:
        text = itip.attendee_text(calendar)
    if answer.partstat == DECLINED:
        if existing is not None:
            remove_copy(room_calendar.id, written.uid)
            forget_pending(room_calendar.id, written.uid)
    else:
        store_copy(
            room_calendar,
            written.uid,
            text,
            max_size=scheduler.max_size,
            existing=existing,
        )
        if answer.partstat == NEEDS_ACTION:
            note_pending(resource, room_calendar.id, calendar, written.uid, scheduler.credential_id)
        elif existing is not None:
            forget_pending(room_calendar.id, written.uid)
    if answer.partstat == DECLINED or answer.refused:
        # Why it declined travels in the REPLY; an acceptance is all in the copy already.
        deliver_message(
            (scheduler.credential_id,), written.uid, reply_message(calendar, address, answer)
        )
    return DELIVERED


def apply_answer(calendar: icalendar.Calendar, address: str, answer: Answer) -> None:
    """The resource's answer in the organizer's copy: its PARTSTAT on every component,
    DECLINED on an override of each instance it refused."""
    itip.set_attendee(calendar, address, partstat=answer.partstat)
    for refusal in answer.refused:
        if refusal.recurrence_id is None:
            continue
        override = itip.override_for(calendar, refusal.recurrence_id)
        itip.set_attendee(
            calendar, address, only=[itip.recurrence_key(override)], partstat=DECLINED
        )


def _kept_decision(
    existing: StoredObject | None, address: str, calendar: icalendar.Calendar, policy: Policy
) -> Answer | None:
    """A manual resource keeps the answer a person gave while the times stay the same."""
    if policy.mode != MANUAL or existing is None:
        return None
    stored = icalendar.Calendar.from_ical(bytes(existing.body))
    if itip.timing(stored) != itip.timing(calendar):
        return None
    decided = itip.partstats(stored, address).get("", NEEDS_ACTION)
    return Answer(decided) if decided != NEEDS_ACTION else None


def cancel(
    previous: icalendar.Calendar, user: CalendarUser | None, written: Written, scheduler: Scheduler
) -> None:
    """Tell a removed attendee (or every attendee of a deleted object) it is off."""
    if user is None:
        return
    resource = user.resource
    if resource is not None:
        if policy_for(resource) is not None:
            room_calendar = resource_calendar(resource.id)
            if room_calendar.id != written.collection_id:
                remove_copy(room_calendar.id, written.uid)
                forget_pending(room_calendar.id, written.uid)
            return
    target, existing = _copy_place(user, written)
    cancelled = itip.cancelled(previous)
    if target is not None and existing is not None and target.id != written.collection_id:
        store_copy(
            target,
            written.uid,
            _attendee_copy(cancelled),
            max_size=scheduler.max_size,
            existing=existing,
        )
    deliver_message(user.credential_ids, written.uid, itip.message(cancelled, "CANCEL"))


def cancel_all(previous: icalendar.Calendar, written: Written, scheduler: Scheduler) -> None:
    """The organizer deleted the object: every attendee on this server hears of it."""
    organizer = itip.normalised(itip.organizer(previous) or "")
    for address, attendee in itip.attendees(previous).items():
        if address == organizer or itip.schedule_agent(attendee) != "SERVER":
            continue
        if not scheduler.is_me(str(attendee)):
            cancel(previous, scheduler.user(str(attendee)), written, scheduler)
