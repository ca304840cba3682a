"""The one WSGI application: /dav (CalDAV and CardDAV), /admin, /api, /.well-known
(RFC 6764 redirects), and a log line per request. Building it opens the database and
upgrades its schema.
"""

from __future__ import annotations

import logging
import time

import peewee

from davserver.caldav import outbox_post
from davserver.caldav import reports as caldav_reports
from davserver.carddav import reports as carddav_reports
from davserver.carddav import vcard_versions
from davserver.complete_answers import CompleteAnswers
from davserver.config import Settings
from davserver.dav.dav_app import StreamingAwareApp, build_dav_app
from davserver.dav.errors import database_refusal
from davserver.dav.urls import MOUNT
from davserver.health import HEALTH_PATH, health_check
from davserver.public_url import public_base
from davserver.request_path import (
    PathRejected,
    below_mount,
    check_utf8,
    decoded_options_path,
    resolve_dot_segments,
)
from davserver.secret_keys import open_secret_box
from davserver.web.admin_app import build_admin_app
from davserver.web.api_app import build_api_app
from resources.company_directory import upgrades  # noqa: F401  (registers directory upgrade steps)
from resources.company_directory.audience_cards import register_hooks as register_audience_hooks
from resources.connectors.catalogue import register_group_uses
from resources.formats import calendar_upgrades  # noqa: F401  (registers the upgrade steps that parse)
from resources.objects import collection_upgrades  # noqa: F401  (registers upgrade steps over collections)
from resources.objects.address_books import company_book
from resources.store.database import bind, database_proxy, open_database
from resources.store.schema import upgrade

log = logging.getLogger("davserver.request")

WELL_KNOWN = ("/.well-known/caldav", "/.well-known/carddav")
# Methods a client given only the bare server URL sends to "/": served as at /dav/.
DISCOVERY_AT_ROOT = ("PROPFIND", "OPTIONS", "REPORT")
API_MOUNT = "/api"
ADMIN_MOUNT = "/admin"


def open_store(settings: Settings) -> None:
    """Connect to the configured database and bring its schema up to date."""
    connect_store(settings)
    upgrade()
    open_secret_box(settings)
    register_group_uses()
    register_audience_hooks()
    company_book()


def connect_store(settings: Settings) -> None:
    """Give this process a database of its own (a new connection, no upgrade).

    A forked worker process calls this first: a connection must never cross a fork.
    """
    database = open_database(settings.database)
    bind(database)
    database.connect(reuse_if_open=True)


def close_store() -> None:
    """Close this thread's database connection, as the parent does before forking."""
    database_proxy.obj.close()


def _redirect(location: str, start_response) -> list[bytes]:
    start_response("301 Moved Permanently", [("Location", location), ("Content-Length", "0")])
    return [b""]


def _is_browser_visit(environ) -> bool:
    """A browser opening the bare server URL without credentials: it wants the admin UI.
    DAV clients send PROPFIND here, or credentials, or no Accept: text/html."""
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and "HTTP_AUTHORIZATION" not in environ
        and "text/html" in environ.get("HTTP_ACCEPT", "")
    )


def _to_admin_ui(location: str, start_response) -> list[bytes]:
    # Temporary and varying: the same URL still leads DAV clients to /dav/.
    start_response(
        "302 Found",
        [("Location", location), ("Vary", "Accept, Authorization"), ("Content-Length", "0")],
    )
    return [b""]


def _server_root(environ: dict, settings: Settings) -> str:
    """Where redirects point: the configured public URL, the forwarded host when the
    proxy is trusted, else a relative reference (RFC 9110 §10.2.2), never a Host
    header the client made up."""
    if settings.public_url:
        base = settings.public_url.rstrip("/")
    elif settings.trust_proxy and environ.get("HTTP_X_FORWARDED_HOST"):
        base = public_base(environ, settings)
    else:
        base = environ.get("SCRIPT_NAME", "")
    return base


def _bad_request(message: str, start_response) -> list[bytes]:
    body = f"400 Bad Request: {message}\n".encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _not_found(start_response) -> list[bytes]:
    body = b"404 Not Found\n"
    start_response(
        "404 Not Found",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _refusal(exc: Exception) -> tuple[int, str, list[tuple[str, str]]] | None:
    """The 503/507 answer to a database failure, logged in one line; None for others."""
    refusal = database_refusal(exc)
    if refusal is not None:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("database refused the request (%d): %s", refusal[0], first_line)
    return refusal


def _database_refusal_page(exc: Exception):
    """Flask error handler of the admin UI and the API for database failures."""
    refusal = _refusal(exc)
    if refusal is None:
        raise exc
    status, message, headers = refusal
    return message + "\n", status, [("Content-Type", "text/plain; charset=utf-8"), *headers]


def build_caldav_carddav_app(settings: Settings) -> StreamingAwareApp:
    """The /dav application: generic WebDAV with the REPORTs of CalDAV and CardDAV and
    vCards in the version a GET asks for."""
    return build_dav_app(
        settings,
        reports=(*caldav_reports.REPORTS, *carddav_reports.REPORTS),
        conversions=vcard_versions.CONVERSIONS,
        posts=outbox_post.POSTS,
    )


def build_app(settings: Settings):
    """Open the store and return the WSGI callable that serves everything."""
    open_store(settings)
    dav = build_caldav_carddav_app(settings)
    api = build_api_app(settings, dav)
    admin = build_admin_app(settings, dav)
    for web_app in (api, admin):
        web_app.register_error_handler(peewee.DatabaseError, _database_refusal_page)

    mounts = ((MOUNT, dav), (ADMIN_MOUNT, admin), (API_MOUNT, api), (HEALTH_PATH, health_check))

    def route(environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = (
            decoded_options_path(environ) if method == "OPTIONS" else environ.get("PATH_INFO", "")
        ) or "/"
        if "%2f" in path.lower() or "\x00" in path:
            # cheroot leaves encoded slashes encoded; a name must never smuggle one in.
            return _bad_request(
                "Encoded slashes and NUL bytes are not allowed in paths.", start_response
            )
        try:
            check_utf8(path)
            if path == "/" and method in DISCOVERY_AT_ROOT:
                path = MOUNT + "/"
            elif path == "/" and _is_browser_visit(environ):
                return _to_admin_ui(
                    _server_root(environ, settings) + ADMIN_MOUNT + "/", start_response
                )
            elif path.rstrip("/") in WELL_KNOWN or path == "/":
                return _redirect(_server_root(environ, settings) + MOUNT + "/", start_response)
            for mount, app in mounts:
                if path == mount or path.startswith(mount + "/"):
                    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + mount
                    environ["PATH_INFO"] = below_mount(path, mount)
                    return app(environ, start_response)
            resolve_dot_segments(path)
        except PathRejected as refusal:
            return _bad_request(str(refusal), start_response)
        return _not_found(start_response)

    # The log's last guard turns a database outage into 503/507 before CompleteAnswers
    # would make any failure a 500.
    return CompleteAnswers(RequestLog(route))


_REASONS = {503: "Service Unavailable", 507: "Insufficient Storage"}


class RequestLog:
    """One INFO line per request: method, path, status, milliseconds."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        status_holder: list[str] = []

        def logging_start_response(status, headers, exc_info=None):
            status_holder.append(status)
            return start_response(status, headers, exc_info)

        try:
            yield from self.app(environ, logging_start_response)
        except peewee.DatabaseError as exc:
            refusal = _refusal(exc)
            if refusal is None or status_holder:
                raise
            status, message, headers = refusal
            body = f"{status} {message}\n".encode()
            logging_start_response(
                f"{status} {_REASONS[status]}",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    *headers,
                ],
            )
            yield body
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            # the refusal's int status above is sent by now: this one is its text
            status = status_holder[-1].split(" ", 1)[0] if status_holder else "-"  # type: ignore[assignment]
            log.info("%s %s %s %.1fms", method, path, status, elapsed)
