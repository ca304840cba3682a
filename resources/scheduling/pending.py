"""Bookings that wait for a person (booking mode "manual", issue 16 item 3): noted when
the invitation arrives, listed for administrators and the resource's delegate, and
accepted or declined by one of them, which answers the organizer as a REPLY."""

from __future__ import annotations

import time
from dataclasses import dataclass

import icalendar

from resources.auth import audit
from resources.error_codes import Sentence
from resources.errors import NotFound, PreconditionFailed
from resources.formats.stored_reading import parse_stored_calendar
from resources.organisation.resource_calendars import resource_calendar
from resources.scheduling import itip
from resources.scheduling.calendar_users import CalendarUser, resource_addresses
from resources.scheduling.deliveries import find_copy, remove_copy, store_copy
from resources.store.database import write_transaction
from resources.store.models import SPAN_MIN
from resources.store.organisation import Resource, ServiceCredential, UserAccount
from resources.store.scheduling import BookingPolicy, PendingBooking

ACCEPT, DECLINE = "accept", "decline"


@dataclass(frozen=True)
class Waiting:
    id: int
    resource: str  # slug
    resource_name: str
    summary: str
    starts: int  # epoch seconds
    organizer: str  # the organizer's login name, "" if gone


def note_pending(
    resource: Resource, calendar_id: int, calendar: icalendar.Calendar, uid: str, organizer: int
) -> None:
    parts = itip.components(calendar)
    master = itip.master(calendar) or (parts[0] if parts else None)
    summary = str(master.get("SUMMARY", "")) if master is not None else ""
    row = find_copy(calendar_id, uid)
    first = row.first_start if row is not None else SPAN_MIN
    updated = (
        PendingBooking.update(summary=summary[:500], first_start=first, organizer=organizer)
        .where((PendingBooking.calendar == calendar_id) & (PendingBooking.uid == uid))
        .execute()
    )
    if not updated:
        PendingBooking.create(
            resource=resource.id,
            calendar=calendar_id,
            uid=uid,
            organizer=organizer,
            summary=summary[:500],
            first_start=first,
            requested=time.time(),
        )


def forget_pending(calendar_id: int, uid: str) -> None:
    PendingBooking.delete().where(
        (PendingBooking.calendar == calendar_id) & (PendingBooking.uid == uid)
    ).execute()


def waiting_for(account: UserAccount, resource_id: int | None = None) -> list[Waiting]:
    """The bookings this account may decide (all for administrators), soonest first."""
    query = (
        PendingBooking.select(PendingBooking, Resource)
        .join(Resource, on=(PendingBooking.resource == Resource.id))
        .order_by(PendingBooking.first_start, PendingBooking.id)
    )
    if resource_id is not None:
        query = query.where(PendingBooking.resource == resource_id)
    if account.role != "admin":
        delegated = BookingPolicy.select(BookingPolicy.resource).where(
            BookingPolicy.delegate == account.id
        )
        query = query.where(PendingBooking.resource.in_(delegated))
    found = []
    for row in query:
        organizer = (
            ServiceCredential.select(ServiceCredential.username)
            .where(ServiceCredential.id == row.organizer_id)
            .scalar()
            if row.organizer_id
            else None
        )
        found.append(
            Waiting(
                row.id,
                row.resource.slug,
                row.resource.name,
                row.summary,
                row.first_start,
                organizer or "",
            )
        )
    return found


def decide_pending(
    pending_id: int, decision: str, account: UserAccount, *, mail_domain: str, max_size: int
) -> None:
    """Accept or decline a waiting booking as `account` (an administrator or the
    delegate: the caller checked), answer the organizer, audit it."""
    from resources.scheduling.replies import send_reply
    from resources.scheduling.room_bookings import ACCEPTED, DECLINED

    with write_transaction():
        pending = PendingBooking.get_or_none(PendingBooking.id == pending_id)
        if pending is None:
            raise PreconditionFailed(code="booking_not_pending")
        resource = Resource.get_by_id(pending.resource_id)
        calendar = resource_calendar(resource.id)
        copy_row = find_copy(calendar.id, pending.uid)
        if copy_row is None:
            pending.delete_instance()
            raise NotFound(code="booking_not_pending")
        copy = parse_stored_calendar(bytes(copy_row.body))
        address = _address_in(copy, resource, mail_domain)
        partstat = ACCEPTED if decision == ACCEPT else DECLINED
        who = account.display_name or account.login
        reason = Sentence(
            "booking_accepted_by" if decision == ACCEPT else "booking_declined_by", {"person": who}
        )
        if address is not None:
            itip.set_attendee(copy, address, partstat=partstat)
        if decision == ACCEPT:
            store_copy(calendar, pending.uid, copy.to_ical(), max_size=max_size)
        else:
            remove_copy(calendar.id, pending.uid)
        pending.delete_instance()
        organizer = _organizer_user(pending.organizer_id)
        if address is not None:
            send_reply(
                copy,
                address,
                organizer,
                pending.uid,
                max_size=max_size,
                comments={"": reason.english},
            )
        audit.record(account.login, f"booking.{decision}", resource.slug, f"uid={pending.uid}")


def _address_in(calendar: icalendar.Calendar, resource: Resource, mail_domain: str) -> str | None:
    """How the organizer named the resource among the attendees."""
    mine = {itip.normalised(a) for a in resource_addresses(resource, mail_domain)}
    attendees = itip.attendees(calendar)
    for address in attendees:
        if address in mine or address.endswith(f"/resources/{resource.slug}/"):
            return address
    return None


def _organizer_user(credential_id: int | None) -> CalendarUser | None:
    if credential_id is None:
        return None
    login = ServiceCredential.get_or_none(ServiceCredential.id == credential_id)
    if login is None:
        return None
    person = (
        Resource.select(Resource.id)
        .join(UserAccount, on=(Resource.employee == UserAccount.employee))
        .where((UserAccount.id == login.account_id) & (Resource.kind == "person"))
        .scalar()
        if login.account_id
        else None
    )
    return CalendarUser("", "INDIVIDUAL", login.username, person, (login.id,))
