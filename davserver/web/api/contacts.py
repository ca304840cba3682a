"""/v1/contacts: contact persons of the company directory (seed 000) with their own
"export via CardDAV" switch; PATCH {"export_carddav": bool} turns export on or off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee
from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from davserver.web.api.json_io import ID_MAX, ID_MIN, query_bool, query_int, unprocessable
from resources.company_directory import directory, synced_contacts
from resources.company_directory.schemas import CONTACT
from resources.store.directory import ContactPerson

blueprint = Blueprint("contacts", __name__, url_prefix="/v1/contacts")


def contact_json(contact: ContactPerson, origins: dict[int, str] | None = None) -> dict[str, Any]:
    """`source` S with the connection's name as `origin` for a synced one (read-only but
    for what synced_contacts allows), M for a hand-made one."""
    if origins is None:
        origins = synced_contacts.contact_origins([contact.id])
    origin = origins.get(contact.id, "")
    emails = contact.emails.splitlines()
    return {
        "id": contact.id,
        "source": "S" if origin else "M",
        "origin": origin,
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


def _page_json(contacts: Sequence[ContactPerson]) -> list[dict[str, Any]]:
    origins = synced_contacts.contact_origins([contact.id for contact in contacts])
    return [contact_json(contact, origins) for contact in contacts]


def _filters() -> list[peewee.Node]:
    """?company=<id> and ?export_carddav=true|false narrow the list."""
    conditions: list[peewee.Node] = []
    company = query_int("company", 0, lowest=ID_MIN, highest=ID_MAX) or None
    if company is not None:
        conditions.append(ContactPerson.company == company)
    exported = query_bool("export_carddav")
    if exported is not None:
        conditions.append(ContactPerson.export_carddav == exported)
    return conditions


def _create(values: dict[str, Any], actor: str) -> ContactPerson:
    """Without `export_carddav`, export follows the company's category (see directory)."""
    company = values.pop("company")
    return directory.create_contact(company, actor=actor, **values)


API = EntityApi(
    "contact",
    CONTACT,
    contact_json,
    find=directory.get_contact,
    create=_create,
    update=lambda contact, changes, actor: directory.update_contact(
        contact.id, changes, actor=actor
    ),
    delete=lambda contact, actor: directory.delete_contact(contact.id, actor=actor),
    filters=_filters,
    page_to_json=_page_json,
    to_domain=_domain_names,
)
register(blueprint, API)
