"""Service credentials (the logins phones use): the list with badges, the form whose
user name is fixed once saved, a new password generated and shown once or typed by
the administrator, the URL panel (calendar and address book URLs) and the connection
test, whose result page is reached by POST-redirect-GET."""

from __future__ import annotations

import time
from dataclasses import dataclass

import peewee
from flask import Blueprint, Response, request, session, url_for

from davserver.connection_round_trip import password_verdict
from davserver.web.admin import onboarding
from davserver.web.admin.choices import (
    CREDENTIAL_KIND_LABELS,
    SERVICE_CLASS_LABELS,
    account_choices,
    branch_choices,
    label,
)
from davserver.web.admin.context import public_base, settings
from davserver.web.admin.crud import Column, columns, delete_record, form_page, list_view, save_form
from davserver.web.admin.forms import FormState, blank, filled, form_fields
from davserver.web.admin.i18n import N_, _, format_moment
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.auth import credentials, login_throttle, passwords
from resources.auth.access import CALDAV, branch_today, service_classes, validity_decision
from resources.auth.schemas import CREDENTIAL
from resources.organisation.connection_test import ConnectionTestResult
from resources.organisation.url_generator import resource_url
from resources.store.organisation import ServiceCredential, UserAccount

blueprint = Blueprint("credentials", __name__, url_prefix="/credentials")

FIELDS = form_fields(
    CREDENTIAL,
    {"account": account_choices, "branch": branch_choices},
    {"kind": CREDENTIAL_KIND_LABELS, "service_classes": SERVICE_CLASS_LABELS},
)


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str  # "ok", "warn" or "bad"


def badges(credential: ServiceCredential) -> list[Badge]:
    """Confirmed, valid now / expired / not yet valid, password set, last used."""
    shown = [
        Badge(_("confirmed"), "ok") if credential.confirmed else Badge(_("not confirmed"), "bad")
    ]
    branch = credential.branch if credential.branch_id else None
    validity = validity_decision(credential, branch_today(branch))
    shown.append(
        {
            "ok": Badge(_("valid now"), "ok"),
            "expired": Badge(_("expired"), "bad"),
            "not_yet_valid": Badge(_("not yet valid"), "warn"),
        }[validity.code]
    )
    shown.append(
        Badge(_("password set"), "ok")
        if credential.password_hash
        else Badge(_("no password"), "bad")
    )
    if credential.last_used:
        shown.append(Badge(_("last used %(when)s", when=format_moment(credential.last_used)), "ok"))
    else:
        shown.append(Badge(_("never used"), "warn"))
    return shown


def classes_text(credential: ServiceCredential) -> str:
    return ", ".join(label(SERVICE_CLASS_LABELS, c) for c in sorted(service_classes(credential)))


@blueprint.get("", endpoint="index")
def credential_list() -> Response:
    view = list_view(
        CREDENTIAL,
        "credentials.index",
        columns(
            CREDENTIAL,
            Column(N_("User name"), "username"),
            Column(N_("User account")),
            Column(N_("Service class")),
            Column(N_("State")),
        ),
        empty=N_("No logins yet."),
        query=ServiceCredential.select(ServiceCredential, UserAccount).join(
            UserAccount, peewee.JOIN.LEFT_OUTER
        ),
    )
    return render(
        "admin/credentials.html",
        view=view,
        badges=badges,
        classes_text=classes_text,
    )


def _new_page(state: FormState) -> Response:
    return form_page(_("New login"), FIELDS, state, cancel=url_for("credentials.index"))


def _create(values: dict):
    username, classes = values.pop("username"), tuple(values.pop("service_classes"))
    return credentials.create_credential(
        username, None, service_classes_=classes, actor=actor(), **values
    )


def _created(credential) -> Response:
    notice(N_("The login %(name)s is saved. Now give it a password."), name=credential.username)
    return back_to("credentials.edit", username=credential.username)


@blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
def new_credential() -> Response:
    return save_form(FIELDS, blank(FIELDS), _create, saved=False, done=_created, page=_new_page)


def credential_page(
    credential: ServiceCredential, state: FormState | None = None, **panels
) -> Response:
    """The saved login: its settings, password, URL panel and test (whatever was just done)."""
    state = state or filled(FIELDS, _record_values(credential))
    wanted = panels.pop("resource", None) or request.args.get("resource")
    panel = onboarding.url_panel(credential, public_base(), wanted, usable_only=False)
    status = 422 if state.errors or panels.get("password_errors") else 200
    response = form_page(
        credential.username,
        FIELDS,
        state,
        saved=True,
        template="admin/credential.html",
        credential=credential,
        badges=badges(credential),
        panel=panel,
        delete_action=url_for("credentials.delete", username=credential.username),
        cancel=url_for("credentials.index"),
        check_label=onboarding.check_label,
        test_services=onboarding.testable_services(credential),
        test_service=panels.pop("service", None) or request.args.get("service") or "",
        form_action=url_for("credentials.edit", username=credential.username),
        lock=login_throttle.user_lock(
            login_throttle.DAV, credential.username, settings().login_failures_per_user
        ),
        **panels,
    )
    response.status_code = status
    return response


def _record_values(credential: ServiceCredential) -> dict:
    return {
        **credential.__data__,
        "account": credential.account_id,
        "branch": credential.branch_id,
        "service_classes": sorted(service_classes(credential)),
    }


@blueprint.route("/<username>", methods=["GET", "POST"], endpoint="edit")
def edit_credential(username: str) -> Response:
    credential = credentials.get_credential(username)

    def save(values):
        return credentials.update_credential(credential.username, values, actor=actor())

    def saved(changed) -> Response:
        notice(N_("The login %(name)s is saved."), name=changed.username)
        return back_to("credentials.edit", username=changed.username)

    return save_form(
        FIELDS,
        filled(FIELDS, _record_values(credential)),
        save,
        saved=True,
        done=saved,
        page=lambda state: credential_page(credential, state),
    )


@blueprint.post("/<username>/password", endpoint="password")
def new_password(username: str) -> Response:
    """ "Generate" shows a strong password once on this page; "set" takes a typed one."""
    credential = credentials.get_credential(username)
    if request.form.get("mode") == "generate":
        generated = passwords.generate_password()
        credentials.set_password(credential.username, generated, actor=actor())
        return credential_page(credentials.get_credential(username), generated_password=generated)
    typed, repeated = request.form.get("password", ""), request.form.get("password_repeat", "")
    errors = onboarding.password_errors(typed, repeated)
    if errors:
        return credential_page(credential, password_errors=errors)
    credentials.set_password(credential.username, typed, actor=actor())
    notice(N_("The new password of %(name)s is set."), name=credential.username)
    return back_to("credentials.edit", username=credential.username)


# The verdict on the password typed for the last test, kept in the session (a yes or
# no, never the password) so the result page can be reloaded and reached with Back.
TESTED_PASSWORD = "tested_password"
VERDICT_SECONDS = 600


def _test_service(credential: ServiceCredential, asked: str | None) -> str:
    """The service to test: the one asked for if the login has it, else its first."""
    services = onboarding.testable_services(credential) or [CALDAV]
    return asked if asked in services else services[0]


@blueprint.post("/<username>/test", endpoint="test")
def test(username: str) -> Response:
    """Check the typed password (if any), then show the test at its own address."""
    credential = credentials.get_credential(username)
    slug = request.form.get("resource", "")
    service = _test_service(credential, request.form.get("service"))
    password = request.form.get("password") or None
    session.pop(TESTED_PASSWORD, None)
    if password is not None:
        session[TESTED_PASSWORD] = {
            "username": credential.username,
            "auth_version": credential.auth_version,
            "ok": credentials.password_matches(credential.username, password),
            "at": time.time(),
        }
    query = {"service": service} | ({"resource": slug} if service == CALDAV else {})
    return back_to_result(credential.username, **query)


def back_to_result(username: str, **query: str) -> Response:
    response = back_to("credentials.test_result", username=username, **query)
    response.headers["Location"] += "#test-result"
    return response


@blueprint.get("/<username>/test", endpoint="test_result")
def test_result(username: str) -> Response:
    """The test's result page: the checks run now (they only read), with the verdict on
    the password typed a moment ago when there is one for this login."""
    credential = credentials.get_credential(username)
    service = _test_service(credential, request.args.get("service"))
    slug = request.args.get("resource", "") if service == CALDAV else ""
    result = onboarding.connection_test(credential.username, slug, None, service)
    verdict = _password_verdict(credential)
    if verdict is not None and result.ok:
        result = ConnectionTestResult([*result.checks, password_verdict(verdict)])
    return credential_page(credential, test_result=result, resource=slug, service=service)


def _password_verdict(credential: ServiceCredential) -> bool | None:
    kept = session.get(TESTED_PASSWORD)
    if (
        not isinstance(kept, dict)
        or kept.get("username") != credential.username
        or kept.get("auth_version") != credential.auth_version
        or not isinstance(kept.get("at"), int | float)
        or time.time() - kept["at"] > VERDICT_SECONDS
    ):
        return None
    return bool(kept.get("ok"))


@blueprint.post("/<username>/unlock", endpoint="unlock")
def unlock(username: str) -> Response:
    """Lift the lock that failed sign-ins put on the login (written to the audit log)."""
    credential = credentials.get_credential(username)
    credentials.unlock_login(credential.username, actor=actor())
    notice(
        N_("The login %(name)s is unlocked: phones may sign in again."), name=credential.username
    )
    return back_to("credentials.edit", username=credential.username)


@blueprint.get("/<username>/qr.svg", endpoint="qr")
def qr(username: str) -> Response:
    """?resource=slug: the calendar URL (refused with the reason); ?book=name: an address book."""
    credential = credentials.get_credential(username)
    book = request.args.get("book")
    if book is not None:
        return onboarding.qr_response(onboarding.qr_text(credential, public_base(), None, book))
    return onboarding.qr_response(
        resource_url(public_base(), credential.username, request.args.get("resource", ""))
    )


@blueprint.get("/<username>/profile.mobileconfig", endpoint="profile")
def profile(username: str) -> Response:
    """?resource=slug: the CalDAV account starts at that resource's calendar."""
    return onboarding.profile_response(
        credentials.get_credential(username), public_base(), request.args.get("resource")
    )


@blueprint.post("/<username>/delete", endpoint="delete")
def delete(username: str) -> Response:
    credential = credentials.get_credential(username)
    return delete_record(
        lambda: credentials.delete_credential(credential.username, actor=actor()),
        _("The login %(name)s is deleted.", name=credential.username),
        "credentials.index",
    )
