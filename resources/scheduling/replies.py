"""The attendee's side of implicit scheduling (RFC 6638 §3.2.2.1, §3.3): a change of the
attendee's participation goes back to the organizer as a REPLY, merged into the
organizer's copy (PARTSTAT, SCHEDULE-STATUS 2.0) without changing its Schedule-Tag; the
resources' own answers travel the same way."""

from __future__ import annotations

import icalendar

from resources.formats.stored_reading import UnreadableStoredObject, parse_stored_calendar
from resources.objects import stored_objects
from resources.objects.stored_objects import WriteConditions
from resources.scheduling import itip
from resources.scheduling.calendar_users import CalendarUser
from resources.scheduling.deliveries import deliver_message
from resources.scheduling.room_bookings import Answer
from resources.store.models import Collection, StoredObject
from resources.store.organisation import Resource

REPLIED = "2.0"


def reply_message(calendar: icalendar.Calendar, address: str, answer: Answer) -> bytes:
    """A resource's REPLY: its answer, with why it declined in the COMMENT."""
    comments: dict[str, str] = {}
    if answer.reason is not None:
        comments[""] = answer.reason.english
    for refusal in answer.refused:
        if refusal.recurrence_id is not None:
            comments[itip.instant_key(refusal.recurrence_id)] = refusal.reason.english
    return itip.reply(calendar, address, comments)


def organizer_copies(organizer: CalendarUser, uid: str) -> list[tuple[Collection, StoredObject]]:
    """The organizer's stored copies of `uid`: in its person's calendar and in the
    calendars of its logins."""
    owners = Collection.owner.in_(organizer.credential_ids) if organizer.credential_ids else None
    condition = Collection.resource == organizer.resource_id if organizer.resource_id else None
    where = owners if condition is None else condition if owners is None else owners | condition
    if where is None:
        return []
    rows = (
        StoredObject.select(StoredObject, Collection)
        .join(Collection, on=(StoredObject.collection == Collection.id))
        .where(where & (StoredObject.uid == uid) & (Collection.kind == "calendar"))
    )
    return [(row.collection, row) for row in rows]


def send_reply(
    calendar: icalendar.Calendar,
    address: str,
    organizer: CalendarUser | None,
    uid: str,
    *,
    max_size: int,
    comments: dict[str, str] | None = None,
) -> bool:
    """Merge the attendee's PARTSTATs of `calendar` into the organizer's copies and put
    the REPLY into the organizer's inboxes; False when the organizer is not here."""
    if organizer is None:
        return False
    statuses = itip.partstats(calendar, address)
    moments = {
        itip.recurrence_key(c): moment
        for c in itip.overrides(calendar)
        if (moment := itip.time_of(c, "RECURRENCE-ID")) is not None
    }
    for collection, row in organizer_copies(organizer, uid):
        try:
            copy = parse_stored_calendar(bytes(row.body))
        except UnreadableStoredObject:
            continue
        for key, partstat in statuses.items():
            if key and key in moments:
                itip.override_for(copy, moments[key])
            itip.set_attendee(copy, address, only=[key], partstat=partstat, schedule_status=REPLIED)
        stored_objects.put_calendar_object(
            collection,
            row.name,
            copy.to_ical(),
            WriteConditions(),
            max_size=max_size,
            max_instances=0,
        )
    deliver_message(organizer.credential_ids, uid, itip.reply(calendar, address, comments))
    return True


def resource_of(resource_id: int | None) -> Resource | None:
    return Resource.get_or_none(Resource.id == resource_id) if resource_id else None
