"""The per-object part of REPORT answers: properties plus the object's data
(C:calendar-data, RFC 4791 §9.6; CR:address-data, RFC 6352 §10.4) rendered as asked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from wsgidav.dav_error import DAVError

from davserver.carddav.address_data import (
    ADDRESS_DATA,
    AddressDataRequest,
    render_address_data,
)
from davserver.dav.multistatus import PropertyResult, add_response, result_from_value, status_line
from davserver.dav.nodes_object import ObjectNode
from davserver.dav.xml import CALDAV, DAV, qname, sub
from resources.errors import AnswerTooLarge, TooManyInstances
from resources.formats.calendar_query import CalendarDataRequest, render_calendar_data
from resources.formats.calendar_query.expand_listed import expand_listed
from resources.formats.stored_reading import UnreadableStoredObject, log_unreadable, stored_text
from resources.objects.calendar_search import parse_stored
from resources.store.models import StoredObject

CALENDAR_DATA = qname(CALDAV, "calendar-data")
Renderers = dict[str, Callable[[StoredObject], str]]


def calendar_data_text(row: StoredObject, request: CalendarDataRequest | None, zone: tzinfo) -> str:
    raw = bytes(row.body)
    if request is None or request.selects_everything:
        return stored_text(raw)
    if request.expands_only and row.occurrences is not None:
        text = expand_listed(raw, row.occurrences, request.expand)  # type: ignore[arg-type]
        if text is not None:
            return text
    return render_calendar_data(parse_stored(row), raw, request, timezone=zone)


def calendar_renderers(request: CalendarDataRequest | None, zone: tzinfo) -> Renderers:
    return {CALENDAR_DATA: lambda row: calendar_data_text(row, request, zone)}


def address_renderers(request: AddressDataRequest | None) -> Renderers:
    return {
        ADDRESS_DATA: lambda row: render_address_data(
            stored_text(row.body).encode("utf-8"), request
        )
    }


def add_object_response(
    root, node: ObjectNode, mode: str, names: tuple[str, ...], renderers: Renderers
) -> None:
    """One DAV:response for an object with the requested properties."""
    if mode == "propname":
        add_response(
            root,
            node.get_href(),
            [PropertyResult(n) for n in node.get_property_names(is_allprop=False)],
        )
        return
    wanted = list(node.get_property_names(is_allprop=True)) if mode == "allprop" else list(names)
    results = []
    for name in wanted:
        render = renderers.get(name)
        if render is not None:
            results.append(_rendered(name, render, node.row))
            continue
        try:
            value = node.get_property_value(name)
        except DAVError as exc:
            value = exc
        results.append(result_from_value(name, value))
    add_response(root, node.get_href(), results)


def _rendered(
    name: str, render: Callable[[StoredObject], str], row: StoredObject
) -> PropertyResult:
    """The rendered value. An object that expands to more than max-instances instances
    gets 403 CALDAV:max-instances for this property, one whose stored body cannot be
    read gets 404 for it alone; the rest of the answer goes on."""
    try:
        return PropertyResult(name, 200, render(row))
    except AnswerTooLarge:
        raise
    except TooManyInstances as exc:
        return PropertyResult(name, 403, None, qname(CALDAV, "max-instances"), exc.message)
    except UnreadableStoredObject as error:
        log_unreadable(row.collection_id, row.name, error)
        return PropertyResult(
            name, 404, message="The stored data of this object cannot be read; it is skipped."
        )


def add_error_response(root, href: str, status: int, condition: str | None, message: str) -> None:
    """A DAV:response with a status, precondition and message of its own (RFC 4918 §14.24)."""
    response = sub(root, qname(DAV, "response"))
    sub(response, qname(DAV, "href"), href)
    sub(response, qname(DAV, "status"), status_line(status))
    if condition is not None:
        sub(sub(response, qname(DAV, "error")), condition)
    sub(response, qname(DAV, "responsedescription"), message)
