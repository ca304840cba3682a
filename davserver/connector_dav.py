"""WebDAV requests of connectors to other servers (resources/connectors/source_dav.py):
the XML of PROPFIND, sync-collection and addressbook-multiget, sent through the httpx
source client, and multistatus answers read into the domain's data."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

from davserver.webdav_xml import PARSER, href_path, request_xml, status_code
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
ROOTS = {
    PROPFIND: (DAV, "propfind"),
    SYNC_COLLECTION: (DAV, "sync-collection"),
    MULTIGET: (CARDDAV, "addressbook-multiget"),
}


def request_body(request: DavRequest) -> bytes:
    if request.kind not in ROOTS:
        raise ValueError(f"unknown WebDAV request {request.kind!r}")
    token = request.sync_token if request.kind == SYNC_COLLECTION else None
    return request_xml(
        ROOTS[request.kind], NAMESPACES, request.props, sync_token=token, hrefs=request.hrefs
    )


def read_answer(status: int, url: str, body: bytes) -> DavAnswer:
    if status != 207:
        conditions: frozenset[str] = frozenset()
        if body.lstrip().startswith(b"<"):
            try:
                root = etree.fromstring(body, PARSER)
                conditions = frozenset(str(e.tag) for e in root.iter() if e is not root)
            except etree.XMLSyntaxError:
                pass
        return DavAnswer(status, url, conditions=conditions)
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError:
        raise DavUnreadable(sentence("carddav_multistatus_not_xml")) from None
    responses = []
    for item in root.iter(f"{{{DAV}}}response"):
        href = item.findtext(f"{{{DAV}}}href")
        if not href or not href.strip():
            continue
        props: dict[str, DavProperty] = {}
        for propstat in item.iter(f"{{{DAV}}}propstat"):
            if status_code(propstat.find(f"{{{DAV}}}status")) != 200:
                continue
            for prop in propstat.iter(f"{{{DAV}}}prop"):
                for element in prop:
                    props[str(element.tag)] = DavProperty(
                        "".join(str(text) for text in element.itertext()),
                        tuple(
                            href_path(url, found.text or "")
                            for found in element.iter(f"{{{DAV}}}href")
                            if (found.text or "").strip()
                        ),
                        frozenset(str(e.tag) for e in element.iter() if e is not element),
                    )
        responses.append(
            DavResponse(href_path(url, href), status_code(item.find(f"{{{DAV}}}status")), props)
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
