"""The field schemas of companies, their contact persons and phonebook entries,
declared once: the API, the admin forms and the admin lists are computed from them."""

from __future__ import annotations

from resources.company_directory.directory import CATEGORIES
from resources.store.directory import Company, ContactPerson, PhonebookEntry
from resources.store.field_schema import (
    BOOL,
    CHOICE,
    EMAIL,
    MULTILINE,
    N_,
    REF,
    TEXT,
    TEXTS,
    EntitySchema,
    FieldSpec,
)

EMAILS_MAX = 2000

COMPANY = EntitySchema(
    "company",
    Company,
    (
        FieldSpec(
            "name", TEXT, N_("Name"), required=True, max_length=300, searchable=True, sortable=True
        ),
        FieldSpec(
            "category",
            CHOICE,
            N_("Category"),
            required=True,
            choices=CATEGORIES,
            default="customer",
            max_length=20,
            sortable=True,
        ),
        FieldSpec("street", TEXT, N_("Street"), max_length=300, searchable=True),
        FieldSpec(
            "postal_code", TEXT, N_("Postal code"), max_length=20, searchable=True, sortable=True
        ),
        FieldSpec("city", TEXT, N_("City"), max_length=200, searchable=True, sortable=True),
        FieldSpec("country", TEXT, N_("Country"), max_length=100, sortable=True),
        FieldSpec("phone", TEXT, N_("Phone"), max_length=60, searchable=True),
        FieldSpec("website", TEXT, N_("Website"), max_length=300),
        FieldSpec("active", BOOL, N_("Active"), default=True, sortable=True),
    ),
)

CONTACT = EntitySchema(
    "contact person",
    ContactPerson,
    (
        FieldSpec(
            "company",
            REF,
            N_("Company"),
            required=True,
            refers_to=Company,
            refers_to_label="company",
        ),
        FieldSpec("salutation", TEXT, N_("Salutation"), max_length=40),
        FieldSpec("title", TEXT, N_("Title"), max_length=60),
        FieldSpec(
            "first_name", TEXT, N_("First name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec(
            "last_name", TEXT, N_("Last name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec("position", TEXT, N_("Position"), max_length=200),
        FieldSpec("department", TEXT, N_("Department"), max_length=200, sortable=True),
        # The API also takes one address as `email` (see the API's contacts module).
        FieldSpec(
            "emails",
            MULTILINE,
            N_("E-mail addresses (one per line)"),
            max_length=EMAILS_MAX,
            searchable=True,
            in_api=False,
        ),
        FieldSpec("emails", TEXTS, N_("E-mail addresses (one per line)"), in_form=False),
        FieldSpec("email", EMAIL, N_("E-mail"), max_length=320, in_form=False),
        FieldSpec("phone_work", TEXT, N_("Phone (work)"), max_length=60, searchable=True),
        FieldSpec("phone_mobile", TEXT, N_("Phone (mobile)"), max_length=60, searchable=True),
        FieldSpec("phone_fax", TEXT, N_("Fax"), max_length=60),
        FieldSpec("active", BOOL, N_("Active"), default=True, sortable=True),
        FieldSpec(
            "export_carddav",
            BOOL,
            N_("Export via CardDAV"),
            help=N_(
                "Only contact persons with this switch reach the phones' company address book."
            ),
            sortable=True,
        ),
    ),
)

PHONEBOOK_ENTRY = EntitySchema(
    "phonebook entry",
    PhonebookEntry,
    (
        FieldSpec(
            "first_name", TEXT, N_("First name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec(
            "last_name", TEXT, N_("Last name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec("company", TEXT, N_("Company"), max_length=300, searchable=True, sortable=True),
        FieldSpec("phone_work", TEXT, N_("Phone (work)"), max_length=60, searchable=True),
        FieldSpec("phone_mobile", TEXT, N_("Phone (mobile)"), max_length=60, searchable=True),
        FieldSpec("phone_home", TEXT, N_("Phone (home)"), max_length=60, searchable=True),
        FieldSpec("email", EMAIL, N_("E-mail"), max_length=320, searchable=True, sortable=True),
    ),
)

DIRECTORY_SCHEMAS = (COMPANY, CONTACT, PHONEBOOK_ENTRY)
