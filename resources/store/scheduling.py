"""Scheduling as tables (RFC 6638, issue 16): the Schedule-Tag of scheduling objects,
each resource's booking policy and the bookings that wait for a person's decision.

A ScheduleTag row exists for every stored object that implicit scheduling wrote or
looked after (an organizer's copy, an attendee's copy); its tag changes only when the
organizer's data changes (§3.2.10), never when a reply is merged. A BookingPolicy row
exists only for a resource whose administrator changed the defaults. A PendingBooking
names an appointment in a resource's calendar that waits for an administrator or the
resource's delegate (manual approval), and whom to answer.
"""

from __future__ import annotations

from functools import cache

import peewee

from resources.store.database import database_proxy
from resources.store.models import Collection, StoredObject
from resources.store.models_base import BaseModel
from resources.store.organisation import AccountGroup, Resource, ServiceCredential, UserAccount

BOOKING_MODES = ("accept_if_free", "always_accept", "always_decline", "manual")


class ScheduleTag(BaseModel):
    stored_object = peewee.ForeignKeyField(StoredObject, unique=True, on_delete="CASCADE")
    stored_object_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    tag = peewee.CharField(max_length=80)


class BookingPolicy(BaseModel):
    resource = peewee.ForeignKeyField(Resource, unique=True, on_delete="CASCADE")
    resource_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    mode = peewee.CharField(max_length=20, default="accept_if_free")
    capacity = peewee.IntegerField(default=1)  # bookings at the same time
    window_days = peewee.IntegerField(null=True)  # how far ahead; None: no limit
    only_groups = peewee.BooleanField(default=False)  # False: everyone who sees it may book
    delegate = peewee.ForeignKeyField(UserAccount, null=True, on_delete="SET NULL")
    delegate_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    modified = peewee.DoubleField()


class BookingGroup(BaseModel):
    """A group whose members may book the resource (when its policy says only_groups)."""

    policy = peewee.ForeignKeyField(BookingPolicy, on_delete="CASCADE")
    policy_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    group = peewee.ForeignKeyField(AccountGroup, on_delete="CASCADE")
    group_id: peewee.ForeignKeyField[int]  # the key column peewee adds

    class Meta:
        indexes = ((("policy", "group"), True),)


class PendingBooking(BaseModel):
    resource = peewee.ForeignKeyField(Resource, on_delete="CASCADE")
    resource_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    calendar = peewee.ForeignKeyField(Collection, on_delete="CASCADE")
    calendar_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    uid = peewee.CharField(max_length=1000)
    organizer = peewee.ForeignKeyField(ServiceCredential, null=True, on_delete="SET NULL")
    organizer_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    summary = peewee.TextField(default="")
    first_start = peewee.BigIntegerField()
    requested = peewee.DoubleField()

    class Meta:
        indexes = ((("calendar", "uid"), True), (("resource", "first_start"), False))


SCHEDULING_MODELS = [ScheduleTag, BookingPolicy, BookingGroup, PendingBooking]


def create_scheduling_tables(db: peewee.Database) -> None:
    db.create_tables(SCHEDULING_MODELS, safe=True)


_OVERLAPPING = (
    "SELECT id, occurrences FROM {object} WHERE collection_id = {p} AND last_end > {p}"
    " AND first_start < {p} AND component = 'VEVENT' AND (uid IS NULL OR uid <> {p})"
)


@cache
def _overlapping_sql(param: str) -> str:
    return _OVERLAPPING.format(object=StoredObject._meta.table_name, p=param)


def events_touching(
    calendar_id: int, start: int, end: int, except_uid: str
) -> list[tuple[int, bytes | None]]:
    """(id, occurrence list) of the calendar's events whose stored bounds touch
    [start, end), other than `except_uid`: one statement on the (collection, last_end,
    first_start) index, written once (a booking asks it once per instance)."""
    db = database_proxy.obj
    rows = db.execute_sql(_overlapping_sql(db.param), (calendar_id, start, end, except_uid))
    return [(row[0], None if row[1] is None else bytes(row[1])) for row in rows.fetchall()]
