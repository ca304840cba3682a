"""CARDDAV:address-data (RFC 6352 §10.4): which vCard version and which properties a
client asks for, and the vCard text rendered that way."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from davserver.dav.errors import DavError
from davserver.dav.xml import CARDDAV, qname
from resources.formats.vcard_data import SUPPORTED_VERSIONS, convert_vcard, fold, unfold

ADDRESS_DATA = qname(CARDDAV, "address-data")
_ALWAYS = {"BEGIN", "END", "VERSION", "UID"}


@dataclass(frozen=True)
class AddressDataRequest:
    version: str | None = None
    properties: tuple[str, ...] | None = None  # None: all


def parse_address_data_request(element: etree._Element | None) -> AddressDataRequest | None:
    if element is None:
        return None
    content_type = element.get("content-type", "text/vcard").lower()
    version = element.get("version")
    if content_type not in ("text/vcard", "text/x-vcard") or (
        version and version not in SUPPORTED_VERSIONS
    ):
        raise DavError(
            403,
            "Address data can be had as text/vcard 3.0 or 4.0 only.",
            qname(CARDDAV, "supported-address-data-conversion"),
        )
    if element.find(qname(CARDDAV, "allprop")) is not None:
        return AddressDataRequest(version, None)
    names = tuple(
        p.get("name", "").upper() for p in element.iterfind(qname(CARDDAV, "prop")) if p.get("name")
    )
    return AddressDataRequest(version, names or None)


def render_address_data(raw: bytes, request: AddressDataRequest | None) -> str:
    text = raw.decode("utf-8-sig")
    if request is None:
        return text
    if request.version:
        text = convert_vcard(text, request.version)
    if request.properties is None:
        return text
    wanted = _ALWAYS | set(request.properties)
    kept = [
        line
        for line in unfold(text)
        if line.split(":", 1)[0].split(";", 1)[0].split(".")[-1].upper() in wanted
    ]
    return "\r\n".join(fold(line) for line in kept) + "\r\n"


def version_from_accept(accept: str) -> str | None:
    """The vCard version an Accept header asks for (RFC 6352 §6.3.2.3), if any."""
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if media.lower() in ("text/vcard", "text/x-vcard"):
            for param in params:
                key, _, value = param.partition("=")
                if (
                    key.strip().lower() == "version"
                    and value.strip().strip('"') in SUPPORTED_VERSIONS
                ):
                    return value.strip().strip('"')
    return None
