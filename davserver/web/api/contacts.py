"""/v1/contacts: contact persons of the company directory (seed 000) with their own
"export via CardDAV" switch; PATCH {"export_carddav": bool} turns export on or off."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    BOOL,
    ID_MAX,
    ID_MIN,
    ID_ROUTE,
    REF,
    TEXT,
    TEXTS,
    Field,
    listing,
    query_bool,
    query_int,
    read_fields,
    unprocessable,
)
from resources.company_directory import directory
from resources.store.directory import Company, ContactPerson

blueprint = Blueprint("contacts", __name__, url_prefix="/v1/contacts")

FIELDS = (
    Field("company", REF, required=True, refers_to=Company, label="company"),
    Field("salutation", TEXT),
    Field("title", TEXT),
    Field("first_name", TEXT),
    Field("last_name", TEXT),
    Field("position", TEXT),
    Field("department", TEXT),
    Field("email", TEXT),  # one address; or
    Field("emails", TEXTS),  # every address, the first is the main one
    Field("phone_work", TEXT),
    Field("phone_mobile", TEXT),
    Field("phone_fax", TEXT),
    Field("active", BOOL),
    Field("export_carddav", BOOL),
)


def contact_json(contact: ContactPerson) -> dict[str, Any]:
    emails = contact.emails.splitlines()
    return {
        "id": contact.id,
        "company": contact.company_id,
        "salutation": contact.salutation,
        "title": contact.title,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "position": contact.position,
        "department": contact.department,
        "email": emails[0] if emails else "",
        "emails": emails,
        "phone_work": contact.phone_work,
        "phone_mobile": contact.phone_mobile,
        "phone_fax": contact.phone_fax,
        "active": contact.active,
        "export_carddav": contact.export_carddav,
    }


def _domain_names(values: dict[str, Any]) -> dict[str, Any]:
    """`email` (one address) and `emails` (a list) both set the domain's `emails`."""
    if "email" in values:
        if "emails" in values:
            raise unprocessable("invalid_value", "Send either 'email' or 'emails', not both.")
        values["emails"] = [values.pop("email")]
    return values


@blueprint.get("")
def list_contacts() -> ResponseReturnValue:
    """?company=<id> and ?export_carddav=true|false narrow the list."""
    company = query_int("company", 0, lowest=ID_MIN, highest=ID_MAX) or None
    found = directory.list_contacts(company=company, export_carddav=query_bool("export_carddav"))
    return listing(found, contact_json)


@blueprint.post("")
def create_contact() -> ResponseReturnValue:
    """Without `export_carddav`, export follows the company's category (see directory)."""
    values = _domain_names(read_fields(FIELDS, creating=True))
    company = values.pop("company")
    contact = directory.create_contact(company, actor=actor(), **values)
    return contact_json(contact), 201, {"Location": url_for(".get_contact", contact_id=contact.id)}


@blueprint.get(f"/<{ID_ROUTE}:contact_id>")
def get_contact(contact_id: int) -> ResponseReturnValue:
    return contact_json(directory.get_contact(contact_id))


@blueprint.patch(f"/<{ID_ROUTE}:contact_id>")
def update_contact(contact_id: int) -> ResponseReturnValue:
    directory.get_contact(contact_id)
    changes = _domain_names(read_fields(FIELDS, creating=False))
    return contact_json(directory.update_contact(contact_id, changes, actor=actor()))


@blueprint.delete(f"/<{ID_ROUTE}:contact_id>")
def delete_contact(contact_id: int) -> ResponseReturnValue:
    directory.delete_contact(contact_id, actor=actor())
    return "", 204
