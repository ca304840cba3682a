"""/v1/companies: the company directory's companies (seed 000), filtered by category
and active; a change reaches every exported contact's vCard in the company book."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee
from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from davserver.web.api.json_io import query_bool, query_choice
from resources.company_directory import directory, synced_contacts
from resources.company_directory.schemas import COMPANY
from resources.store.directory import Company

blueprint = Blueprint("companies", __name__, url_prefix="/v1/companies")


def company_json(company: Company, origins: dict[int, str] | None = None) -> dict[str, Any]:
    """`source` S with the connection's name as `origin` for a synced one (read-only but
    for what synced_contacts allows), M for a hand-made one."""
    if origins is None:
        origins = synced_contacts.company_origins([company.id])
    origin = origins.get(company.id, "")
    return {
        "id": company.id,
        "source": "S" if origin else "M",
        "origin": origin,
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


def _page_json(companys: Sequence[Company]) -> list[dict[str, Any]]:
    origins = synced_contacts.company_origins([company.id for company in companys])
    return [company_json(company, origins) for company in companys]


def _filters() -> list[peewee.Node]:
    """?category=customer|supplier|partner|other and ?active=true|false narrow the list."""
    conditions: list[peewee.Node] = []
    category = query_choice("category", directory.CATEGORIES)
    if category is not None:
        conditions.append(Company.category == category)
    active = query_bool("active")
    if active is not None:
        conditions.append(Company.active == active)
    return conditions


API = EntityApi(
    "company",
    COMPANY,
    company_json,
    find=directory.get_company,
    create=lambda values, actor: directory.create_company(actor=actor, **values),
    update=lambda company, changes, actor: directory.update_company(
        company.id, changes, actor=actor
    ),
    # Deletes its contact persons too, and takes them out of the company book.
    delete=lambda company, actor: directory.delete_company(company.id, actor=actor),
    filters=_filters,
    page_to_json=_page_json,
)
register(blueprint, API)
