"""Reading DAV responses in tests: multistatus into {href: {property: (status, element)}}."""

from __future__ import annotations

from lxml import etree

NS = {
    "D": "DAV:",
    "C": "urn:ietf:params:xml:ns:caldav",
    "CS": "http://calendarserver.org/ns/",
    "A": "http://apple.com/ns/ical/",
    "DS": "https://davserver.dev/ns/",
}


def q(prefix: str, local: str) -> str:
    return f"{{{NS[prefix]}}}{local}"


def propfind_body(*names: str) -> bytes:
    """A PROPFIND body asking for names given as "D:getetag", "C:calendar-home-set"."""
    props = "".join(f"<{n}/>" for n in names)
    decl = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
    return f'<?xml version="1.0"?><D:propfind {decl}><D:prop>{props}</D:prop></D:propfind>'.encode()


def responses(body: bytes) -> dict[str, dict[str, tuple[int, etree._Element]]]:
    root = etree.fromstring(body)
    assert root.tag == q("D", "multistatus"), body[:300]
    found: dict = {}
    for response in root.findall("D:response", NS):
        href = response.findtext("D:href", namespaces=NS)
        props: dict = {}
        for propstat in response.findall("D:propstat", NS):
            status = int(propstat.findtext("D:status", namespaces=NS).split()[1])
            for prop in propstat.find("D:prop", NS):
                props[prop.tag] = (status, prop)
        status_text = response.findtext("D:status", namespaces=NS)
        if status_text:
            props["status"] = (int(status_text.split()[1]), None)
        found[href] = props
    return found


def hrefs_in(element: etree._Element) -> list[str]:
    return [h.text for h in element.iter(q("D", "href"))]


def error_condition(body: bytes) -> str | None:
    """The precondition element's name in a DAV:error body, e.g. '{urn:…caldav}no-uid-conflict'."""
    root = etree.fromstring(body)
    if root.tag != q("D", "error"):
        return None
    for child in root:
        if child.tag != q("DS", "message"):
            return child.tag
    return None
