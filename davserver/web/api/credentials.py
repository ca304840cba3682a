"""/v1/credentials: service credentials by username (never renamed), their password,
their resource-specific URL and the connection test."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.connection_round_trip import make_address_book_round_trip, make_round_trip
from davserver.web.api.auth import actor
from davserver.web.api.entity_routes import EntityApi, register
from davserver.web.api.json_io import (
    TEXT,
    Field,
    iso_date,
    iso_moment,
    query_text,
    read_fields,
    unprocessable,
)
from davserver.web.api.settings import dav_app, public_base, settings
from resources.auth import credentials, passwords
from resources.auth.access import CALDAV, service_classes
from resources.auth.schemas import CREDENTIAL
from resources.organisation.connection_test import SERVICES, run_connection_test
from resources.organisation.resource_calendars import get_resource
from resources.organisation.url_generator import resource_url
from resources.store.organisation import ServiceCredential

blueprint = Blueprint("credentials", __name__, url_prefix="/v1/credentials")

PASSWORD_FIELDS = (Field("password", TEXT),)
TEST_FIELDS = (Field("service", TEXT), Field("resource", TEXT), Field("password", TEXT))
NO_STORE = {"Cache-Control": "no-store"}


def credential_json(credential: ServiceCredential) -> dict[str, Any]:
    return {
        "username": credential.username,
        "display_name": credential.display_name,
        "kind": credential.kind,
        "user": credential.account_id,
        "branch": credential.branch_id,
        "service_classes": sorted(service_classes(credential)),
        "valid_from": iso_date(credential.valid_from),
        "valid_until": iso_date(credential.valid_until),
        "confirmed": credential.confirmed,
        "password_set": credential.password_hash is not None,
        "last_used": iso_moment(credential.last_used),
        "last_refusal": credential.last_refusal,
    }


def _create(values: dict[str, Any], actor: str) -> ServiceCredential:
    username, password = values.pop("username"), values.pop("password", None)
    if "service_classes" in values:
        values["service_classes_"] = tuple(values.pop("service_classes"))
    return credentials.create_credential(username, password, actor=actor, **values)


API = EntityApi(
    "credential",
    CREDENTIAL,
    credential_json,
    find=credentials.get_credential,
    create=_create,
    update=lambda credential, changes, actor: credentials.update_credential(
        credential.username, changes, actor=actor
    ),
    delete=lambda credential, actor: credentials.delete_credential(
        credential.username, actor=actor
    ),
    key="username",
)
register(blueprint, API)


@blueprint.post("/<username>/password")
def set_password(username: str) -> ResponseReturnValue:
    """{"password": ...} sets it; {} generates a strong one, shown in this answer only."""
    credential = credentials.get_credential(username)
    values = read_fields(PASSWORD_FIELDS, creating=True)
    generated = "password" not in values
    password = passwords.generate_password() if generated else values["password"]
    credentials.set_password(credential.username, password, actor=actor())
    answer = {"username": credential.username, "password_set": True, "generated": generated}
    if generated:
        answer["password"] = password
    return answer, 200, NO_STORE


@blueprint.get("/<username>/url")
def calendar_url(username: str) -> ResponseReturnValue:
    """?resource=slug -> the URL to type into the phone, or 409 naming the reason."""
    credential = credentials.get_credential(username)
    slug = query_text("resource")
    get_resource(slug)
    return {"url": resource_url(public_base(), credential.username, slug)}


@blueprint.post("/<username>/test")
def connection_test(username: str) -> ResponseReturnValue:
    """{"resource": slug} tests appointment sync on that resource (service "caldav", the
    default); {"service": "carddav"} tests contacts on the login's address books."""
    values = read_fields(TEST_FIELDS, creating=True)
    service = values.get("service", CALDAV)
    if service not in SERVICES:
        raise unprocessable("invalid_value", "'service' must be one of caldav, carddav.")
    if service == CALDAV and "resource" not in values:
        raise unprocessable("missing_field", "Required field(s) missing: resource.")
    dav = dav_app()
    result = run_connection_test(
        username,
        values.get("resource", ""),
        service=service,
        password=values.get("password"),
        round_trip=make_round_trip(dav),
        address_book_round_trip=make_address_book_round_trip(dav),
        failures_per_user=settings().login_failures_per_user,
    )
    return (
        {"ok": result.ok, "checks": [check_json(check) for check in result.checks]},
        200,
        NO_STORE,
    )


def check_json(check) -> dict[str, Any]:
    """One check; the lock-out check also says when the lock ends (`locked_until`, UTC)."""
    answer = {"check": check.check, "ok": check.ok, "message": check.message}
    if check.until is not None:
        answer["locked_until"] = iso_moment(check.until)
    return answer


@blueprint.post("/<username>/unlock")
def unlock(username: str) -> ResponseReturnValue:
    """Lift the lock failed sign-ins put on the login; the audit log records who did."""
    credential = credentials.get_credential(username)
    forgotten = credentials.unlock_login(credential.username, actor=actor())
    return (
        {"username": credential.username, "unlocked": True, "failures_forgotten": forgotten},
        200,
        NO_STORE,
    )
