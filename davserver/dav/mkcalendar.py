"""MKCALENDAR (RFC 4791 §5.3.1) and extended MKCOL (RFC 5689): parse the body into
a creation request, then create the collection with its properties in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from davserver.dav.calendar_colors import normalised_color
from davserver.dav.calendar_timezone import parse_vtimezone
from davserver.dav.errors import DavError, from_domain
from davserver.dav.live_properties import element_text, to_bytes_property
from davserver.dav.xml import (
    APPLE,
    CALDAV,
    CALENDARSERVER,
    CARDDAV,
    DAV,
    element,
    qname,
    sub,
    to_bytes,
)
from resources.errors import DomainError
from resources.objects import calendar_collections, dead_properties
from resources.objects.calendar_collections import (
    ADDRESSBOOK,
    ADDRESSBOOKS_HOME,
    CALENDAR,
    CALENDARS_HOME,
    PLAIN,
    CollectionProperties,
)


@dataclass(frozen=True)
class CreationRequest:
    kind: str
    properties: CollectionProperties
    refused: tuple[str, ...]  # protected property names: nothing is created
    dead: tuple[tuple[str, str], ...]  # (name, XML) stored as dead properties


_TEXT_FIELDS = {
    qname(DAV, "displayname"): "display_name",
    qname(CALDAV, "calendar-description"): "description",
    qname(APPLE, "calendar-color"): "color",
}


PROTECTED_AT_CREATION = {
    qname(DAV, "resourcetype"),
    qname(DAV, "sync-token"),
    qname(DAV, "current-user-privilege-set"),
    qname(DAV, "supported-report-set"),
    qname(CALDAV, "supported-calendar-data"),
    qname(CALDAV, "max-resource-size"),
    qname(CALENDARSERVER, "getctag"),
}


def parse_creation(
    root: etree._Element | None, *, default_kind: str, mkcol: bool
) -> CreationRequest:
    """Read MKCALENDAR's <mkcalendar> or extended MKCOL's <mkcol> body."""
    if root is None:
        return CreationRequest(default_kind, CollectionProperties(), (), ())
    expected = qname(DAV, "mkcol") if mkcol else qname(CALDAV, "mkcalendar")
    if root.tag != expected:
        raise DavError(400, f"The body must be a {expected} element.")
    values: dict = {}
    refused: list[str] = []
    dead: list[tuple[str, str]] = []
    kind = default_kind
    for prop in root.iterfind(f"{{{DAV}}}set/{{{DAV}}}prop/*"):
        if prop.tag == qname(APPLE, "calendar-color"):
            values["color"] = normalised_color(element_text(prop))
        elif prop.tag in _TEXT_FIELDS:
            values[_TEXT_FIELDS[prop.tag]] = element_text(prop)
        elif prop.tag == qname(APPLE, "calendar-order"):
            text = element_text(prop) or ""
            values["sort_order"] = int(text) if text.lstrip("-").isdigit() else None
        elif prop.tag == qname(CALDAV, "calendar-timezone"):
            values["timezone"] = element_text(prop)
            values["timezone_id"] = parse_vtimezone(values["timezone"])
        elif prop.tag == qname(CALDAV, "supported-calendar-component-set"):
            values["components"] = tuple(
                c.get("name", "").upper() for c in prop.iterfind(f"{{{CALDAV}}}comp")
            )
        elif prop.tag == qname(DAV, "resourcetype") and mkcol:
            kind = _kind_from_resourcetype(prop)
        elif prop.tag in PROTECTED_AT_CREATION or prop.tag.startswith(f"{{{DAV}}}get"):
            refused.append(prop.tag)
        else:
            dead.append((prop.tag, to_bytes_property(prop).decode("utf-8")))
    return CreationRequest(kind, CollectionProperties(**values), tuple(refused), tuple(dead))


def _kind_from_resourcetype(prop: etree._Element) -> str:
    tags = {child.tag for child in prop}
    if tags - {qname(DAV, "collection"), qname(CALDAV, "calendar"), qname(CARDDAV, "addressbook")}:
        raise DavError(
            403,
            "Only calendars, address books and plain collections can be created.",
            qname(DAV, "valid-resourcetype"),
        )
    if qname(CARDDAV, "addressbook") in tags:
        return ADDRESSBOOK
    return CALENDAR if qname(CALDAV, "calendar") in tags else PLAIN


def _check_kind_fits_home(kind: str, home: str) -> None:
    if home == ADDRESSBOOKS_HOME and kind != ADDRESSBOOK:
        raise DavError(
            403,
            "Only address books can be created in an address book home.",
            qname(DAV, "valid-resourcetype"),
        )
    if home == CALENDARS_HOME and kind == ADDRESSBOOK:
        raise DavError(
            403,
            "Address books belong in the address book home.",
            qname(CARDDAV, "addressbook-collection-location-ok"),
        )


def handle_creation(provider, environ: dict, start_response, *, mkcol: bool) -> list[bytes]:
    path = environ["PATH_INFO"].rstrip("/")
    if provider.get_resource_inst(path, environ) is not None:
        raise DavError(
            405, "Something already exists at this URL.", qname(DAV, "resource-must-be-null")
        )
    parent = provider.get_resource_inst(path.rsplit("/", 1)[0] + "/", environ)
    if parent is None:
        raise DavError(409, "The parent collection does not exist.")
    if getattr(parent, "is_shared", False):
        raise DavError(
            403,
            "Collections cannot be created inside a shared calendar or address book.",
            qname(CALDAV, "calendar-collection-location-ok"),
        )
    try:
        home, in_home = provider.path_in_home(path, environ)
    except DavError:
        raise DavError(
            403,
            "Collections can only be created in your own home.",
            qname(CALDAV, "calendar-collection-location-ok"),
        ) from None
    login = environ["davserver.login"]
    if not (login.has_caldav if home == CALENDARS_HOME else login.has_personal_addressbooks):
        raise DavError(403, "This login is not set up for this service.")
    request = parse_creation(
        environ.get("davserver.xml"), default_kind=PLAIN if mkcol else CALENDAR, mkcol=mkcol
    )
    _check_kind_fits_home(request.kind, home)
    if request.refused:
        return _refused(environ, start_response, request, mkcol)
    try:
        created = calendar_collections.create_collection(
            login.credential_id, in_home, request.kind, request.properties, home=home
        )
        for name, value in request.dead:
            dead_properties.put(name=name, value=value, collection_id=created.id)
    except DomainError as exc:
        raise from_domain(exc) from None
    start_response("201 Created", [("Content-Length", "0"), ("Cache-Control", "no-cache")])
    return [b""]


def _refused(environ: dict, start_response, request: CreationRequest, mkcol: bool) -> list[bytes]:
    """RFC 5689 §3 / RFC 4791 §5.3.1: nothing is created; say which property failed."""
    root = element(qname(DAV, "mkcol-response") if mkcol else qname(CALDAV, "mkcalendar-response"))
    failed = sub(root, qname(DAV, "propstat"))
    prop = sub(failed, qname(DAV, "prop"))
    for name in request.refused:
        sub(prop, name)
    sub(failed, qname(DAV, "status"), "HTTP/1.1 403 Forbidden")
    body = to_bytes(root)
    start_response(
        "403 Forbidden",
        [("Content-Type", "application/xml; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
