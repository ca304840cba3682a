"""The peewee models: credentials, collections, stored objects, change log, dead properties.

Collections live under a credential's home and are addressed by their `path`
relative to that home ("work" or "litmus/sub"), so resolving a URL costs one query
whatever the nesting. Every change to a collection's members bumps its
`sync_revision` and writes one `Change` row: sync tokens and ctags cost
O(changes), never O(members).
"""

from __future__ import annotations

import peewee

from resources.store.directory import DIRECTORY_MODELS
from resources.store.models_base import BaseModel
from resources.store.models_base import SchemaVersion as SchemaVersion  # re-exported
from resources.store.models_base import ServerSetting as ServerSetting  # re-exported
from resources.store.organisation import (
    ORGANISATION_MODELS,
    Branch,
    Resource,
    ServiceCredential,
)

# Sentinels for unbounded occurrence spans, in epoch seconds (years 1 and 9999).
SPAN_MIN = -62135596800
SPAN_MAX = 253402300799


class Collection(BaseModel):
    """A calendar or plain WebDAV collection in a credential's home, or a resource's calendar."""

    owner = peewee.ForeignKeyField(
        ServiceCredential, null=True, on_delete="CASCADE", backref="collections"
    )
    owner_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    resource = peewee.ForeignKeyField(Resource, null=True, unique=True, on_delete="CASCADE")
    resource_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    home = peewee.CharField(max_length=20, default="calendars")  # "calendars" or "addressbooks"
    path = peewee.CharField(
        max_length=1000
    )  # relative to the home (the slug for a resource calendar)
    kind = peewee.CharField(max_length=20)  # "calendar", "plain", "addressbook" or "company"
    display_name = peewee.CharField(max_length=500, null=True)
    description = peewee.TextField(null=True)
    color = peewee.CharField(max_length=40, null=True)
    sort_order = peewee.IntegerField(null=True)
    timezone = peewee.TextField(null=True)  # VTIMEZONE text as clients send it
    timezone_id = peewee.CharField(max_length=100, null=True)
    components = peewee.CharField(max_length=200, default="VEVENT,VTODO,VJOURNAL")
    sync_epoch = peewee.CharField(
        max_length=40
    )  # random per collection: foreign tokens never match
    sync_revision = peewee.BigIntegerField(default=0)
    history_floor = peewee.BigIntegerField(default=0)  # tokens older than this revision were pruned
    created = peewee.DoubleField()
    modified = peewee.DoubleField()

    class Meta:
        indexes = ((("owner", "home", "path"), True),)


class StoredObject(BaseModel):
    """A calendar object resource, or any file in a plain collection."""

    collection = peewee.ForeignKeyField(Collection, on_delete="CASCADE", backref="objects")
    collection_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    name = peewee.CharField(max_length=1000)
    content_type = peewee.CharField(max_length=200)
    body = peewee.BlobField()
    etag = peewee.CharField(max_length=80)
    size = peewee.IntegerField()
    uid = peewee.CharField(max_length=1000, null=True)
    component = peewee.CharField(max_length=20, null=True)
    summary = peewee.TextField(null=True)
    branch = peewee.ForeignKeyField(
        Branch, null=True, on_delete="SET NULL"
    )  # where device-made appointments go
    branch_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    first_start = peewee.BigIntegerField(default=SPAN_MIN)  # epoch seconds, UTC
    last_end = peewee.BigIntegerField(default=SPAN_MAX)
    occurrences = peewee.BlobField(
        null=True
    )  # resources.formats.calendar_occurrences, for simple events
    revision = peewee.BigIntegerField(default=0)  # the collection revision of the last change
    created = peewee.DoubleField()
    modified = peewee.DoubleField()

    class Meta:
        indexes = (
            (("collection", "name"), True),
            (("collection", "uid"), False),
            (("collection", "last_end", "first_start"), False),
            (("collection", "revision"), False),
        )


class Change(BaseModel):
    """One member change of a collection at one revision (RFC 6578 history)."""

    collection = peewee.ForeignKeyField(Collection, on_delete="CASCADE")
    collection_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    revision = peewee.BigIntegerField()
    name = peewee.CharField(max_length=1000)
    deleted = peewee.BooleanField(default=False)
    changed = peewee.DoubleField()
    # The member's ETag before this change ("" when it did not exist), where the writer
    # knows it (company books): what a phone held, for deltas across audiences.
    previous_etag = peewee.CharField(max_length=80, null=True)

    class Meta:
        indexes = ((("collection", "revision"), False),)


class DeadProperty(BaseModel):
    """A property a client stored on a collection or object (RFC 4918 dead property)."""

    collection = peewee.ForeignKeyField(Collection, on_delete="CASCADE", null=True)
    collection_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    stored_object = peewee.ForeignKeyField(StoredObject, on_delete="CASCADE", null=True)
    stored_object_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    name = peewee.CharField(max_length=500)  # Clark notation
    value = peewee.TextField()  # the property element serialised as XML

    class Meta:
        indexes = (
            (("collection", "name"), False),
            (("stored_object", "name"), False),
        )


ALL_MODELS = [
    SchemaVersion,
    ServerSetting,
    *ORGANISATION_MODELS,
    *DIRECTORY_MODELS,
    Collection,
    StoredObject,
    Change,
    DeadProperty,
]
