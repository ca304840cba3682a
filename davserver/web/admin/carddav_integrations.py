"""CardDAV integrations (seed 000) in the admin UI: the list, a new integration for a
user account (its generated password shown once, on the page that made it), and each
integration's own screen with the full address book URL, its QR code and the test."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from davserver.web.admin.choices import account_choices
from davserver.web.admin.context import public_base
from davserver.web.admin.crud import form_page, save_form
from davserver.web.admin.forms import Field, FormState, blank
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import render
from davserver.web.admin.security import actor
from resources.auth import credentials
from resources.auth.access import CARDDAV, service_classes
from resources.company_directory import carddav_integration
from resources.errors import NotFound
from resources.store.organisation import ServiceCredential

blueprint = Blueprint("carddav_integrations", __name__, url_prefix="/carddav-integrations")

FIELDS = (
    Field(
        "account",
        N_("User account"),
        kind="ref",
        required=True,
        choices=account_choices,
        help=N_("The integration gets its own login with a generated password."),
    ),
)


def _integration(username: str) -> ServiceCredential:
    credential = credentials.get_credential(username)
    if not credential.integration:
        raise NotFound(code="no_such_carddav_integration")
    return credential


def _book_url(credential: ServiceCredential) -> str | None:
    """None once CardDAV was taken from the login on its settings page."""
    if CARDDAV not in service_classes(credential):
        return None
    return carddav_integration.company_book_url(public_base(), credential.username)


@blueprint.get("", endpoint="index")
def integration_list() -> Response:
    return render(
        "admin/carddav_integrations.html",
        integrations=carddav_integration.integrations(),
        book_url=_book_url,
    )


def _new_page(state: FormState) -> Response:
    return form_page(
        _("New CardDAV integration"),
        FIELDS,
        state,
        cancel=url_for("carddav_integrations.index"),
    )


@blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
def new_integration() -> Response:
    def create(values: dict) -> carddav_integration.Integration:
        return carddav_integration.create_integration(
            values["account"], public_base(), actor=actor()
        )

    def created(made: carddav_integration.Integration) -> Response:
        return integration_page(_integration(made.username), generated_password=made.password)

    return save_form(FIELDS, blank(FIELDS), create, saved=False, done=created, page=_new_page)


def integration_page(credential: ServiceCredential, **extra) -> Response:
    return render(
        "admin/carddav_integration.html",
        title=credential.username,
        credential=credential,
        url=_book_url(credential),
        **extra,
    )


@blueprint.get("/<username>", endpoint="show")
def show_integration(username: str) -> Response:
    return integration_page(_integration(username))
