"""Security headers on every answer of the admin UI and the JSON API: no framing
(clickjacking), no content sniffing, no referrer to other sites, and a Content
Security Policy that runs only our own script file.

The pages have no inline scripts; a few elements carry inline `style` attributes
(resource colours), hence 'unsafe-inline' for styles only.
"""

from __future__ import annotations

from flask import Flask, Response

ADMIN_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def install(app: Flask, policy: str) -> None:
    """Add the headers to every answer of `app`, errors included."""

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    app.after_request(add_headers)
