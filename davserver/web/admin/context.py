"""What the admin pages need of the server: its settings, the DAV application (for
the connection test's round trip) and the public base URL phones reach it at."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

from davserver.config import Settings

SETTINGS_KEY = "davserver.settings"
DAV_APP_KEY = "davserver.dav_app"
ADMIN_MOUNT = "/admin"


def settings(app: Flask | None = None) -> Settings:
    return (app or current_app).extensions[SETTINGS_KEY]


def dav_app() -> Callable:
    return current_app.extensions[DAV_APP_KEY]


def _first(header: str | None) -> str:
    return (header or "").split(",")[0].strip()


def public_base() -> str:
    """The configured public URL, else this request's scheme and host (taken from
    X-Forwarded-Proto/Host only when the server is told to trust its proxy)."""
    configured = settings()
    if configured.public_url:
        return configured.public_url.rstrip("/")
    scheme, host = request.scheme, request.host
    if configured.trust_proxy:
        scheme = _first(request.headers.get("X-Forwarded-Proto")) or scheme
        host = _first(request.headers.get("X-Forwarded-Host")) or host
    root = request.script_root
    if root.endswith(ADMIN_MOUNT):
        root = root[: -len(ADMIN_MOUNT)]
    return f"{scheme}://{host}{root}"
