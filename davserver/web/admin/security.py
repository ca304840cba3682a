"""Sign-in for the admin UI: the session cookie (HttpOnly, SameSite=Lax, Secure behind
TLS), a CSRF token on every form, the signed-in account per request, throttled
sign-in attempts and who may open which page (role admin everything, role user only
"My account")."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from davserver.client_address import client_address as address_of
from davserver.web.admin.context import settings
from resources.auth import admin_sessions
from resources.auth.login_throttle import ADMIN, LoginThrottle
from resources.auth.server_secrets import shared_secret
from resources.store.organisation import UserAccount

log = logging.getLogger("davserver.admin.auth")

CSRF_FIELD = "csrf_token"
COOKIE_NAME = "davserver_admin"
SESSION_HOURS = admin_sessions.SESSION_HOURS
SESSION_ID = "session_id"
THROTTLE_KEY = "davserver.admin_login_throttle"
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.language", "static"})
# imports check the owner, bookings who may decide
SELF_SERVICE_BLUEPRINTS = frozenset({"auth", "me", "imports", "bookings"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfRefused(Exception):
    """A form arrived without the token of this session."""


class SignInNeeded(Exception):
    """The page needs a signed-in account."""


class AdminOnly(Exception):
    """The page is for administrators; the signed-in account is a plain user."""


class TlsAwareSessions(SecureCookieSessionInterface):
    """Sets the Secure flag whenever this request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request_is_tls()

    def get_cookie_path(self, app: Flask) -> str:
        # The mount's parent, so the JSON API beside /admin sees the session too.
        root = request.script_root or "/"
        return root[: -len("/admin")] or "/" if root.endswith("/admin") else root


def request_is_tls() -> bool:
    if request.scheme == "https":
        return True
    if settings().trust_proxy:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return forwarded == "https"
    return False


def configure_sessions(app: Flask) -> None:
    """Signed session cookies with the flags above, and the sign-in throttle."""
    # A configured key wins; otherwise one kept in the database, shared by every process.
    app.secret_key = settings(app).secret_key or shared_secret()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = TlsAwareSessions()
    app.extensions[THROTTLE_KEY] = LoginThrottle(
        settings(app).login_failures_per_user, settings(app).login_failures_per_address, scope=ADMIN
    )


def csrf_token() -> str:
    """This session's form token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """before_request: every unsafe request carries the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.form.get(CSRF_FIELD, "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.info(
            "admin form refused: missing or wrong CSRF token on %s %s", request.method, request.path
        )
        raise CsrfRefused()


def load_account() -> None:
    """before_request: `g.account` is the signed-in account; pages check the role."""
    g.account = _session_account()
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    if g.account is None:
        raise SignInNeeded()
    if g.account.role != "admin" and request.blueprint not in SELF_SERVICE_BLUEPRINTS:
        log.info(
            "admin page %s refused for %r: not an administrator", request.path, g.account.login
        )
        raise AdminOnly()


def _session_account() -> UserAccount | None:
    """The session's account while it is active and unchanged since sign-in."""
    account_id, version = session.get("account_id"), session.get("auth_version")
    if account_id is None:
        return None
    account = UserAccount.get_or_none(UserAccount.id == account_id)
    live = admin_sessions.session_account_id(session.get(SESSION_ID)) == account_id
    if account is None or not account.active or account.auth_version != version or not live:
        sign_out()
        return None
    return account


def sign_in(account: UserAccount) -> None:
    """A new session for the account (a new CSRF token too, against fixation)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session["account_id"] = account.id
    session["auth_version"] = account.auth_version
    session[SESSION_ID] = admin_sessions.start_session(account.id)
    csrf_token()


def refresh_sign_in(account: UserAccount) -> None:
    """Keep the session after the account's own password change."""
    session["auth_version"] = account.auth_version


def sign_out() -> None:
    """End the session here and in the database (a copy of the cookie dies too)."""
    admin_sessions.end_session(session.get(SESSION_ID))
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def throttle() -> LoginThrottle:
    return current_app.extensions[THROTTLE_KEY]


def client_address() -> str:
    """The address the sign-in limit counts (the trusted proxy's view, see davserver.client_address)."""
    return address_of(request.environ, settings().trust_proxy)


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after sign-in, or None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def signed_in_account() -> UserAccount:
    return g.account


def actor() -> str:
    """The signed-in account's login, for the audit log."""
    return g.account.login if g.get("account") is not None else "anonymous"
