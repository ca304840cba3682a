"""The admin web UI mounted at /admin (placeholder until the UI lands)."""

from __future__ import annotations


def build_admin_app(settings, dav_app):
    """Return the WSGI app serving /admin; `dav_app` serves connection-test round trips."""

    def not_ready(environ, start_response):
        body = b"The admin UI is not available yet.\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return not_ready
