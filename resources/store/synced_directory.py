"""Which companies and contact persons of the directory a connection made, as tables
(seeds 000 and 004): a contact person fed by a connection has a row here with the
source's key and a digest of what the source last said; a company the connection made
has one too. Directory rows without one are hand-made and no run touches them.

The links cascade with both sides: deleting a contact by hand drops its link, and
deleting the connection leaves its companies and persons as hand-made records.
"""

from __future__ import annotations

import peewee

from resources.store.connectors import Connection
from resources.store.directory import Company, ContactPerson
from resources.store.models_base import BaseModel


class SyncedContact(BaseModel):
    connection_id: peewee.ForeignKeyField[int]  # the key columns peewee adds
    contact_id: peewee.ForeignKeyField[int]

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    contact = peewee.ForeignKeyField(ContactPerson, on_delete="CASCADE", unique=True)
    external_id = peewee.CharField(max_length=300)  # the record's key in the source
    digest = peewee.CharField(max_length=64)  # of the mapped values the run applied

    class Meta:
        indexes = ((("connection", "external_id"), True),)


class SyncedCompany(BaseModel):
    connection_id: peewee.ForeignKeyField[int]
    company_id: peewee.ForeignKeyField[int]

    connection = peewee.ForeignKeyField(Connection, on_delete="CASCADE")
    company = peewee.ForeignKeyField(Company, on_delete="CASCADE", unique=True)

    class Meta:
        indexes = ((("connection",), False),)


SYNCED_DIRECTORY_MODELS = [SyncedContact, SyncedCompany]


def create_synced_directory_tables(db: peewee.Database) -> None:
    db.create_tables(SYNCED_DIRECTORY_MODELS, safe=True)
