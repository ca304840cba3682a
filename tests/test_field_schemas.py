"""One field schema per entity (issue 11 §5): the API's accepted fields and the admin
forms are computed from the domain's schema, so no two copies can disagree; the schema
agrees with the tables (lengths) and every sorted column has its list index."""

from __future__ import annotations

import peewee
import pytest

from davserver.web.admin import accounts as admin_accounts
from davserver.web.admin import credentials as admin_credentials
from davserver.web.admin import directory as admin_directory
from davserver.web.admin import organisation as admin_organisation
from davserver.web.admin import phonebook as admin_phonebook
from davserver.web.admin import resources as admin_resources
from davserver.web.admin.forms import FORM_KINDS
from davserver.web.api import (
    branches,
    companies,
    contacts,
    credentials,
    employees,
    groups,
    phonebook,
    resources,
    users,
)
from davserver.web.api.json_io import TEXT_MAX, schema_fields
from resources.auth.schemas import CREDENTIAL
from resources.company_directory.schemas import COMPANY, CONTACT, PHONEBOOK_ENTRY
from resources.organisation.schemas import ACCOUNT, BRANCH, EMPLOYEE, GROUP, RESOURCE
from resources.store.field_schema import CHOICE, CHOICES
from resources.store.list_indexes import SORTED_COLUMNS

# (schema, the admin form's field list, the API module that serves the entity)
ENTITIES = [
    (BRANCH, admin_organisation.BRANCH_FIELDS, branches),
    (EMPLOYEE, admin_organisation.EMPLOYEE_FIELDS, employees),
    (ACCOUNT, admin_accounts.ACCOUNT_FIELDS, users),
    (GROUP, admin_accounts.GROUP_FIELDS, groups),
    (RESOURCE, admin_resources.FIELDS, resources),
    (CREDENTIAL, admin_credentials.FIELDS, credentials),
    (COMPANY, admin_directory.COMPANY_FIELDS, companies),
    (CONTACT, admin_directory.CONTACT_FIELDS, contacts),
    (PHONEBOOK_ENTRY, admin_phonebook.FIELDS, phonebook),
]
IDS = [schema.entity for schema, _form, _api in ENTITIES]


@pytest.mark.parametrize("schema, form, api", ENTITIES, ids=IDS)
def test_the_form_is_the_schema(schema, form, api):
    wanted = [spec for spec in schema if spec.in_form]
    assert [f.name for f in form] == [spec.name for spec in wanted]
    for field, spec in zip(form, wanted, strict=True):
        assert field.kind == FORM_KINDS[spec.kind], spec.name
        assert field.required == spec.required, spec.name
        assert field.maxlength == spec.max_length, spec.name
        assert field.label == spec.label and field.help == spec.help, spec.name
        assert field.fixed_once_saved == spec.fixed_once_saved, spec.name
        if spec.kind in (CHOICE, CHOICES):
            assert [value for value, _label in field.choices()] == list(spec.choices), spec.name


@pytest.mark.parametrize("schema, form, api", ENTITIES, ids=IDS)
def test_the_api_is_the_schema(schema, form, api):
    assert api.API.schema is schema  # the routes read bodies with schema_fields(API.schema)
    for creating in (True, False):
        fields = schema_fields(schema, creating=creating)
        wanted = [
            spec
            for spec in schema
            if spec.in_api and (spec.creatable if creating else spec.updatable)
        ]
        assert [f.name for f in fields] == [spec.public_name for spec in wanted]
        for field, spec in zip(fields, wanted, strict=True):
            assert field.required == spec.must_be_sent, spec.name
            assert field.max_length == (spec.max_length or TEXT_MAX), spec.name
            assert field.nullable == spec.nullable and field.refers_to is spec.refers_to


@pytest.mark.parametrize("schema, form, api", ENTITIES, ids=IDS)
def test_the_schema_fits_the_table(schema, form, api):
    columns = schema.model._meta.fields
    for spec in schema:
        column = columns.get(spec.name)
        if isinstance(column, peewee.CharField) and spec.max_length is not None:
            assert spec.max_length <= column.max_length, spec.name
        if spec.required and column is not None and not isinstance(column, peewee.ForeignKeyField):
            assert not column.null, spec.name


@pytest.mark.parametrize("schema, form, api", ENTITIES, ids=IDS)
def test_every_sort_has_its_index(schema, form, api):
    indexed = set(SORTED_COLUMNS.get(schema.model, ()))
    for name, column in schema.sort_columns().items():
        assert name == "id" or column.column_name in indexed, name
        assert not column.null, f"{name}: a cursor cannot step over NULLs"


def test_the_known_disagreements_are_settled():
    """A branch's time zone is required in the form and the API alike (an API client
    that leaves it out gets the domain's default); its address has one limit."""
    form = {f.name: f for f in admin_organisation.BRANCH_FIELDS}
    api = {f.name: f for f in schema_fields(BRANCH, creating=True)}
    assert form["timezone"].required and BRANCH.field("timezone").required
    assert form["address"].maxlength == api["address"].max_length == 2000


def test_the_search_indexes_cover_what_the_big_lists_search():
    from resources.company_directory.schemas import COMPANY, CONTACT, PHONEBOOK_ENTRY
    from resources.store.list_indexes import SEARCHED_COLUMNS

    for schema in (PHONEBOOK_ENTRY, COMPANY, CONTACT):
        searched = tuple(column.name for column in schema.searchable())
        assert SEARCHED_COLUMNS[schema.model] == searched, schema.model.__name__


def test_searched_fields_are_text_so_one_joined_text_can_be_searched():
    for schema, _form, _api in ENTITIES:
        for column in schema.searchable():
            assert isinstance(column, peewee.CharField | peewee.TextField), (schema.entity, column)
