"""The XML of WebDAV requests this server sends to other servers (connector sources and
external calendars): PROPFIND, sync-collection (RFC 6578) and the multiget REPORTs, and
the pieces of a multistatus answer both clients read the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote, urljoin, urlsplit

from lxml import etree

DAV_NS = "DAV:"
# A parser that reads no entities and fetches nothing: the answers come from elsewhere.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
HREF_SAFE = "/@:+,;=!$&'()*~"


def sub_element(parent: etree._Element, namespace: str, local: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{local}")


def request_xml(
    root_name: tuple[str, str],
    namespaces: Mapping[str, str],
    props: Sequence[str],
    *,
    sync_token: str | None = None,
    hrefs: Sequence[str] = (),
) -> bytes:
    """A request body: the root element (namespace, local name), a sync-token and level
    for sync-collection, the properties asked for (Clark names) and the hrefs of a
    multiget (quoted as a path, whatever quoting they came with)."""
    root = etree.Element(f"{{{root_name[0]}}}{root_name[1]}", nsmap=dict(namespaces))
    if sync_token is not None:
        sub_element(root, DAV_NS, "sync-token").text = sync_token
        sub_element(root, DAV_NS, "sync-level").text = "1"
    prop = sub_element(root, DAV_NS, "prop")
    for name in props:
        etree.SubElement(prop, name)
    for href in hrefs:
        sub_element(root, DAV_NS, "href").text = quote(unquote(href), safe=HREF_SAFE)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def status_code(element: etree._Element | None) -> int | None:
    """The code of a DAV:status line ("HTTP/1.1 404 Not Found" -> 404)."""
    if element is None or not element.text:
        return None
    parts = element.text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def href_path(base: str, href: str) -> str:
    """An answer's href as a path, resolved against the URL that was asked."""
    return urlsplit(urljoin(base, href.strip())).path
