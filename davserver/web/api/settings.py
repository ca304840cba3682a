"""What the API's handlers need of the server: its settings, the DAV application, and
the public base URL clients reach the server at."""

from __future__ import annotations

from typing import Callable

from flask import current_app, request

from davserver.config import Settings

SETTINGS_KEY = "davserver.settings"
DAV_APP_KEY = "davserver.dav_app"
API_MOUNT = "/api"


def settings() -> Settings:
    return current_app.extensions[SETTINGS_KEY]


def dav_app() -> Callable:
    """The DAV WSGI application, for the connection test's round trip."""
    return current_app.extensions[DAV_APP_KEY]


def _first(header: str | None) -> str:
    return (header or "").split(",")[0].strip()


def public_base() -> str:
    """The configured public URL, else this request's scheme and host (from
    X-Forwarded-Proto/Host only when the server is told to trust its proxy)."""
    configured = settings()
    if configured.public_url:
        return configured.public_url.rstrip("/")
    scheme, host = request.scheme, request.host
    if getattr(configured, "trust_proxy", False):
        scheme = _first(request.headers.get("X-Forwarded-Proto")) or scheme
        host = _first(request.headers.get("X-Forwarded-Host")) or host
    root = request.script_root
    if root.endswith(API_MOUNT):
        root = root[: -len(API_MOUNT)]
    return f"{scheme}://{host}{root}"
