"""How the domain talks to an external CalDAV server: the client interface the server
implements (davserver/external_caldav.py, which writes and reads the XML and sends it
with the connectors' HTTP client), and the answers as data. No HTTP or XML lives here.

Properties are named in Clark notation (`{DAV:}getetag`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from resources.error_codes import Sentence

DAV, CALDAV = "DAV:", "urn:ietf:params:xml:ns:caldav"
CS, APPLE = "http://calendarserver.org/ns/", "http://apple.com/ns/ical/"
PROPFIND, SYNC_COLLECTION, MULTIGET = "propfind", "sync-collection", "calendar-multiget"


def clark(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


RESOURCETYPE, DISPLAYNAME = clark(DAV, "resourcetype"), clark(DAV, "displayname")
GETETAG, PRINCIPAL = clark(DAV, "getetag"), clark(DAV, "current-user-principal")
PRIVILEGES, WRITE = clark(DAV, "current-user-privilege-set"), clark(DAV, "write")
REPORTS, SYNC_TOKEN = clark(DAV, "supported-report-set"), clark(DAV, "sync-token")
HOME_SET, CALENDAR = clark(CALDAV, "calendar-home-set"), clark(CALDAV, "calendar")
COMPONENTS, COMP = clark(CALDAV, "supported-calendar-component-set"), clark(CALDAV, "comp")
CALENDAR_DATA, CTAG = clark(CALDAV, "calendar-data"), clark(CS, "getctag")
COLOR = clark(APPLE, "calendar-color")
VALID_SYNC_TOKEN = clark(DAV, "valid-sync-token")


class SyncProblem(Exception):
    """Something a pull or push met that the administrator is told as a sentence."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence

    @property
    def message(self) -> str:
        return self.sentence.english


def status_instead(status: int, request: str) -> Sentence:
    """The remote answered `status` to `request` (a method, or REPORT and its name)."""
    return Sentence("external_status_instead", {"status": status, "request": request})


class RemoteUnreachable(SyncProblem):
    """No answer came (name, connection, timeout, TLS, redirects, not XML)."""


@dataclass(frozen=True)
class Login:
    username: str
    password: str


@dataclass(frozen=True)
class RemoteProperty:
    text: str
    hrefs: tuple[str, ...] = ()  # DAV:href elements inside, as absolute paths
    names: frozenset[str] = frozenset()  # names of every element inside
    attributes: tuple[Mapping[str, str], ...] = ()  # of each element inside (comp name=)


@dataclass(frozen=True)
class RemoteResponse:
    href: str  # an absolute path
    status: int | None  # the response's own status (404: a removed member)
    props: Mapping[str, RemoteProperty] = field(default_factory=dict)

    def text(self, name: str) -> str:
        found = self.props.get(name)
        return found.text.strip() if found is not None else ""

    def href_in(self, name: str) -> str:
        found = self.props.get(name)
        return found.hrefs[0] if found is not None and found.hrefs else ""

    def has(self, name: str, inside: str) -> bool:
        found = self.props.get(name)
        return found is not None and inside in found.names


@dataclass(frozen=True)
class Multistatus:
    status: int
    url: str  # after redirects
    responses: tuple[RemoteResponse, ...] = ()
    sync_token: str = ""
    conditions: frozenset[str] = frozenset()  # the names inside a DAV:error body


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    etag: str = ""  # the ETag header, quotes kept as sent
    body: bytes = b""


class CalDavClient(Protocol):
    def dav(
        self,
        kind: str,
        url: str,
        props: Sequence[str],
        login: Login,
        *,
        depth: str = "0",
        token: str = "",
        hrefs: Sequence[str] = (),
    ) -> Multistatus:
        """PROPFIND, sync-collection or calendar-multiget; raises RemoteUnreachable."""
        ...

    def send(
        self,
        method: str,
        url: str,
        login: Login,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpAnswer:
        """GET, PUT or DELETE; raises RemoteUnreachable."""
        ...
