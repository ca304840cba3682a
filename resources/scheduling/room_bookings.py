"""How a resource answers an invitation (issue 16 item 3): by its booking policy, one
decision per instance of a series within the booking window, against the appointments
already in its calendar.

The conflict check never reads the resource's whole calendar: per requested instance it
asks the (collection, last_end, first_start) index for the appointments whose stored
bounds touch the instance, decides them from their stored occurrence lists where those
cover it, and parses only the few that remain. A decline names the time of the
appointment in the way, never what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from resources.error_codes import Sentence
from resources.formats.calendar_occurrences import OccurrenceList
from resources.formats.calendar_query import free_busy_periods
from resources.formats.calendar_query.instances import Expansion, Instance, to_utc
from resources.formats.stored_reading import UnreadableStoredObject
from resources.objects.calendar_search import parse_stored, rows_by_ids
from resources.scheduling.booking_policy import (
    ALWAYS_ACCEPT,
    ALWAYS_DECLINE,
    MANUAL,
    Policy,
    may_book,
)
from resources.store.hot_queries import ObjectWithBody
from resources.store.models import SPAN_MAX
from resources.store.organisation import Branch, Resource
from resources.store.scheduling import events_touching

ACCEPTED, DECLINED, NEEDS_ACTION = "ACCEPTED", "DECLINED", "NEEDS-ACTION"
MAX_DECIDED = 500  # instances one series may book
UNLIMITED_AHEAD = timedelta(days=2 * 366)  # how far a series is checked without a window
MAX_AHEAD = timedelta(days=11 * 366)  # beyond the longest window
PAST = timedelta(days=1)  # instances that ended before this are not decided any more


@dataclass(frozen=True)
class Requested:
    """One instance of the booking: its RECURRENCE-ID (None for a single appointment)
    and its time in epoch seconds."""

    recurrence_id: date | datetime | None
    start: int
    end: int


@dataclass(frozen=True)
class Refusal:
    recurrence_id: date | datetime | None
    reason: Sentence


@dataclass(frozen=True)
class Answer:
    """PARTSTAT of the whole booking, the instances declined within an accepted series,
    and why the whole booking was declined."""

    partstat: str
    refused: tuple[Refusal, ...] = ()
    reason: Sentence | None = None


@dataclass(frozen=True)
class Booking:
    """What is being booked: the organizer's calendar object, its UID and stored span."""

    calendar: icalendar.Calendar
    uid: str
    first_start: int
    last_end: int
    account_id: int | None


def resource_zone(resource: Resource) -> tzinfo:
    name = None
    if resource.branch_id is not None:
        name = Branch.select(Branch.timezone).where(Branch.id == resource.branch_id).scalar()
    try:
        return ZoneInfo(name or "Europe/Berlin")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def decide(
    resource: Resource, calendar_id: int, policy: Policy, booking: Booking, now: datetime
) -> Answer:
    """The resource's answer to the booking, by its policy."""
    name = resource.name
    if policy.mode == ALWAYS_DECLINE:
        return Answer(DECLINED, reason=Sentence("booking_always_declines", {"resource": name}))
    if not may_book(policy, booking.account_id):
        return Answer(DECLINED, reason=Sentence("booking_not_allowed", {"resource": name}))
    zone = resource_zone(resource)
    horizon = now + (timedelta(days=policy.window_days) if policy.window_days else UNLIMITED_AHEAD)
    if policy.window_days and booking.last_end >= SPAN_MAX:
        return Answer(
            DECLINED,
            reason=Sentence(
                "booking_series_without_end", {"resource": name, "days": policy.window_days}
            ),
        )
    # A series within a window is followed to its end, to decline what lies beyond.
    # Within a window a series is followed to its end, to decline what lies beyond it;
    # without one, as far ahead of its start (or of today) as a series is checked.
    first = datetime.fromtimestamp(max(booking.first_start, int(now.timestamp())), UTC)
    upper = min(
        datetime.fromtimestamp(min(booking.last_end, SPAN_MAX - 1), UTC),
        now + MAX_AHEAD if policy.window_days else first + UNLIMITED_AHEAD,
    )
    instances = requested_instances(booking.calendar, zone, now - PAST, upper)
    if len(instances) > MAX_DECIDED:
        return Answer(
            DECLINED,
            reason=Sentence("booking_too_many_instances", {"resource": name, "max": MAX_DECIDED}),
        )
    refused = []
    lists: dict[int, OccurrenceList | None] = {}  # decoded once for all instances
    for instance in instances:
        if policy.window_days and instance.start >= horizon.timestamp():
            reason = Sentence(
                "booking_outside_window", {"resource": name, "days": policy.window_days}
            )
            refused.append(Refusal(instance.recurrence_id, reason))
        elif policy.mode not in (ALWAYS_ACCEPT, MANUAL):
            taken = first_conflict(calendar_id, instance, booking.uid, policy.capacity, zone, lists)
            if taken is not None:
                reason = Sentence("booking_taken", {"resource": name, **_times(taken, zone)})
                refused.append(Refusal(instance.recurrence_id, reason))
    return _answer(policy, instances, refused)


def _answer(policy: Policy, instances: list[Requested], refused: list[Refusal]) -> Answer:
    if instances and len(refused) == len(instances):
        return Answer(DECLINED, reason=refused[0].reason)
    single = len(instances) == 1 and instances[0].recurrence_id is None
    if single and refused:
        return Answer(DECLINED, reason=refused[0].reason)
    partstat = NEEDS_ACTION if policy.mode == MANUAL else ACCEPTED
    return Answer(partstat, tuple(refused))


def _times(period: tuple[int, int], zone: tzinfo) -> dict[str, str]:
    start = datetime.fromtimestamp(period[0], zone)
    end = datetime.fromtimestamp(period[1], zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%d.%m.%Y %H:%M}"
    return {"start": f"{start:%d.%m.%Y %H:%M}", "end": f"{end_text} ({start:%Z})"}


def requested_instances(
    calendar: icalendar.Calendar, zone: tzinfo, lower: datetime, upper: datetime
) -> list[Requested]:
    """The booking's instances that end after `lower` and start before `upper`."""
    expansion = Expansion(calendar, "VEVENT", zone)
    found = []
    for instance in expansion.between(lower, upper + timedelta(days=1)):
        span = _span(instance, zone)
        if span is None or span[1] <= lower.timestamp() or span[0] >= upper.timestamp():
            continue
        if str(instance.component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        recurrence_id = instance.recurrence_id if expansion.recurring else None
        if expansion.recurring and recurrence_id is None:
            recurrence_id = instance.start
        found.append(Requested(recurrence_id, span[0], span[1]))
    return sorted(found, key=lambda r: r.start)


def _span(instance: Instance, zone: tzinfo) -> tuple[int, int] | None:
    if instance.start is None:
        return None
    start = to_utc(instance.start, zone)
    if instance.end is not None:
        end = to_utc(instance.end, zone)
    elif not isinstance(instance.start, datetime):
        end = start + timedelta(days=1)
    else:
        end = start
    return int(start.timestamp()), max(int(end.timestamp()), int(start.timestamp()) + 1)


def first_conflict(
    calendar_id: int,
    instance: Requested,
    uid: str,
    capacity: int,
    zone: tzinfo,
    lists: dict[int, OccurrenceList | None] | None = None,
) -> tuple[int, int] | None:
    """The time of an appointment that leaves no room for `instance`, or None if it fits:
    `capacity` bookings may overlap at any moment, this one included."""
    busy = busy_periods(calendar_id, instance.start, instance.end, uid, zone, lists)
    if len(busy) < capacity:
        return None
    if capacity == 1:
        return busy[0]
    points = sorted(
        [(max(s, instance.start), 1) for s, _ in busy]
        + [(min(e, instance.end), -1) for _, e in busy]
    )
    level = 0
    for moment, step in points:
        level += step
        if level >= capacity:
            return next(p for p in busy if p[0] <= moment < p[1])
    return None


def busy_periods(
    calendar_id: int,
    start: int,
    end: int,
    uid: str,
    zone: tzinfo,
    lists: dict[int, OccurrenceList | None] | None = None,
) -> list[tuple[int, int]]:
    """(start, end) of the other appointments busy within [start, end), in start order.
    `lists` keeps the decoded occurrence lists across the instances of one series."""
    lists = {} if lists is None else lists
    periods: list[tuple[int, int]] = []
    to_read: list[tuple[int, int, int]] = []  # object id and the window to read it in
    for object_id, occurrences in events_touching(calendar_id, start, end, uid):
        if object_id not in lists:
            lists[object_id] = OccurrenceList.decode(occurrences) if occurrences else None
        listed = lists[object_id]
        hits = listed.within(start, end) if listed is not None else None
        if hits is None:
            to_read.append((object_id, start, end))
        elif hits:  # listed at these times: whether it is busy then is in the body
            to_read.append((object_id, hits[0][0], max(b + length for b, length in hits)))
    if to_read:
        found = rows_by_ids(calendar_id, [object_id for object_id, _, _ in to_read])
        for object_id, low, high in to_read:
            periods.extend(_busy_in(found.get(object_id), low, high, start, end, zone))
    return sorted(periods)


def _busy_in(
    row: ObjectWithBody | None, low: int, high: int, start: int, end: int, zone: tzinfo
) -> list[tuple[int, int]]:
    if row is None:
        return []
    try:
        calendar = parse_stored(row)
    except UnreadableStoredObject:
        return []
    window = (
        datetime.fromtimestamp(min(low, start), UTC),
        datetime.fromtimestamp(max(high, end), UTC),
    )
    periods = free_busy_periods([calendar], *window, timezone=zone)
    return [
        (int(s.timestamp()), int(e.timestamp()))
        for s, e, _ in periods
        if s.timestamp() < end and e.timestamp() > start
    ]
