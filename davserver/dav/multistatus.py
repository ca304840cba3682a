"""Building DAV:multistatus responses (RFC 4918 §13, §14.16) and sending them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from lxml import etree
from wsgidav.dav_error import DAVError

from davserver.dav.xml import DAV, multistatus, qname, sub, to_bytes

STATUS_TEXT = {
    200: "OK",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    424: "Failed Dependency",
    500: "Internal Server Error",
    507: "Insufficient Storage",
}


def status_line(code: int) -> str:
    return f"HTTP/1.1 {code} {STATUS_TEXT.get(code, 'Status')}"


@dataclass
class PropertyResult:
    """One property in a propstat: its value (or None) and, on failure, why."""

    name: str
    status: int = 200
    value: Any = None
    condition: str | None = None
    message: str | None = None


def result_from_value(name: str, value: Any) -> PropertyResult:
    if isinstance(value, DAVError):
        condition = getattr(value, "condition", None)
        return PropertyResult(name, value.value, None, condition, getattr(value, "message", None))
    return PropertyResult(name, 200, value)


def property_element(name: str, value: Any) -> etree._Element:
    if isinstance(value, etree._Element):
        if value.tag == name:
            return value
        wrapper = etree.Element(name)
        wrapper.append(value)
        return wrapper
    element = etree.Element(name)
    if value is not None:
        element.text = str(value)
    return element


_RESPONSE, _HREF, _PROPSTAT, _PROP, _STATUS = (
    qname(DAV, n) for n in ("response", "href", "propstat", "prop", "status")
)
_OK = status_line(200)


def add_response(root: etree._Element, href: str, results: list[PropertyResult]) -> None:
    response = etree.SubElement(root, _RESPONSE)
    etree.SubElement(response, _HREF).text = href
    if all(result.status == 200 for result in results):  # the common case, kept cheap
        propstat = etree.SubElement(response, _PROPSTAT)
        prop = etree.SubElement(propstat, _PROP)
        for result in results:
            prop.append(property_element(result.name, result.value))
        etree.SubElement(propstat, _STATUS).text = _OK
        return
    by_status: dict[int, list[PropertyResult]] = defaultdict(list)
    for result in results:
        by_status[result.status].append(result)
    for status in sorted(by_status):
        propstat = sub(response, _PROPSTAT)
        prop = sub(propstat, _PROP)
        for result in by_status[status]:
            prop.append(property_element(result.name, result.value if status == 200 else None))
        sub(propstat, _STATUS, status_line(status))
        conditions = [r.condition for r in by_status[status] if r.condition]
        if conditions:
            error = sub(propstat, qname(DAV, "error"))
            for condition in dict.fromkeys(conditions):
                sub(error, condition)
        messages = [r.message for r in by_status[status] if r.message]
        if messages:
            sub(propstat, qname(DAV, "responsedescription"), " ".join(dict.fromkeys(messages)))


def add_status_response(root: etree._Element, href: str, status: int) -> None:
    response = sub(root, qname(DAV, "response"))
    sub(response, qname(DAV, "href"), href)
    sub(response, qname(DAV, "status"), status_line(status))


def send_multistatus(
    start_response, root: etree._Element, status: str = "207 Multi-Status"
) -> list[bytes]:
    body = to_bytes(root)
    start_response(
        status,
        [("Content-Type", "application/xml; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def new_multistatus() -> etree._Element:
    return multistatus()
