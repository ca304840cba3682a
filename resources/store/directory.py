"""The company directory as tables: companies, their contact persons, and the company
phonebook's entries (seeds 000 and 002)."""

from __future__ import annotations

import peewee

from resources.store.models_base import BaseModel


class Company(BaseModel):
    name = peewee.CharField(max_length=300)
    category = peewee.CharField(
        max_length=20, default="customer"
    )  # customer, supplier, partner, other
    street = peewee.CharField(max_length=300, default="")
    postal_code = peewee.CharField(max_length=20, default="")
    city = peewee.CharField(max_length=200, default="")
    country = peewee.CharField(max_length=100, default="")
    phone = peewee.CharField(max_length=60, default="")
    website = peewee.CharField(max_length=300, default="")
    active = peewee.BooleanField(default=True)
    created = peewee.DoubleField()
    modified = peewee.DoubleField(
        default=0.0
    )  # a rename changes every contact's vCard, so their REV too


class ContactPerson(BaseModel):
    company = peewee.ForeignKeyField(Company, on_delete="CASCADE", backref="contacts")
    company_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    uid = peewee.CharField(max_length=100, unique=True)  # the vCard UID, stable for life
    salutation = peewee.CharField(max_length=40, default="")
    title = peewee.CharField(max_length=60, default="")
    first_name = peewee.CharField(max_length=200, default="")
    last_name = peewee.CharField(max_length=200, default="")
    position = peewee.CharField(max_length=200, default="")
    department = peewee.CharField(max_length=200, default="")
    emails = peewee.TextField(default="")  # one per line
    phone_work = peewee.CharField(max_length=60, default="")
    phone_mobile = peewee.CharField(max_length=60, default="")
    phone_fax = peewee.CharField(max_length=60, default="")
    active = peewee.BooleanField(default=True)
    export_carddav = peewee.BooleanField(default=False)
    # True once an administrator set export_carddav by hand: switching the company book
    # on then leaves the contact as it is instead of applying the category's default.
    export_chosen = peewee.BooleanField(default=False)
    modified = peewee.DoubleField()
    created = peewee.DoubleField()


class DirectorySettings(BaseModel):
    """One row: whether the company address book has been switched on."""

    company_book_enabled = peewee.BooleanField(default=False)


class PhonebookEntry(BaseModel):
    source = peewee.CharField(max_length=1)  # "S" synced by a connector, "M" manual
    origin = peewee.CharField(
        max_length=200, default=""
    )  # the connector's source name for S entries
    external_id = peewee.CharField(
        max_length=300, default=""
    )  # the source's own key, for idempotent imports
    uid = peewee.CharField(max_length=100, unique=True)
    first_name = peewee.CharField(max_length=200, default="")
    last_name = peewee.CharField(max_length=200, default="")
    company = peewee.CharField(max_length=300, default="")
    phone_work = peewee.CharField(max_length=60, default="")
    phone_mobile = peewee.CharField(max_length=60, default="")
    phone_home = peewee.CharField(max_length=60, default="")
    email = peewee.CharField(max_length=320, default="")
    modified = peewee.DoubleField()
    created = peewee.DoubleField()
    # Match keys for priority merging (resources/company_directory/phonebook_merge.py):
    # the e-mail case-folded and each number in E.164, "" where there is none; NULL until
    # a merge first needs them (a single source never pays for parsing its numbers).
    match_email = peewee.CharField(max_length=320, null=True)
    match_work = peewee.CharField(max_length=320, null=True)
    match_mobile = peewee.CharField(max_length=320, null=True)
    match_home = peewee.CharField(max_length=320, null=True)

    class Meta:
        indexes = ((("source", "origin", "external_id"), False),)


DIRECTORY_MODELS = [Company, ContactPerson, DirectorySettings, PhonebookEntry]
