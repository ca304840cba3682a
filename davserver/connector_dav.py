"""WebDAV requests of connectors to other servers (resources/connectors/source_dav.py):
the XML of PROPFIND, sync-collection and addressbook-multiget, sent through the httpx
source client, and multistatus answers read into the domain's data."""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin, urlsplit

from lxml import etree

from resources.connectors.source_dav import (
    CARDDAV,
    CS,
    DAV,
    MULTIGET,
    PROPFIND,
    SYNC_COLLECTION,
    DavAnswer,
    DavProperty,
    DavRequest,
    DavResponse,
    DavUnreadable,
)
from resources.connectors.source_http import (
    MAX_REDIRECTS,
    SourceClient,
    SourceRequest,
    SourceUnreachable,
)
from resources.error_codes import sentence

MAX_XML_BYTES = 64 * 1024 * 1024
NAMESPACES = {"D": DAV, "C": CARDDAV, "CS": CS}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _element(parent: etree._Element, namespace: str, local: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{local}")


def request_body(request: DavRequest) -> bytes:
    if request.kind == PROPFIND:
        root = etree.Element(f"{{{DAV}}}propfind", nsmap=NAMESPACES)
    elif request.kind == SYNC_COLLECTION:
        root = etree.Element(f"{{{DAV}}}sync-collection", nsmap=NAMESPACES)
        _element(root, DAV, "sync-token").text = request.sync_token
        _element(root, DAV, "sync-level").text = "1"
    elif request.kind == MULTIGET:
        root = etree.Element(f"{{{CARDDAV}}}addressbook-multiget", nsmap=NAMESPACES)
    else:
        raise ValueError(f"unknown WebDAV request {request.kind!r}")
    prop = _element(root, DAV, "prop")
    for name in request.props:
        etree.SubElement(prop, name)
    for href in request.hrefs:
        _element(root, DAV, "href").text = quote(unquote(href), safe="/@:+,;=!$&'()*~")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _status(element: etree._Element | None) -> int | None:
    if element is None or not element.text:
        return None
    parts = element.text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _path(base: str, href: str) -> str:
    return urlsplit(urljoin(base, href.strip())).path


def read_answer(status: int, url: str, body: bytes) -> DavAnswer:
    if status != 207:
        conditions: frozenset[str] = frozenset()
        if body.lstrip().startswith(b"<"):
            try:
                root = etree.fromstring(body, _PARSER)
                conditions = frozenset(str(e.tag) for e in root.iter() if e is not root)
            except etree.XMLSyntaxError:
                pass
        return DavAnswer(status, url, conditions=conditions)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        raise DavUnreadable(sentence("carddav_multistatus_not_xml")) from None
    responses = []
    for item in root.iter(f"{{{DAV}}}response"):
        href = item.findtext(f"{{{DAV}}}href")
        if not href or not href.strip():
            continue
        props: dict[str, DavProperty] = {}
        for propstat in item.iter(f"{{{DAV}}}propstat"):
            if _status(propstat.find(f"{{{DAV}}}status")) != 200:
                continue
            for prop in propstat.iter(f"{{{DAV}}}prop"):
                for element in prop:
                    props[str(element.tag)] = DavProperty(
                        "".join(str(text) for text in element.itertext()),
                        tuple(
                            _path(url, found.text or "")
                            for found in element.iter(f"{{{DAV}}}href")
                            if (found.text or "").strip()
                        ),
                        frozenset(str(e.tag) for e in element.iter() if e is not element),
                    )
        responses.append(
            DavResponse(_path(url, href), _status(item.find(f"{{{DAV}}}status")), props)
        )
    token = root.findtext(f"{{{DAV}}}sync-token") or ""
    return DavAnswer(207, url, tuple(responses), token.strip())


def send_dav(client: SourceClient, request: DavRequest) -> DavAnswer:
    """The request through `client`, following redirects itself (at most MAX_REDIRECTS)
    so that a PROPFIND stays a PROPFIND; the answer read as a multistatus."""
    body = request_body(request)
    url = request.url
    method = "PROPFIND" if request.kind == PROPFIND else "REPORT"
    for _ in range(MAX_REDIRECTS + 1):
        source_request = SourceRequest(
            url=url,
            method=method,
            username=request.username,
            password=request.password,
            headers={"Content-Type": "application/xml; charset=utf-8", "Depth": request.depth},
            body=body,
            verify_tls=request.verify_tls,
            max_bytes=MAX_XML_BYTES,
            follow_redirects=False,
        )
        with client.open(source_request) as answer:
            location = answer.headers.get("location")
            if answer.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(answer.url, location)
                continue
            data = b"".join(answer.body_chunks())
            return read_answer(answer.status, answer.url, data)
    raise SourceUnreachable(sentence("source_too_many_redirects", count=MAX_REDIRECTS))
