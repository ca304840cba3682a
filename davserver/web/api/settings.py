"""What the API's handlers need of the server: its settings, the DAV application, and
the public base URL clients reach the server at."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request

from davserver import public_url
from davserver.config import Settings

SETTINGS_KEY = "davserver.settings"
DAV_APP_KEY = "davserver.dav_app"


def settings() -> Settings:
    return current_app.extensions[SETTINGS_KEY]


def dav_app() -> Callable:
    """The DAV WSGI application, for the connection test's round trip."""
    return current_app.extensions[DAV_APP_KEY]


def public_base() -> str:
    """The public base URL for this request (see davserver.public_url)."""
    return public_url.public_base(request.environ, settings())
