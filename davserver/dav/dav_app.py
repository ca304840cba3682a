"""Assembling the WsgiDAV application for /dav with our provider and middleware, and
the REPORTs and conversions that the protocol packages (caldav/, carddav/) add."""

from __future__ import annotations

from collections.abc import Iterable

from wsgidav import util as wsgidav_util
from wsgidav.wsgidav_app import WsgiDAVApp

from davserver.dav import reports as webdav_reports
from davserver.dav import urls
from davserver.dav.auth import BasicAuthenticator
from davserver.dav.body import RequestBodyGuard
from davserver.dav.multistatus_stream import STREAMING
from davserver.dav.object_conversions import Conversions
from davserver.dav.post_registry import PostHandler
from davserver.dav.provider import DavProvider
from davserver.dav.report_registry import Report, ReportRegistry
from davserver.dav.request_server import DavResolver
from davserver.dav.responses import ErrorResponder
from resources.formats.expansion_budget import request_budget


class StreamingAwareApp:
    """WsgiDAV's application, except that a streamed multistatus keeps its connection.

    WsgiDAV closes the connection of any answer without Content-Length; a streamed
    multistatus has none on purpose (cheroot sends it chunked, which keeps the
    connection usable)."""

    def __init__(self, app: WsgiDAVApp, settings) -> None:
        self.app = app
        self.settings = settings

    def __call__(self, environ, start_response):
        def keep_alive_if_streamed(status, headers, exc_info=None):
            if environ.get(STREAMING):
                headers = [
                    (name, value)
                    for name, value in headers
                    if not (name.lower() == "connection" and value.lower() == "close")
                ]
            return start_response(status, headers, exc_info)

        # Each request gets its own recurrence budget, also while a streamed answer is sent.
        with request_budget(self.settings.max_instances, self.settings.request_time_limit):
            yield from self.app(environ, keep_alive_if_streamed)


def build_dav_app(
    settings,
    reports: Iterable[Report] = (),
    conversions: Conversions | None = None,
    posts: Iterable[PostHandler] = (),
) -> StreamingAwareApp:
    """The /dav application: generic WebDAV with its own REPORTs, then `reports` (each
    protocol's table), `conversions` (other forms of objects for GET, by component) and
    `posts` (the nodes that take POST)."""
    # WsgiDAV's own pages name its version unless its command line resets this;
    # no answer of ours may tell an attacker which version runs.
    wsgidav_util.public_wsgidav_info = "WsgiDAV"
    registry = ReportRegistry([*reports, *webdav_reports.REPORTS])
    provider = DavProvider(settings, registry, dict(conversions or {}), tuple(posts))
    return StreamingAwareApp(
        WsgiDAVApp(
            {
                "provider_mapping": {"/": provider},
                "mount_path": urls.MOUNT,
                # First entry is outermost: errors are rendered for everything below.
                "middleware_stack": [
                    ErrorResponder,
                    BasicAuthenticator,
                    RequestBodyGuard,
                    DavResolver,
                ],
                "davserver.settings": settings,
                "lock_storage": False,
                "property_manager": None,
                "add_header_MS_Author_Via": False,
                "suppress_version_info": True,
                "verbose": 1,
                "logging": {"enable": False},
                "http_authenticator": {
                    "domain_controller": None,
                    "accept_basic": True,
                    "accept_digest": False,
                },
            }
        ),
        settings,
    )
