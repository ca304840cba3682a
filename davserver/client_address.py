"""The client address a request came from, for the failed-login limits and the log.

Behind a trusted proxy (the `trust_proxy` setting) the socket's peer is the proxy
itself, so the address the proxy saw counts: X-Real-IP as nginx sets it, else the
LAST X-Forwarded-For entry (the one the proxy appended). Earlier entries come from
the client and are never believed. Without `trust_proxy` only the socket's peer counts.
"""

from __future__ import annotations

ADDRESS_MAX = 100


def client_address(environ: dict, trust_proxy: bool) -> str:
    """The address of the device that sent this WSGI request, as far as we can trust it."""
    peer = environ.get("REMOTE_ADDR", "") or ""
    if trust_proxy:
        real = (environ.get("HTTP_X_REAL_IP") or "").strip()
        if real:
            return real[:ADDRESS_MAX]
        forwarded = (environ.get("HTTP_X_FORWARDED_FOR") or "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:ADDRESS_MAX]
    return peer[:ADDRESS_MAX]
