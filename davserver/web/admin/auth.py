"""Signing in and out of the admin UI, and the language switch."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from davserver.web.admin import security
from davserver.web.admin.i18n import LANGUAGES, SESSION_KEY, _
from davserver.web.admin.pages import render
from resources.errors import CredentialRefused
from resources.organisation.accounts import authenticate_account

log = logging.getLogger("davserver.admin.auth")
blueprint = Blueprint("auth", __name__)


def _home() -> str:
    account = security.signed_in_account()
    return url_for("dashboard.index" if account.role == "admin" else "me.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> WerkzeugResponse:
    if request.method == "GET":
        if security.signed_in_account() is not None:
            return redirect(_home(), code=303)
        return render(
            "admin/login.html", login_name="", error="", next=request.args.get("next", "")
        )
    login_name = request.form.get("login", "").strip()
    password = request.form.get("password", "")
    target = security.safe_next(request.form.get("next"))
    address = security.client_address()
    wait = security.throttle().retry_after(login_name, address)
    if wait is not None:
        log.info("admin sign-in throttled for %r from %s", login_name, address)
        minutes = max(1, (wait + 59) // 60)
        error = _(
            "Too many failed sign-ins. Please wait %(minutes)s minute(s) and try again.",
            minutes=minutes,
        )
        response = render(
            "admin/login.html", status=429, login_name=login_name, error=error, next=target or ""
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if not login_name or not password:
        error = _("Please enter your login and password.")
        return render(
            "admin/login.html", status=400, login_name=login_name, error=error, next=target or ""
        )
    try:
        account = authenticate_account(login_name, password)
    except CredentialRefused as refusal:
        security.throttle().failed(login_name, address)
        log.info(
            "admin sign-in refused for %r from %s: %s", login_name, address, refusal.reason_code
        )
        error = _("The login or the password is not right.")
        return render(
            "admin/login.html", status=401, login_name=login_name, error=error, next=target or ""
        )
    security.throttle().succeeded(login_name, address)
    security.sign_in(account)
    security.load_account()
    return redirect(target or _home(), code=303)


@blueprint.post("/logout")
def logout() -> WerkzeugResponse:
    security.sign_out()
    return redirect(url_for("auth.login"), code=303)


@blueprint.post("/language")
def language() -> WerkzeugResponse:
    """The language switch: remembered in the session, before and after sign-in."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen
    target = security.safe_next(request.form.get("next")) or url_for("auth.login")
    return redirect(target, code=303)


@blueprint.get("/")
def index() -> WerkzeugResponse:
    return redirect(_home(), code=303)
