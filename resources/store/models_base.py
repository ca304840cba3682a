"""The base model every table derives from, and the schema version table."""

from __future__ import annotations

import peewee

from resources.store.database import database_proxy


class BaseModel(peewee.Model):
    id: peewee.AutoField[int]  # the primary key peewee adds to every table of ours

    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = peewee.IntegerField()


class ServerSetting(BaseModel):
    """Values every server process must share, such as the session signing secret."""

    key = peewee.CharField(max_length=100, unique=True)
    value = peewee.TextField()
