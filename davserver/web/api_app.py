"""The JSON API application mounted at /api (placeholder until the API lands)."""

from __future__ import annotations


def build_api_app(settings, dav_app):
    """Return the WSGI app serving /api/v1; `dav_app` serves connection-test round trips."""

    def not_ready(environ, start_response):
        body = b'{"error": "not_found", "message": "The API is not available yet."}'
        start_response("404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return not_ready
