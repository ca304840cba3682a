"""The connection test's real round trip: OPTIONS and PROPFIND on the resource URL,
run through the DAV application in-process as that login. A given password is checked
against the stored one, not sent through Basic auth: the administrator's test never
counts as a failed sign-in of the phone, nor as the login's use."""

from __future__ import annotations

import io
from urllib.parse import unquote

from davserver.dav.auth import TRUSTED_LOGIN_KEY
from resources.auth.credentials import password_matches
from resources.error_codes import sentence
from resources.organisation.connection_test import Check
from resources.organisation.url_generator import calendar_path

_PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:">'
    b"<D:prop><D:resourcetype/><D:current-user-principal/></D:prop></D:propfind>"
)


def _call(app, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "/dav",
        "PATH_INFO": path[len("/dav") :],
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "localhost",
    }
    environ.update(headers)
    status: list[str] = []

    def start_response(line, _headers, exc_info=None):
        status.append(line)

    for _chunk in app(environ, start_response):
        pass
    return int(status[0].split(" ", 1)[0]) if status else 500


def make_round_trip(dav_app):
    """A round-trip function for resources.organisation.connection_test.run_connection_test."""

    def round_trip(username: str, slug: str, password: str | None) -> list[Check]:
        path = unquote(calendar_path(username, slug))
        as_login = {TRUSTED_LOGIN_KEY: username}
        checks = []
        options = _call(dav_app, "OPTIONS", path, as_login)
        checks.append(
            Check(
                "options",
                options == 200,
                sentence("check_options")
                if options == 200
                else sentence("check_options_failed", status=options),
            )
        )
        propfind = _call(
            dav_app,
            "PROPFIND",
            path,
            {**as_login, "HTTP_DEPTH": "0", "CONTENT_TYPE": "application/xml"},
            _PROPFIND,
        )
        checks.append(
            Check(
                "propfind",
                propfind == 207,
                sentence("check_propfind")
                if propfind == 207
                else sentence("check_propfind_failed", status=propfind),
            )
        )
        if password is not None:
            matches = password_matches(username, password)
            checks.append(
                Check(
                    "password",
                    matches,
                    sentence("check_password_correct" if matches else "check_password_wrong"),
                )
            )
        return checks

    return round_trip
