"""/v1/companies: the company directory's companies (seed 000), filtered by category
and active; a change reaches every exported contact's vCard in the company book."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    BOOL,
    ID_ROUTE,
    TEXT,
    Field,
    listing,
    query_bool,
    query_choice,
    read_fields,
)
from resources.company_directory import directory
from resources.store.directory import Company

blueprint = Blueprint("companies", __name__, url_prefix="/v1/companies")

FIELDS = (
    Field("name", TEXT, required=True),
    Field("category", TEXT),
    Field("street", TEXT),
    Field("postal_code", TEXT),
    Field("city", TEXT),
    Field("country", TEXT),
    Field("phone", TEXT),
    Field("website", TEXT),
    Field("active", BOOL),
)


def company_json(company: Company) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "category": company.category,
        "street": company.street,
        "postal_code": company.postal_code,
        "city": company.city,
        "country": company.country,
        "phone": company.phone,
        "website": company.website,
        "active": company.active,
    }


@blueprint.get("")
def list_companies() -> ResponseReturnValue:
    """?category=customer|supplier|partner|other and ?active=true|false narrow the list."""
    found = directory.list_companies(
        category=query_choice("category", directory.CATEGORIES), active=query_bool("active")
    )
    return listing(found, company_json)


@blueprint.post("")
def create_company() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    company = directory.create_company(actor=actor(), **values)
    return company_json(company), 201, {"Location": url_for(".get_company", company_id=company.id)}


@blueprint.get(f"/<{ID_ROUTE}:company_id>")
def get_company(company_id: int) -> ResponseReturnValue:
    return company_json(directory.get_company(company_id))


@blueprint.patch(f"/<{ID_ROUTE}:company_id>")
def update_company(company_id: int) -> ResponseReturnValue:
    directory.get_company(company_id)
    changes = read_fields(FIELDS, creating=False)
    return company_json(directory.update_company(company_id, changes, actor=actor()))


@blueprint.delete(f"/<{ID_ROUTE}:company_id>")
def delete_company(company_id: int) -> ResponseReturnValue:
    """Deletes its contact persons too, and takes them out of the company book."""
    directory.delete_company(company_id, actor=actor())
    return "", 204
