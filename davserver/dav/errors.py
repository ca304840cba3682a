"""The one place where domain errors become DAV errors: status, precondition element
and a readable message (RFC 4918 §16, RFC 4791 §1.3).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.xml import CALDAV, CARDDAV, DAV, DAVSERVER, PREFIXES, qname, to_bytes
from resources import errors as domain
from resources.formats import addressbook_query as card_query
from resources.formats.calendar_query import errors as query_errors
from resources.scheduling import free_busy as scheduling
from resources.store.database import is_storage_full, is_unavailable

F = TypeVar("F", bound=Callable)


class DavError(DAVError):
    """A DAV error that renders its precondition element and a sentence for people."""

    def __init__(
        self,
        status: int,
        message: str,
        condition: str | None = None,
        *,
        hrefs: tuple[str, ...] = (),
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
    ) -> None:
        super().__init__(status, message, add_headers=headers)
        self.message = message
        self.condition = condition
        self.hrefs = hrefs
        self.body = body

    def get_response_page(self) -> tuple[str, bytes]:
        if self.body is not None:
            return "application/xml; charset=utf-8", self.body
        if self.condition is None:
            return "text/plain; charset=utf-8", f"{self.value} {self.message}\n".encode()
        root = etree.Element(qname(DAV, "error"), nsmap=dict(PREFIXES))
        cond = etree.SubElement(root, self.condition)
        for href in self.hrefs:
            etree.SubElement(cond, qname(DAV, "href")).text = href
        etree.SubElement(root, qname(DAVSERVER, "message")).text = self.message
        return "application/xml; charset=utf-8", to_bytes(root)


def forbidden(message: str, condition: str | None = None, hrefs: tuple[str, ...] = ()) -> DavError:
    return DavError(403, message, condition, hrefs=hrefs)


def not_found(message: str = "Not found.") -> DavError:
    return DavError(404, message)


def bad_request(message: str) -> DavError:
    return DavError(400, message)


RETRY_AFTER_SECONDS = 10
STORE_UNAVAILABLE = "The database is unavailable right now; please try again shortly."
STORE_FULL = "The server's storage is full; nothing was changed. Ask the operator to free space."


def database_refusal(exc: Exception) -> tuple[int, str, list[tuple[str, str]]] | None:
    """(status, message, headers) for a database failure that reached a request
    boundary: 507 when storage is full, 503 with Retry-After when the database
    cannot be used now; None for any other error (a bug: 500)."""
    if is_storage_full(exc):
        return 507, STORE_FULL, []
    if is_unavailable(exc):
        return 503, STORE_UNAVAILABLE, [("Retry-After", str(RETRY_AFTER_SECONDS))]
    return None


def from_domain(
    exc: domain.DomainError, *, href_of: Callable[[str], str] | None = None
) -> DavError:
    """Translate a domain refusal into the status and precondition the RFCs name."""
    message = exc.message
    if isinstance(exc, domain.UidConflict):
        namespace = CARDDAV if isinstance(exc, domain.AddressUidConflict) else CALDAV
        hrefs = (href_of(exc.holder_name),) if href_of else ()
        return forbidden(message, qname(namespace, "no-uid-conflict"), hrefs)
    table: list[tuple[type, int, str | None]] = [
        (domain.InvalidAddressData, 403, qname(CARDDAV, "valid-address-data")),
        (card_query.UnsupportedAddressCollation, 403, qname(CARDDAV, "supported-collation")),
        (card_query.UnsupportedAddressFilter, 403, qname(CARDDAV, "supported-filter")),
        (domain.AddressResourceTooLarge, 403, qname(CARDDAV, "max-resource-size")),
        (domain.ReadOnlyCollection, 403, qname(DAV, "need-privileges")),
        (query_errors.InvalidFilter, 403, qname(CALDAV, "valid-filter")),
        (query_errors.InvalidTimezoneData, 403, qname(CALDAV, "valid-calendar-data")),
        (query_errors.UnknownTimezoneId, 403, qname(CALDAV, "valid-timezone")),
        (query_errors.InvalidQuery, 400, None),
        (query_errors.UnsupportedFilter, 403, qname(CALDAV, "supported-filter")),
        (query_errors.UnsupportedCollation, 403, qname(CALDAV, "supported-collation")),
        (query_errors.UnsupportedCalendarData, 403, qname(CALDAV, "supported-calendar-data")),
        (scheduling.InvalidSchedulingData, 400, qname(CALDAV, "valid-calendar-data")),
        (scheduling.InvalidSchedulingMessage, 400, qname(CALDAV, "valid-scheduling-message")),
        (scheduling.OrganizerNotAllowed, 403, qname(CALDAV, "organizer-allowed")),
        (scheduling.TooManyRecipients, 403, qname(CALDAV, "max-attendees-per-instance")),
        (scheduling.FreeBusyRangeTooLong, 403, qname(DAV, "number-of-matches-within-limits")),
        (domain.InvalidCalendarData, 403, qname(CALDAV, "valid-calendar-data")),
        (domain.InvalidCalendarObject, 403, qname(CALDAV, "valid-calendar-object-resource")),
        (domain.UnsupportedComponent, 403, qname(CALDAV, "supported-calendar-component")),
        (domain.ResourceTooLarge, 403, qname(CALDAV, "max-resource-size")),
        (domain.TooManyInstances, 403, qname(CALDAV, "max-instances")),
        (domain.RequestTimeExhausted, 503, None),
        (domain.PreconditionFailed, 412, None),
        (domain.NotFound, 404, None),
        (domain.AlreadyExists, 405, qname(DAV, "resource-must-be-null")),
        (domain.ParentMissing, 409, None),
        (domain.InvalidLocation, 403, qname(CALDAV, "calendar-collection-location-ok")),
        (domain.ReservedName, 403, qname(CALDAV, "calendar-collection-location-ok")),
        (domain.ProtectedProperty, 403, qname(DAV, "cannot-modify-protected-property")),
        (domain.InvalidProperty, 403, None),
        (domain.CredentialRefused, 401, None),
    ]
    for kind, status, condition in table:
        if isinstance(exc, kind):
            return DavError(status, message, condition)
    return DavError(403, message)


def translate_domain_errors(func: F) -> F:
    """Decorator for node methods that WsgiDAV calls: domain errors leave as DAV errors."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        try:
            return func(self, *args, **kwargs)
        except domain.DomainError as exc:
            raise from_domain(exc, href_of=getattr(self, "member_href", None)) from None

    return wrapper  # type: ignore[return-value]
