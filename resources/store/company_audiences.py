"""The company book's audiences as tables (seed 004's scope): one collection of the
company book per set of scoped connections some login may see, and the match keys of
phonebook entries (e-mail, E.164 numbers) that priority merging groups people by.

An audience's key names the scoped connections its logins see ("" for none: today's
single book, which every account without a scoped connection reads). An audience no
login needs any more is retired, not deleted: its collection stays as it was, so a
phone moved out of it can still be told exactly what differs (see address_books).
"""

from __future__ import annotations

import peewee

from resources.store.directory import PhonebookEntry
from resources.store.models import Change, Collection
from resources.store.models_base import BaseModel

BASE_AUDIENCE = ""  # the audience of accounts that see no scoped connection
MATCH_COLUMNS = ("match_email", "match_work", "match_mobile", "match_home")


class CompanyAudience(BaseModel):
    key = peewee.CharField(max_length=1000, unique=True)  # sorted scoped connection ids, ","
    collection = peewee.ForeignKeyField(Collection, unique=True, on_delete="CASCADE")
    collection_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    active = peewee.BooleanField(default=True)  # False: retired, no login reads it


def match_index_name(column: str) -> str:
    return f"phonebookentry_{column}_match"


def add_audiences(db: peewee.Database) -> None:
    """Schema step 12: the audience table (the existing company book becomes the base
    audience), the phonebook entries' match-key columns, NULL until a merge first
    needs them, indexed only where set so bulk inserts of a single source pay nothing,
    and the change log's previous ETag."""
    db.create_tables([CompanyAudience], safe=True)
    table = PhonebookEntry._meta.table_name
    present = {column.name for column in db.get_columns(table)}
    for column in MATCH_COLUMNS:
        if column not in present:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" VARCHAR(320)')
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{match_index_name(column)}" ON "{table}" ("{column}") '
            f'WHERE "{column}" IS NOT NULL AND "{column}" <> \'\''
        )
    changes = Change._meta.table_name
    if "previous_etag" not in {column.name for column in db.get_columns(changes)}:
        db.execute_sql(f'ALTER TABLE "{changes}" ADD COLUMN "previous_etag" VARCHAR(80)')
    known = CompanyAudience.select().where(CompanyAudience.key == BASE_AUDIENCE).exists()
    book = (
        Collection.select()
        .where((Collection.kind == "company") & Collection.owner.is_null())
        .order_by(Collection.id)
        .first()
    )
    if book is not None and not known:
        CompanyAudience.create(key=BASE_AUDIENCE, collection=book.id, active=True)


AUDIENCE_MODELS = [CompanyAudience]
