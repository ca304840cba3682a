"""XML for the DAV layer: namespaces, qualified names, a hardened parser, builders.

Every XML name in davserver is spelled through `qname(NAMESPACE, local)`, so a grep
for a property's local name finds all of its code.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALENDARSERVER = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
DAVSERVER = "https://davserver.dev/ns/"

PREFIXES = {"D": DAV, "C": CALDAV, "CR": CARDDAV, "CS": CALENDARSERVER, "A": APPLE, "DS": DAVSERVER}


def qname(namespace: str, local: str) -> str:
    """Return the Clark notation `{namespace}local` that lxml uses for a name."""
    return f"{{{namespace}}}{local}"


class XmlRejected(ValueError):
    """A request body that is not acceptable XML; the message says why."""


_PARSER_OPTIONS: dict[str, Any] = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(body: bytes) -> etree._Element:
    """Parse a request body; refuse DOCTYPEs and entities instead of expanding them."""
    if not body or not body.strip():
        raise XmlRejected("The request body is empty but XML was expected.")
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(f"The request body is not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # type: ignore[union-attr]
        raise XmlRejected("XML with a DOCTYPE or entity declarations is not accepted.")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise XmlRejected("XML entity references are not accepted.")
    return root


def element(name: str, text: str | None = None, *children: etree._Element) -> etree._Element:
    """Build an element with optional text and children."""
    el = etree.Element(name, nsmap=_nsmap_for(name))  # type: ignore[arg-type]
    if text is not None:
        el.text = text
    for child in children:
        el.append(child)
    return el


def sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """Append a child element with optional text and return it."""
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


def href_element(name: str, *hrefs: str) -> etree._Element:
    """A property element holding one DAV:href per given href."""
    el = element(name)
    for href in hrefs:
        sub(el, qname(DAV, "href"), href)
    return el


def multistatus() -> etree._Element:
    """An empty DAV:multistatus with the common prefixes declared once."""
    return etree.Element(qname(DAV, "multistatus"), nsmap=dict(PREFIXES))


def to_bytes(root: etree._Element) -> bytes:
    """Serialise a response document with an XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _nsmap_for(name: str) -> dict[str | None, str]:
    namespace = name[1:].split("}", 1)[0] if name.startswith("{") else None
    for prefix, uri in PREFIXES.items():
        if uri == namespace:
            return {prefix: uri}
    return {}
