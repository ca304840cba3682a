"""My account: self-service for every signed-in account (seed 003: users set the
password of their own logins): their logins, URL and QR code per resource, the
configuration profile, a new login password, and their own sign-in password."""

from __future__ import annotations

from flask import Blueprint, Response, request

from davserver.web.admin import onboarding
from davserver.web.admin.context import public_base
from davserver.web.admin.credentials import badges, classes_text
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import (
    actor,
    client_address,
    refresh_sign_in,
    signed_in_account,
    throttle,
)
from resources.auth import credentials
from resources.errors import CredentialRefused, NotFound
from resources.organisation import accounts
from resources.store.organisation import ServiceCredential

blueprint = Blueprint("me", __name__, url_prefix="/me")


def own_logins() -> list[ServiceCredential]:
    account = signed_in_account()
    return list(
        ServiceCredential.select()
        .where(ServiceCredential.account == account.id)
        .order_by(ServiceCredential.username_key)
    )


def own_login(username: str) -> ServiceCredential:
    """The signed-in account's login; another account's answers as if it did not exist."""
    credential = credentials.find_credential(username)
    if credential is None or credential.account_id != signed_in_account().id:
        raise NotFound(_("You have no login named %(name)s.", name=username))
    return credential


@blueprint.get("", endpoint="index")
def index() -> Response:
    return _overview()


def _overview(errors: dict[str, str] | None = None) -> Response:
    return render(
        "admin/me.html",
        status=422 if errors else 200,
        logins=own_logins(),
        badges=badges,
        classes_text=classes_text,
        errors=errors or {},
    )


@blueprint.get("/logins/<username>", endpoint="login")
def login_page(username: str, **panels) -> Response:
    credential = own_login(username)
    panel = onboarding.url_panel(
        credential, public_base(), request.args.get("resource"), usable_only=True
    )
    status = 422 if panels.get("password_errors") else 200
    return render(
        "admin/my_login.html",
        status=status,
        credential=credential,
        badges=badges(credential),
        panel=panel,
        **panels,
    )


@blueprint.post("/logins/<username>/password", endpoint="login_password")
def set_login_password(username: str) -> Response:
    credential = own_login(username)
    typed, repeated = request.form.get("password", ""), request.form.get("password_repeat", "")
    errors = onboarding.password_errors(typed, repeated)
    if errors:
        return login_page(credential.username, password_errors=errors)
    credentials.set_password(credential.username, typed, actor=actor())
    notice(
        N_("The new password of %(name)s is set. Enter it on your phone."), name=credential.username
    )
    return back_to("me.login", username=credential.username)


@blueprint.get("/logins/<username>/qr.svg", endpoint="qr")
def qr(username: str) -> Response:
    credential = own_login(username)
    if request.args.get("book") is not None:
        text = onboarding.qr_text(credential, public_base(), None, request.args["book"])
        return onboarding.qr_response(text)
    panel = onboarding.url_panel(
        credential, public_base(), request.args.get("resource"), usable_only=True
    )
    if panel.selected is None or panel.selected.slug != request.args.get("resource"):
        raise NotFound(_("There is no such calendar for this login."))
    return onboarding.qr_response(panel.selected.url)  # type: ignore[arg-type]


@blueprint.get("/logins/<username>/profile.mobileconfig", endpoint="profile")
def profile(username: str) -> Response:
    return onboarding.profile_response(
        own_login(username), public_base(), request.args.get("resource")
    )


@blueprint.post("/password", endpoint="password")
def sign_in_password() -> Response:
    """The account's own password for signing in here; the current one is asked first."""
    account = signed_in_account()
    current = request.form.get("current_password", "")
    typed, repeated = request.form.get("password", ""), request.form.get("password_repeat", "")
    if throttle().retry_after(account.login, client_address()) is not None:
        return _overview(
            {"current_password": _("Too many wrong passwords. Please wait a few minutes.")}
        )
    try:
        accounts.authenticate_account(account.login, current)
    except CredentialRefused:
        throttle().failed(account.login, client_address())
        return _overview({"current_password": _("This is not your current password.")})
    errors = onboarding.password_errors(typed, repeated)
    if errors:
        return _overview(errors)
    changed = accounts.update_account(account.id, {"password": typed}, actor=actor())
    refresh_sign_in(changed)
    notice(N_("Your password for signing in here is changed."))
    return back_to("me.index")
