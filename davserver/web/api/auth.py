"""Signing in to the API: HTTP Basic with a user account (RFC 7617). Every route needs
role admin, except the self-service routes of the `me` blueprint."""

from __future__ import annotations

import hmac
import logging

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from davserver.client_address import client_address
from davserver.dav.auth import parse_basic
from davserver.web.api.errors import ApiError
from davserver.web.api.settings import SETTINGS_KEY
from resources.auth import admin_sessions
from resources.auth.login_throttle import API, LoginThrottle
from resources.errors import CredentialRefused
from resources.organisation.accounts import authenticate_account
from resources.store.organisation import UserAccount

log = logging.getLogger("davserver.api.auth")

REALM = "davserver API"
SELF_SERVICE_BLUEPRINTS = frozenset({"me", "imports", "bookings"})  # each checks who may
# Bodies a form of another site cannot send without a CORS preflight (never granted).
CROSS_SITE_SAFE_TYPES = frozenset({"application/json", "text/calendar", "text/vcard"})
THROTTLE_KEY = "davserver.api_login_throttle"


def make_throttle(settings) -> LoginThrottle:
    return LoginThrottle(
        getattr(settings, "login_failures_per_user", 10),
        getattr(settings, "login_failures_per_address", 100),
        scope=API,
    )


def _unauthorized() -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        "Sign in with the login and password of your user account.",
        {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
    )


SESSION_COOKIE = "davserver_admin"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session_account() -> UserAccount | None:
    """The account of the admin UI's session cookie, if it carries a valid one.

    Writes with a session need the session's CSRF token in X-CSRF-Token, since a
    browser sends the cookie with requests other sites make it send."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    serializer = SecureCookieSessionInterface().get_signing_serializer(current_app)
    try:
        data = serializer.loads(  # type: ignore[union-attr]
            cookie, max_age=int(current_app.permanent_session_lifetime.total_seconds())
        )
    except BadSignature:
        return None
    if admin_sessions.session_account_id(data.get("session_id")) != data.get("account_id"):
        return None  # signed out, or older than the session limit
    account = UserAccount.get_or_none(UserAccount.id == data.get("account_id"))
    if account is None or not account.active or account.auth_version != data.get("auth_version"):
        return None
    if request.method not in SAFE_METHODS:
        token = request.headers.get(CSRF_HEADER, "")
        if not token or not hmac.compare_digest(token, str(data.get("csrf_token", ""))):
            raise ApiError(403, "csrf", "Send the session's CSRF token in the X-CSRF-Token header.")
    return account


def _signed_in_account() -> UserAccount:
    pair = parse_basic(request.headers.get("Authorization", ""))
    if pair is None:
        account = _session_account()
        if account is None:
            raise _unauthorized()
        return account
    login, password = pair
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    address = client_address(request.environ, current_app.extensions[SETTINGS_KEY].trust_proxy)
    retry_after = throttle.retry_after(login, address)
    if retry_after is not None:
        log.info("API sign-in throttled for %r from %s", login, address)
        raise ApiError(
            429,
            "too_many_attempts",
            "Too many failed sign-ins; wait a few minutes.",
            {"Retry-After": str(retry_after)},
        )
    try:
        account = authenticate_account(login, password)
    except CredentialRefused as refusal:
        throttle.failed(login, address)
        log.info("API sign-in refused for %r from %s: %s", login, address, refusal.reason_code)
        raise _unauthorized() from None
    throttle.succeeded(login, address)
    return account


def _refuse_cross_site_posts() -> None:
    """A browser that cached Basic credentials sends them with any site's form POST,
    with or without a body. Forms cannot send application/json, so every POST signed
    in with Basic must say it (sessions send the CSRF token instead). PUT, PATCH and
    DELETE cannot come from another site at all without a CORS preflight, which this
    API never grants."""
    if request.method == "POST" and request.mimetype not in CROSS_SITE_SAFE_TYPES:
        raise ApiError(
            400,
            "wrong_content_type",
            "Send POST requests with Content-Type: application/json, even without a body.",
        )


def sign_in() -> None:
    """before_request: put the signed-in account into `g.account`, or refuse."""
    account = _signed_in_account()
    if "Authorization" in request.headers:
        _refuse_cross_site_posts()
    g.account = account
    if request.blueprint not in SELF_SERVICE_BLUEPRINTS and account.role != "admin":
        log.info("API request by %r refused: not an administrator", account.login)
        raise ApiError(403, "forbidden", "Only administrators may use this part of the API.")


def actor() -> str:
    """The signed-in account's login, for the audit log."""
    return g.account.login


def signed_in_account() -> UserAccount:
    return g.account
