"""HTTP Basic authentication of service credentials (RFC 7617) for the DAV tree.

Every refusal looks the same to the client (401, same body); the real reason goes
to the log for the operator.
"""

from __future__ import annotations

import base64
import binascii
import logging

from wsgidav.mw.base_mw import BaseMiddleware

from davserver.client_address import client_address
from resources.auth.credentials import authenticate, trusted_login
from resources.auth.login_throttle import DAV, LoginThrottle
from resources.errors import CredentialRefused

log = logging.getLogger("davserver.auth")

REALM = "davserver"
TRUSTED_LOGIN_KEY = "davserver.trusted_login"
_BODY_401 = b"401 Unauthorized: sign in with your user name and password.\n"


def parse_basic(header: str) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header, or None if malformed."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = raw.partition(":")
    if not colon or not user:
        return None
    return user, password


def unauthorized(start_response) -> list[bytes]:
    start_response(
        "401 Unauthorized",
        [
            ("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"'),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(_BODY_401))),
        ],
    )
    return [_BODY_401]


def too_many_attempts(start_response, retry_after: int) -> list[bytes]:
    body = b"429 Too Many Requests: too many failed sign-ins; wait a few minutes.\n"
    start_response(
        "429 Too Many Requests",
        [
            ("Retry-After", str(retry_after)),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def dav_throttle(settings) -> LoginThrottle:
    """The failed-login limits of the DAV tree (the phones' logins)."""
    return LoginThrottle(
        settings.login_failures_per_user, settings.login_failures_per_address, scope=DAV
    )


class BasicAuthenticator(BaseMiddleware):
    """Let a request in only with a valid credential; put the login into environ."""

    def __init__(self, wsgidav_app, next_app, config):
        super().__init__(wsgidav_app, next_app, config)
        settings = config["davserver.settings"]
        self.trust_proxy = settings.trust_proxy
        self.throttle = dav_throttle(settings)

    def __call__(self, environ, start_response):
        trusted = environ.get(TRUSTED_LOGIN_KEY)
        if trusted is not None:
            # Set only by the server's own connection test, never from a request:
            # WSGI turns request headers into HTTP_* keys.
            try:
                return self._admit(trusted_login(trusted), environ, start_response)
            except CredentialRefused:
                return unauthorized(start_response)
        credentials = parse_basic(environ.get("HTTP_AUTHORIZATION", ""))
        if credentials is None:
            return unauthorized(start_response)
        username, password = credentials
        address = client_address(environ, self.trust_proxy)
        retry_after = self.throttle.retry_after(username, address)
        if retry_after is not None:
            log.info("login throttled for %r from %s", username, address)
            return too_many_attempts(start_response, retry_after)
        try:
            login = authenticate(username, password)
        except CredentialRefused as refusal:
            self.throttle.failed(username, address)
            log.info("login refused for %r from %s: %s", username, address, refusal.reason_code)
            return unauthorized(start_response)
        self.throttle.succeeded(username, address)
        return self._admit(login, environ, start_response)

    def _admit(self, login, environ, start_response):
        environ["davserver.login"] = login
        environ["wsgidav.auth.user_name"] = login.username
        environ["wsgidav.auth.realm"] = REALM
        return self.next_app(environ, start_response)
