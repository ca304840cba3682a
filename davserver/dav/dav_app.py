"""Assembling the WsgiDAV application for /dav with our provider and middleware."""

from __future__ import annotations

from wsgidav.wsgidav_app import WsgiDAVApp

from davserver.dav import urls
from davserver.dav.auth import BasicAuthenticator
from davserver.dav.body import RequestBodyGuard
from davserver.dav.provider import DavProvider
from davserver.dav.request_server import DavResolver
from davserver.dav.responses import ErrorResponder


def build_dav_app(settings) -> WsgiDAVApp:
    return WsgiDAVApp(
        {
            "provider_mapping": {"/": DavProvider(settings)},
            "mount_path": urls.MOUNT,
            # First entry is outermost: errors are rendered for everything below.
            "middleware_stack": [ErrorResponder, BasicAuthenticator, RequestBodyGuard, DavResolver],
            "davserver.settings": settings,
            "lock_storage": False,
            "property_manager": None,
            "add_header_MS_Author_Via": False,
            "suppress_version_info": True,
            "verbose": 1,
            "logging": {"enable": False},
            "http_authenticator": {"domain_controller": None, "accept_basic": True, "accept_digest": False},
        }
    )
