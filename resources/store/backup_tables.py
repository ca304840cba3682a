"""The tables a backup holds, in the order a restore writes them, and how each column's
values become JSON and back (the same on SQLite and PostgreSQL).

The tables come from the models' registry (every subclass of BaseModel, which the schema
module imports), not from a list kept by hand: a table added later is backed up without
a change here. tests/test_backups.py holds the registry to the database's real tables
and columns, so a table made without a model cannot slip by.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee

from resources.store import schema  # noqa: F401  (imports every module that defines a model)
from resources.store.models_base import BaseModel, SchemaVersion

# The schema version goes into the manifest; a restore writes its own row.
NOT_BACKED_UP: tuple[type[BaseModel], ...] = (SchemaVersion,)
# SQLite's FTS5 search tables (and their shadow tables) are filled by triggers from the
# rows of the tables they index, so a restore rebuilds them as it writes those rows.
DERIVED_TABLE_PREFIX = "search_"


def registered_models() -> list[type[BaseModel]]:
    """Every model of the store, referenced tables before the tables referring to them."""
    found: list[type[BaseModel]] = []
    todo = list(BaseModel.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    ordered: list[type[BaseModel]] = peewee.sort_models(found)  # type: ignore[attr-defined]
    return ordered


def backed_up_models(db: peewee.Database) -> list[type[BaseModel]]:
    """The models whose tables the database has, in the order a restore writes them."""
    tables = set(db.get_tables())
    return [
        model
        for model in registered_models()
        if model not in NOT_BACKED_UP and model._meta.table_name in tables
    ]


def model_named(table: str) -> type[BaseModel] | None:
    for model in registered_models():
        if model._meta.table_name == table and model not in NOT_BACKED_UP:
            return model
    return None


def uncovered_tables(db: peewee.Database) -> list[str]:
    """Tables of the database that no backed-up model holds (nor a derived index)."""
    covered = {model._meta.table_name for model in backed_up_models(db)}
    covered |= {model._meta.table_name for model in NOT_BACKED_UP}
    return sorted(
        table
        for table in db.get_tables()
        if table not in covered and not table.startswith(DERIVED_TABLE_PREFIX)
    )


def uncovered_columns(db: peewee.Database) -> list[str]:
    """Columns of backed-up tables that their model does not know ("table.column")."""
    missing = []
    for model in backed_up_models(db):
        known = set(columns_of(model))
        table = model._meta.table_name
        missing += [
            f"{table}.{column.name}" for column in db.get_columns(table) if column.name not in known
        ]
    return sorted(missing)


def columns_of(model: type[BaseModel]) -> list[str]:
    return [field.column_name for field in model._meta.sorted_fields]


@dataclass(frozen=True)
class Codec:
    """A column's values as the driver gives them -> JSON, and JSON -> a driver parameter.
    `decode` raises ValueError for a value the column cannot hold."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _typed(kind: type | tuple[type, ...], convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            raise ValueError(f"{value!r} is not of the column's type")
        return convert(value)

    return decode


def _nullable(encode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else encode(value)


def _blob_to_text(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _text_to_blob(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError):
        raise ValueError("not base64") from None


def _date_to_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _checked_date(value: str) -> str:
    datetime.date.fromisoformat(value)
    return value  # both databases take the ISO text for a DATE column


# By field class; a subclass takes its nearest registered base (BigIntegerField and
# AutoField take IntegerField's, DoubleField FloatField's).
CODECS: dict[type[peewee.Field], Codec] = {
    peewee.BooleanField: Codec(_nullable(bool), _typed(bool, bool)),
    peewee.IntegerField: Codec(_nullable(int), _typed(int, int)),
    peewee.FloatField: Codec(_nullable(float), _typed((int, float), float)),
    peewee.BlobField: Codec(_nullable(_blob_to_text), _typed(str, _text_to_blob)),
    peewee.DateField: Codec(_nullable(_date_to_text), _typed(str, _checked_date)),
    peewee.CharField: Codec(_nullable(str), _typed(str, str)),
    peewee.TextField: Codec(_nullable(str), _typed(str, str)),
}


def codec_for(field: peewee.Field) -> Codec:
    """The codec of a column; a foreign key's is the one of the column it refers to."""
    if isinstance(field, peewee.ForeignKeyField):
        return codec_for(field.rel_field)
    for kind in type(field).__mro__:
        if kind in CODECS:
            return CODECS[kind]
    raise LookupError(f"no backup codec for {type(field).__name__} ({field.model.__name__})")


def codecs_of(model: type[BaseModel], columns: list[str]) -> list[Codec]:
    by_column = {field.column_name: field for field in model._meta.sorted_fields}
    return [codec_for(by_column[column]) for column in columns]
