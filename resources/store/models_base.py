"""The base model every table derives from, and the schema version table."""

from __future__ import annotations

from typing import Any

import peewee

from resources.store.database import database_proxy

# Accessors whose assignment of a plain value on a new instance only stores it in
# __data__ (and marks it dirty, which peewee clears after a read anyway).
_PLAIN_ACCESSORS = (peewee.FieldAccessor, peewee.ForeignKeyAccessor)


class BaseModel(peewee.Model):
    id: peewee.AutoField[int]  # the primary key peewee adds to every table of ours

    class Meta:
        database = database_proxy
        legacy_table_names = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """A row peewee has just read (`__no_default__`) gets its values put where the
        field accessors would put them, without a descriptor call per field: that was
        most of the cost of reading a row. Everything else goes through peewee."""
        if args or not kwargs.pop("__no_default__", None):
            super().__init__(*args, **kwargs)
            return
        plain = _plain_fields(type(self))
        data: dict[str, Any] = {}
        self.__data__ = data
        self._dirty: set[str] = set()
        self.__rel__: dict[str, Any] = {}
        for name, value in kwargs.items():
            if name in plain and not isinstance(value, peewee.Model):
                data[name] = value
            else:  # a joined model, an alias, a key column by its *_id name
                setattr(self, name, value)


_PLAIN_FIELDS: dict[type, frozenset[str]] = {}


def _plain_fields(model: type[peewee.Model]) -> frozenset[str]:
    found = _PLAIN_FIELDS.get(model)
    if found is None:
        found = frozenset(
            name
            for name, field in model._meta.fields.items()
            if field.accessor_class in _PLAIN_ACCESSORS
        )
        _PLAIN_FIELDS[model] = found
    return found


class SchemaVersion(BaseModel):
    version = peewee.IntegerField()


class ServerSetting(BaseModel):
    """Values every server process must share, such as the session signing secret."""

    key = peewee.CharField(max_length=100, unique=True)
    value = peewee.TextField()
