"""PUT of calendar object resources (RFC 4791 §5.3.2), of vCards (RFC 6352 §5.1) and of
plain files (RFC 4918 §9.7), by a table of the collection kinds a PUT can go into.

Our own handler instead of WsgiDAV's: the body is read with a limit, validated,
and stored in one transaction that re-checks If-Match / If-None-Match.
"""

from __future__ import annotations

from collections.abc import Callable

from davserver.dav import urls
from davserver.dav.body import media_type, read_body
from davserver.dav.conditions import write_conditions
from davserver.dav.errors import DavError, from_domain
from davserver.dav.nodes.address_book import AddressBookNode
from davserver.dav.nodes.base import read_only
from davserver.dav.nodes.calendar import CalendarNode
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.company_book import CompanyBookNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.nodes.plain_collection import PlainCollectionNode
from davserver.dav.nodes.resource_calendar import ResourceCalendarNode
from davserver.dav.nodes.scheduling_mailbox import InboxNode, OutboxNode
from davserver.dav.scheduling import schedule_tag_match, scheduler_for
from davserver.dav.xml import CALDAV, CARDDAV, DAV, qname
from resources.errors import DomainError
from resources.objects import stored_objects
from resources.objects.stored_objects import WriteConditions
from resources.scheduling import implicit

CALENDAR_TYPES = {"text/calendar"}
VCARD_TYPES = {"text/vcard", "text/x-vcard", "text/directory"}


def handle_put(provider, environ: dict, start_response) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path.endswith("/"):
        raise DavError(405, "PUT cannot create a collection; use MKCALENDAR or MKCOL.")
    if environ.get("HTTP_CONTENT_RANGE"):
        raise DavError(400, "Partial PUT with Content-Range is not supported.")
    if environ.get("HTTP_CONTENT_ENCODING", "identity").lower() != "identity":
        raise DavError(415, "Content-Encoding is not supported for PUT.")
    name = path.rsplit("/", 1)[1]
    # The parent collection and the target read in one query where the path names a
    # member of a collection (the usual PUT); anything else is resolved step by step.
    found = provider.member_of_collection(path, environ)
    if found is not None:
        parent, target = found
    else:
        parent = provider.get_resource_inst(path.rsplit("/", 1)[0] + "/", environ)
        target = (
            parent.get_member(name)
            if isinstance(parent, CollectionNode)
            else provider.get_resource_inst(path, environ)
        )
    if target is not None and not isinstance(target, ObjectNode):
        raise DavError(405, "A collection exists at this URL; PUT cannot replace it.")
    if parent is None:
        raise DavError(409, "The collection to put this resource into does not exist.")
    if not isinstance(parent, CollectionNode):
        raise DavError(403, "Resources cannot be stored here; put them into a calendar.")
    put_into = PUT_INTO[type(parent)]
    conditions = write_conditions(environ)
    try:
        result = put_into(parent, name, environ, provider.settings, conditions)
    except DomainError as exc:
        raise from_domain(exc, href_of=parent.member_href) from None
    status = "201 Created" if result.created else "204 No Content"
    headers = [("Content-Length", "0")]
    if (
        result.stored_as_sent
    ):  # RFC 4791 §5.3.4: no ETag when the stored data differs from the body sent
        headers.insert(0, ("ETag", f'"{result.etag}"'))
    if result.created:
        headers.append(("Location", urls.href(path)))
    if getattr(result, "schedule_tag", None):  # RFC 6638 §3.2.10
        headers.append(("Schedule-Tag", f'"{result.schedule_tag}"'))
    start_response(status, headers)
    return [b""]


def _read_limited(environ: dict, limit: int, *, calendar: bool, vcard: bool = False) -> bytes:
    """Read the body; an oversized calendar object or vCard is 403 max-resource-size, anything else 413."""
    try:
        return read_body(environ, limit)
    except DavError as exc:
        if exc.value == 413 and (calendar or vcard):
            namespace, what = (CALDAV, "calendar object") if calendar else (CARDDAV, "vCard")
            raise DavError(
                403,
                f"A {what} may be at most {limit} bytes.",
                qname(namespace, "max-resource-size"),
            ) from None
        raise


def _put_calendar_object(parent, name: str, environ: dict, settings, conditions: WriteConditions):
    if media_type(environ) not in CALENDAR_TYPES:
        raise DavError(
            415,
            f"A calendar accepts only text/calendar, not {media_type(environ) or 'a body without Content-Type'}.",
            qname(CALDAV, "supported-calendar-data"),
        )
    body = _read_limited(environ, settings.max_resource_size, calendar=True)
    return implicit.put_object(
        parent.row,
        name,
        body,
        conditions,
        scheduler_for(environ, settings),
        schedule_tag_match(environ),
    )


def _put_vcard(parent, name: str, environ: dict, settings, conditions: WriteConditions):
    if media_type(environ) not in VCARD_TYPES:
        raise DavError(
            415,
            f"An address book accepts only text/vcard, not {media_type(environ) or 'a body without Content-Type'}.",
            qname(CARDDAV, "supported-address-data"),
        )
    body = _read_limited(environ, settings.max_vcard_size, calendar=False, vcard=True)
    return stored_objects.put_address_object(
        parent.row, name, body, conditions, max_size=settings.max_vcard_size
    )


def _put_file(parent, name: str, environ: dict, settings, conditions: WriteConditions):
    body = _read_limited(environ, settings.max_request_size, calendar=False)
    content_type = environ.get("CONTENT_TYPE", "") or "application/octet-stream"
    return stored_objects.put_plain_object(parent.row, name, body, content_type, conditions)


def _refuse_read_only(parent, name: str, environ: dict, settings, conditions: WriteConditions):
    raise read_only()


def _refuse_mailbox(parent, name: str, environ: dict, settings, conditions: WriteConditions):
    raise DavError(
        403,
        "Scheduling messages are delivered by the server; a PUT cannot store one here.",
        qname(DAV, "need-privileges"),
    )


# How a PUT stores its body, by the kind of collection it goes into.
PUT_INTO: dict[type[CollectionNode], Callable] = {
    PlainCollectionNode: _put_file,
    CalendarNode: _put_calendar_object,
    ResourceCalendarNode: _put_calendar_object,
    AddressBookNode: _put_vcard,
    CompanyBookNode: _refuse_read_only,
    InboxNode: _refuse_mailbox,
    OutboxNode: _refuse_mailbox,
}
