"""The per-object part of REPORT answers (RFC 4918 §14.24, RFC 3253 §3.6): which
properties a REPORT asks of each object, and one DAV:response per object with them.

The object's data (C:calendar-data, CR:address-data) comes from renderers that caldav/
and carddav/ give: a property name and the function that renders a stored object."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.multistatus import PropertyResult, add_response, result_from_value, status_line
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.propfind import check_property_count
from davserver.dav.xml import CALDAV, DAV, qname, sub
from resources.errors import AnswerTooLarge, TooManyInstances
from resources.formats.stored_reading import UnreadableStoredObject, log_unreadable
from resources.store.models import StoredObject

Renderers = dict[str, Callable[[StoredObject], str]]


def parse_member_properties(root: etree._Element) -> tuple[str, tuple[str, ...]]:
    """(mode, names) of a REPORT body: DAV:propname, DAV:prop, or else allprop."""
    if root.find(qname(DAV, "propname")) is not None:
        return "propname", ()
    prop = root.find(qname(DAV, "prop"))
    if prop is None:
        return "allprop", ()
    names = tuple(p.tag for p in prop if isinstance(p.tag, str))
    check_property_count(len(names), "A REPORT")
    return "prop", names


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
