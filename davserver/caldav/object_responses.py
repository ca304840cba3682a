"""The per-object part of CalDAV REPORT answers: properties plus C:calendar-data
rendered as the request asks (RFC 4791 §9.6)."""

from __future__ import annotations

from datetime import tzinfo

from wsgidav.dav_error import DAVError

from davserver.dav.multistatus import PropertyResult, add_response, result_from_value
from davserver.dav.nodes_object import ObjectNode
from davserver.dav.xml import CALDAV, qname
from resources.calendar_query import CalendarDataRequest, render_calendar_data
from resources.calendar_search import parse_stored
from resources.store.models import StoredObject

CALENDAR_DATA = qname(CALDAV, "calendar-data")


def calendar_data_text(row: StoredObject, request: CalendarDataRequest | None, zone: tzinfo) -> str:
    raw = bytes(row.body)
    if request is None or request.selects_everything:
        return raw.decode("utf-8")
    return render_calendar_data(parse_stored(row), raw, request, timezone=zone)


def add_object_response(
    root,
    node: ObjectNode,
    mode: str,
    names: tuple[str, ...],
    data_request: CalendarDataRequest | None,
    zone: tzinfo,
) -> None:
    """One DAV:response for a calendar object with the requested properties."""
    if mode == "propname":
        add_response(root, node.get_href(), [PropertyResult(n) for n in node.get_property_names(is_allprop=False)])
        return
    wanted = list(node.get_property_names(is_allprop=True)) if mode == "allprop" else list(names)
    results = []
    for name in wanted:
        if name == CALENDAR_DATA:
            results.append(PropertyResult(name, 200, calendar_data_text(node.row, data_request, zone)))
            continue
        try:
            value = node.get_property_value(name)
        except DAVError as exc:
            value = exc
        results.append(result_from_value(name, value))
    add_response(root, node.get_href(), results)
