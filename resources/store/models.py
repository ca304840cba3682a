"""The peewee models: credentials, collections, stored objects, change log, dead properties.

Collections live under a credential's home and are addressed by their `path`
relative to that home ("work" or "litmus/sub"), so resolving a URL costs one query
whatever the nesting. Every change to a collection's members bumps its
`sync_revision` and writes one `Change` row: sync tokens and ctags cost
O(changes), never O(members).
"""

from __future__ import annotations

import peewee

from resources.store.database import database_proxy

# Sentinels for unbounded occurrence spans, in epoch seconds (years 1 and 9999).
SPAN_MIN = -62135596800
SPAN_MAX = 253402300799


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = peewee.IntegerField()


class ServiceCredential(BaseModel):
    """A login a device uses; the username never changes after creation."""

    username = peewee.CharField(max_length=200, unique=True)
    username_key = peewee.CharField(max_length=200, unique=True)  # casefolded, for uniqueness and lookup
    password_hash = peewee.CharField(max_length=300, null=True)
    display_name = peewee.CharField(max_length=200, default="")
    auth_version = peewee.IntegerField(default=1)  # bumped on any change that affects login
    created = peewee.DoubleField()


class Collection(BaseModel):
    """A calendar or a plain WebDAV collection in a credential's home."""

    owner = peewee.ForeignKeyField(ServiceCredential, on_delete="CASCADE", backref="collections")
    path = peewee.CharField(max_length=1000)  # relative to the home, no slashes at the ends
    kind = peewee.CharField(max_length=20)  # "calendar" or "plain"
    display_name = peewee.CharField(max_length=500, null=True)
    description = peewee.TextField(null=True)
    color = peewee.CharField(max_length=40, null=True)
    sort_order = peewee.IntegerField(null=True)
    timezone = peewee.TextField(null=True)  # VTIMEZONE text as clients send it
    timezone_id = peewee.CharField(max_length=100, null=True)
    components = peewee.CharField(max_length=200, default="VEVENT,VTODO,VJOURNAL")
    sync_epoch = peewee.CharField(max_length=40)  # random per collection: foreign tokens never match
    sync_revision = peewee.BigIntegerField(default=0)
    history_floor = peewee.BigIntegerField(default=0)  # tokens older than this revision were pruned
    created = peewee.DoubleField()
    modified = peewee.DoubleField()

    class Meta:
        indexes = ((("owner", "path"), True),)


class StoredObject(BaseModel):
    """A calendar object resource, or any file in a plain collection."""

    collection = peewee.ForeignKeyField(Collection, on_delete="CASCADE", backref="objects")
    name = peewee.CharField(max_length=1000)
    content_type = peewee.CharField(max_length=200)
    body = peewee.BlobField()
    etag = peewee.CharField(max_length=80)
    size = peewee.IntegerField()
    uid = peewee.CharField(max_length=1000, null=True)
    component = peewee.CharField(max_length=20, null=True)
    summary = peewee.TextField(null=True)
    first_start = peewee.BigIntegerField(default=SPAN_MIN)  # epoch seconds, UTC
    last_end = peewee.BigIntegerField(default=SPAN_MAX)
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
    revision = peewee.BigIntegerField()
    name = peewee.CharField(max_length=1000)
    deleted = peewee.BooleanField(default=False)
    changed = peewee.DoubleField()

    class Meta:
        indexes = ((("collection", "revision"), False),)


class DeadProperty(BaseModel):
    """A property a client stored on a collection or object (RFC 4918 dead property)."""

    collection = peewee.ForeignKeyField(Collection, on_delete="CASCADE", null=True)
    stored_object = peewee.ForeignKeyField(StoredObject, on_delete="CASCADE", null=True)
    name = peewee.CharField(max_length=500)  # Clark notation
    value = peewee.TextField()  # the property element serialised as XML

    class Meta:
        indexes = (
            (("collection", "name"), False),
            (("stored_object", "name"), False),
        )


ALL_MODELS = [SchemaVersion, ServiceCredential, Collection, StoredObject, Change, DeadProperty]
