"""GET of a vCard in the version its Accept header names (RFC 6352 §6.3.2.3), 3.0 or 4.0:
the conversion the app builder gives the DAV app for VCARD objects."""

from __future__ import annotations

from davserver.carddav.address_data import (
    AddressDataRequest,
    render_address_data,
    version_from_accept,
)
from davserver.dav.nodes.object import ObjectNode


def vcard_in_accepted_version(node: ObjectNode, environ: dict) -> tuple[bytes, str] | None:
    """(body, content type) in the version Accept asks for; None when it names none."""
    version = version_from_accept(environ.get("HTTP_ACCEPT", ""))
    if version is None:
        return None
    body = render_address_data(node.body(), AddressDataRequest(version)).encode("utf-8")
    return body, f"text/vcard; charset=utf-8; version={version}"


CONVERSIONS = {"VCARD": vcard_in_accepted_version}
