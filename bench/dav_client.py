"""The benchmark's CalDAV requests, as raw HTTP (requests + lxml), one Session per thread.

Each method sends one request, reads the whole body and returns the response; the
benchmark times the call. Bodies are the ones real clients send (DAVx5, Thunderbird).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

import requests
from lxml import etree

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8"}
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
TIMEOUT_SECONDS = 120

PROPFIND_COLLECTION = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">'
    "<d:prop><d:resourcetype/><d:displayname/><cs:getctag/><d:sync-token/></d:prop></d:propfind>"
)
PROPFIND_ETAGS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
)


class UnexpectedStatus(Exception):
    """A response whose status is not the one the operation needs."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> {status}: {body[:300]}")
        self.status = status


@dataclass(frozen=True)
class Target:
    """Where one server keeps the benchmark calendar, and how to sign in."""

    name: str
    base_url: str
    calendar_path: str  # ends with "/"
    username: str
    password: str

    def href(self, name: str) -> str:
        return self.calendar_path + name


def _utc(value: datetime) -> str:
    return f"{value:%Y%m%dT%H%M%S}Z"


def calendar_query_body(start: datetime, end: datetime, expand: bool) -> str:
    data = (
        f'<c:calendar-data><c:expand start="{_utc(start)}" end="{_utc(end)}"/></c:calendar-data>'
        if expand
        else "<c:calendar-data/>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<c:calendar-query xmlns:d="DAV:" xmlns:c="{CALDAV}">'
        f"<d:prop><d:getetag/>{data}</d:prop>"
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        f'<c:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


def multiget_body(hrefs: list[str]) -> str:
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<c:calendar-multiget xmlns:d="DAV:" xmlns:c="{CALDAV}">'
        f"<d:prop><d:getetag/><c:calendar-data/></d:prop>{listed}</c:calendar-multiget>"
    )


def sync_collection_body(token: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
        "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )


class CalDavClient:
    """One persistent HTTP session against one server's benchmark calendar."""

    def __init__(self, target: Target, authenticated: bool = True) -> None:
        self.target = target
        self.session = requests.Session()
        if authenticated:
            self.session.auth = (target.username, target.password)

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        expect: tuple[int, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        url = self.target.base_url + path
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = self.session.request(
            method, url, data=data, headers=headers, timeout=TIMEOUT_SECONDS
        )
        if expect and response.status_code not in expect:
            raise UnexpectedStatus(method, url, response.status_code, response.text)
        return response

    def mkcalendar(self, path: str) -> requests.Response:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<c:mkcalendar xmlns:d="DAV:" xmlns:c="{CALDAV}"><d:set><d:prop>'
            "<d:displayname>Benchmark</d:displayname>"
            '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>'
            "</d:prop></d:set></c:mkcalendar>"
        )
        return self.request("MKCALENDAR", path, body, (201,), XML_HEADERS)

    def put(
        self, name: str, ics: str, etag: str | None = None, new: bool = False
    ) -> requests.Response:
        headers = dict(ICS_HEADERS)
        if etag:
            headers["If-Match"] = etag
        if new:
            headers["If-None-Match"] = "*"
        return self.request("PUT", self.target.href(name), ics, (201, 204), headers)

    def get(self, name: str) -> requests.Response:
        return self.request("GET", self.target.href(name), expect=(200,))

    def propfind(
        self, depth: str, body: str, expect: tuple[int, ...] = (207,)
    ) -> requests.Response:
        headers = {**XML_HEADERS, "Depth": depth}
        return self.request("PROPFIND", self.target.calendar_path, body, expect, headers)

    def report(self, body: str, depth: str = "1") -> requests.Response:
        headers = {**XML_HEADERS, "Depth": depth}
        return self.request("REPORT", self.target.calendar_path, body, (207,), headers)


def multistatus(response: requests.Response) -> etree._Element:
    return etree.fromstring(response.content)


def response_count(response: requests.Response) -> int:
    """Number of <response> elements in a 207 body that are not the collection itself."""
    root = multistatus(response)
    return sum(
        1
        for r in root.iter(f"{{{DAV}}}response")
        if not r.findtext(f"{{{DAV}}}href", "").endswith("/")
    )


def member_etags(response: requests.Response) -> dict[str, str]:
    """Member name (last href segment, decoded) -> ETag, from a PROPFIND Depth 1 answer."""
    etags = {}
    for item in multistatus(response).iter(f"{{{DAV}}}response"):
        href = item.findtext(f"{{{DAV}}}href", "")
        etag = item.findtext(f".//{{{DAV}}}getetag")
        if etag and not href.endswith("/"):
            etags[unquote(href.rsplit("/", 1)[-1])] = etag
    return etags


def sync_token(response: requests.Response) -> str:
    token = multistatus(response).findtext(f"{{{DAV}}}sync-token")
    if not token:
        raise ValueError("sync-collection answer without a sync-token")
    return token
