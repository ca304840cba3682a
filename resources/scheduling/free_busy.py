"""Free-busy requests to a login's scheduling outbox (RFC 6638 §5, iTIP RFC 5546 §3.3):
read a VFREEBUSY REQUEST, and answer each ATTENDEE with a request status and, where the
login may see that calendar user, a VFREEBUSY REPLY of its busy time.

A login may ask about the resources it may see (resources/auth/access.py: rooms with
sync on, its own person) and about itself. Every other well-formed address, whether
someone on this server has it or not, is answered alike with 3.8 (no authority), so an
answer never tells whether a calendar user exists; 3.7 is kept for what cannot be a
calendar user address at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote, urlsplit

import icalendar

from resources.auth.access import visibility_condition
from resources.errors import DomainError
from resources.formats.calendar_query.free_busy import BusyPeriod, vfreebusy
from resources.objects.calendar_collections import CALENDAR, top_level
from resources.organisation.resource_calendars import resource_calendar
from resources.scheduling.busy_time import calendar_busy_time
from resources.scheduling.calendar_users import CalendarUser, find_calendar_user
from resources.store.organisation import Resource

MAX_RECIPIENTS = 100
MAX_SPAN = timedelta(days=3660)  # as the free-busy-query REPORT: ten years at most
PRODID = "-//davserver//free-busy reply//EN"
SUCCESS = "2.0;Success"
INVALID_USER = "3.7;Invalid calendar user"
NO_AUTHORITY = "3.8;No authority"
CALENDAR_USER_SCHEMES = ("mailto:", "urn:uuid:", "http://", "https://", "/")


class InvalidSchedulingMessage(DomainError):
    """Not a free-busy request RFC 6638 §5 accepts (CALDAV:valid-scheduling-message)."""


class InvalidSchedulingData(DomainError):
    """Not readable iCalendar (CALDAV:valid-calendar-data)."""


class OrganizerNotAllowed(DomainError):
    """The ORGANIZER is not the login (CALDAV:organizer-allowed)."""


class TooManyRecipients(DomainError):
    """More ATTENDEEs than the server answers at once."""


class FreeBusyRangeTooLong(DomainError):
    """The requested range is longer than MAX_SPAN."""


@dataclass(frozen=True)
class FreeBusyRequest:
    organizer: str
    attendees: tuple[str, ...]
    start: datetime
    end: datetime
    uid: str | None
    mask_uid: str | None = None  # Apple's X-CALENDARSERVER-MASK-UID: the event being moved


@dataclass(frozen=True)
class Asker:
    """The login that POSTs: its calendar user addresses and what the access rules need."""

    credential_id: int
    employee_id: int | None
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class RecipientAnswer:
    """One ATTENDEE's answer: `status` as REQUEST-STATUS text (RFC 5546 §3.6), `reply`
    the iTIP REPLY (only with 2.0)."""

    address: str
    status: str
    reply: str | None = None


def parse_freebusy_request(body: bytes) -> FreeBusyRequest:
    """The request in `body`; InvalidSchedulingData or InvalidSchedulingMessage if it is
    not one VFREEBUSY with METHOD:REQUEST, ORGANIZER, ATTENDEEs, DTSTART and DTEND."""
    try:
        calendar = icalendar.Calendar.from_ical(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, IndexError):
        raise InvalidSchedulingData(code="freebusy_not_icalendar") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise InvalidSchedulingData(code="freebusy_not_icalendar")
    freebusy = [c for c in calendar.subcomponents if c.name == "VFREEBUSY"]
    others = [c for c in calendar.subcomponents if c.name not in ("VFREEBUSY", "VTIMEZONE")]
    method = str(calendar.get("METHOD", "")).upper()
    if method != "REQUEST" or len(freebusy) != 1 or others:
        raise InvalidSchedulingMessage(code="freebusy_not_request")
    component = freebusy[0]
    for name in ("ORGANIZER", "ATTENDEE", "DTSTART", "DTEND"):
        if name not in component:
            raise InvalidSchedulingMessage(code="freebusy_missing_property", name=name)
    start, end = _moment(component, "DTSTART"), _moment(component, "DTEND")
    if end <= start:
        raise InvalidSchedulingMessage(code="freebusy_bad_range")
    if end - start > MAX_SPAN:
        raise FreeBusyRangeTooLong(code="freebusy_range_too_long", days=MAX_SPAN.days)
    attendees = component.get("ATTENDEE")
    listed = attendees if isinstance(attendees, list) else [attendees]
    uid = str(component["UID"]) if "UID" in component else None
    mask = component.get("X-CALENDARSERVER-MASK-UID")
    return FreeBusyRequest(
        str(component["ORGANIZER"]).strip(),
        tuple(dict.fromkeys(str(a).strip() for a in listed)),
        start,
        end,
        uid,
        str(mask).strip() if mask else None,
    )


def answer_freebusy(
    request: FreeBusyRequest, asker: Asker, *, mail_domain: str, principal_prefix: str
) -> list[RecipientAnswer]:
    """One answer per ATTENDEE, in the request's order."""
    if not _is_own(request.organizer, asker.addresses):
        raise OrganizerNotAllowed(code="freebusy_organizer_not_yours")
    if len(request.attendees) > MAX_RECIPIENTS:
        raise TooManyRecipients(code="freebusy_too_many_recipients", max=MAX_RECIPIENTS)
    answers = []
    for address in request.attendees:
        if not address.lower().startswith(CALENDAR_USER_SCHEMES):
            answers.append(RecipientAnswer(address, INVALID_USER))
            continue
        user = find_calendar_user(_path_of(address), mail_domain, principal_prefix)
        periods = _busy_time_if_allowed(user, asker, request) if user is not None else None
        if periods is None:
            answers.append(RecipientAnswer(address, NO_AUTHORITY))
            continue
        reply = _reply(request, address, periods)
        answers.append(RecipientAnswer(address, SUCCESS, reply))
    return answers


def _busy_time_if_allowed(
    user: CalendarUser, asker: Asker, request: FreeBusyRequest
) -> list[BusyPeriod] | None:
    """The user's busy time if the login may see it: a resource it sees, or itself (its
    own person resource and its personal calendars); None otherwise."""
    collections = []
    if user.resource_id is not None and _sees_resource(user.resource_id, asker.employee_id):
        collections.append(resource_calendar(user.resource_id))
    if asker.credential_id in user.credential_ids:
        collections.extend(c for c in top_level(asker.credential_id) if c.kind == CALENDAR)
    elif not collections:
        return None
    periods: list[BusyPeriod] = []
    for collection in collections:
        periods.extend(
            calendar_busy_time(
                collection, request.start, request.end, leave_out_uid=request.mask_uid
            )
        )
    return sorted(periods, key=lambda p: (p[0], p[2]))


def _sees_resource(resource_id: int, employee_id: int | None) -> bool:
    return bool(
        Resource.select(Resource.id)
        .where((Resource.id == resource_id) & visibility_condition(employee_id))
        .exists()
    )


def _reply(request: FreeBusyRequest, attendee: str, periods: Sequence[BusyPeriod]) -> str:
    """The iTIP REPLY for one attendee (RFC 5546 §3.3.2)."""
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("METHOD", "REPLY")
    component = vfreebusy(_merged(periods), request.start, request.end)
    if request.uid:
        component.add("UID", request.uid)
    component.add("ORGANIZER", request.organizer)
    component.add("ATTENDEE", attendee)
    calendar.add_component(component)
    return calendar.to_ical().decode("utf-8")  # type: ignore[no-any-return]


def _merged(periods: Sequence[BusyPeriod]) -> list[BusyPeriod]:
    """Periods of several calendars joined per busy type where they overlap."""
    merged: list[BusyPeriod] = []
    for start, end, kind in sorted(periods, key=lambda p: (p[2], p[0])):
        if merged and merged[-1][2] == kind and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), kind)
        else:
            merged.append((start, end, kind))
    return sorted(merged, key=lambda p: (p[0], p[2]))


def _moment(component: icalendar.Component, name: str) -> datetime:
    try:
        value = component.decoded(name)
    except (ValueError, KeyError, TypeError):
        raise InvalidSchedulingMessage(code="freebusy_missing_property", name=name) from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), UTC)
    raise InvalidSchedulingMessage(code="freebusy_missing_property", name=name)


def _path_of(address: str) -> str:
    """An http(s) principal URL as its path (clients send it with or without the host)."""
    if address.lower().startswith(("http://", "https://")):
        return unquote(urlsplit(address).path)
    return address


def _canonical(address: str) -> str:
    address = _path_of(address.strip())
    if address.lower().startswith("mailto:"):
        return "mailto:" + unquote(address[7:]).strip().casefold()
    return unquote(address).rstrip("/").casefold()


def _is_own(address: str, own: Sequence[str]) -> bool:
    return _canonical(address) in {_canonical(a) for a in own}
