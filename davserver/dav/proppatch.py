"""PROPPATCH (RFC 4918 §9.2): all instructions succeed or none is applied."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.errors import DavError
from davserver.dav.multistatus import (
    PropertyResult,
    add_response,
    new_multistatus,
    send_multistatus,
)
from davserver.dav.nodes.base import read_only
from davserver.dav.nodes.company_book import CompanyBookNode
from davserver.dav.propfind import check_property_count
from davserver.dav.xml import DAV, qname


@dataclass(frozen=True)
class PropertyUpdate:
    name: str
    value: etree._Element | None  # None removes the property


def parse_propertyupdate(root: etree._Element | None) -> list[PropertyUpdate]:
    if root is None or root.tag != qname(DAV, "propertyupdate"):
        raise DavError(400, "The PROPPATCH body must be a DAV:propertyupdate element.")
    updates = []
    for instruction in root:
        if instruction.tag not in (qname(DAV, "set"), qname(DAV, "remove")):
            continue
        removing = instruction.tag == qname(DAV, "remove")
        for prop in instruction.iterfind(qname(DAV, "prop")):
            for element in prop:
                if isinstance(element.tag, str):
                    updates.append(PropertyUpdate(element.tag, None if removing else element))
    if not updates:
        raise DavError(400, "DAV:propertyupdate names no property to set or remove.")
    check_property_count(len(updates), "PROPPATCH")
    return updates


def _attempt(node, updates: list[PropertyUpdate], *, dry_run: bool) -> list[PropertyResult]:
    results = []
    for update in updates:
        try:
            node.set_property_value(update.name, update.value, dry_run=dry_run)
            results.append(PropertyResult(update.name))
        except DAVError as exc:
            results.append(
                PropertyResult(
                    update.name,
                    exc.value,
                    None,
                    getattr(exc, "condition", None),
                    getattr(exc, "message", None),
                )
            )
    return results


def handle_proppatch(provider, environ: dict, start_response) -> list[bytes]:
    node = provider.get_resource_inst(environ["PATH_INFO"], environ)
    if node is None:
        raise DavError(404, "Not found.")
    if isinstance(node, CompanyBookNode) or getattr(node, "in_company_book", False):
        raise read_only()  # the whole request is refused, not property by property
    updates = parse_propertyupdate(environ.get("davserver.xml"))
    results = _attempt(node, updates, dry_run=True)
    if any(r.status != 200 for r in results):
        for result in results:
            if result.status == 200:
                result.status = 424
    else:
        results = _attempt(node, updates, dry_run=False)
    root = new_multistatus()
    add_response(root, node.get_href(), results)
    return send_multistatus(start_response, root)
