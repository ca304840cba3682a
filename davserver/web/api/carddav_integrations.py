"""/v1/carddav-integrations: CardDAV logins for one user account that see exactly the
company address book (seed 000); the generated password is in the creating answer only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    REF,
    Field,
    iso_moment,
    list_request,
    page_json,
    read_fields,
)
from davserver.web.api.settings import public_base
from resources.auth.access import service_classes
from resources.auth.schemas import CREDENTIAL
from resources.company_directory import carddav_integration
from resources.store.listing import page_of
from resources.store.organisation import ServiceCredential, UserAccount

blueprint = Blueprint("carddav_integrations", __name__, url_prefix="/v1/carddav-integrations")

FIELDS = (Field("user", REF, required=True, refers_to=UserAccount, label="user account"),)
NO_STORE = {"Cache-Control": "no-store"}


def integration_json(credential: ServiceCredential) -> dict[str, Any]:
    return {
        "username": credential.username,
        "user": credential.account_id,
        "url": _company_book_url(credential),
        "last_used": iso_moment(credential.last_used),
    }


def _company_book_url(credential: ServiceCredential) -> str | None:
    """None once CardDAV was taken from the login (through /v1/credentials)."""
    if "carddav" not in service_classes(credential):
        return None
    return carddav_integration.company_book_url(public_base(), credential.username)


@blueprint.get("")
def list_integrations() -> ResponseReturnValue:
    """Paged like every list: ?q=, ?sort=, ?limit=, ?after=."""
    page = page_of(
        ServiceCredential.select().where(ServiceCredential.integration),
        list_request(),
        sort_columns=CREDENTIAL.sort_columns(),
        default_sort=CREDENTIAL.default_sort,
        search_columns=CREDENTIAL.searchable(),
    )
    return page_json(page, integration_json)


@blueprint.post("")
def create_integration() -> ResponseReturnValue:
    """{"user": account id} -> {"username", "password", "url"}; switches the company book on."""
    account = read_fields(FIELDS, creating=True)["user"]
    made = carddav_integration.create_integration(account, public_base(), actor=actor())
    headers = {
        **NO_STORE,
        "Location": url_for("credentials.get_credential", key=made.username),
    }
    return {"username": made.username, "password": made.password, "url": made.url}, 201, headers
