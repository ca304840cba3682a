"""How connectors ask a WebDAV source (another CardDAV server): requests and multistatus
answers as data, and the interface the server implements (davserver/connector_dav.py
writes the XML and reads the answers), so that no XML lives in the domain.

Properties are named in Clark notation (`{DAV:}getetag`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from resources.connectors.source_http import SourceClient
from resources.error_codes import Sentence

DAV, CARDDAV, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
PROPFIND, SYNC_COLLECTION, MULTIGET = "propfind", "sync-collection", "addressbook-multiget"


def clark(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


@dataclass(frozen=True)
class DavRequest:
    """A PROPFIND, or a REPORT of kind SYNC_COLLECTION or MULTIGET, asking for `props`."""

    url: str
    kind: str
    props: tuple[str, ...]
    depth: str = "0"
    sync_token: str = ""  # SYNC_COLLECTION: "" asks for every member
    hrefs: tuple[str, ...] = ()  # MULTIGET
    username: str = ""
    password: str = ""
    verify_tls: bool = True


@dataclass(frozen=True)
class DavProperty:
    text: str  # the text of the element and its descendants
    hrefs: tuple[str, ...] = ()  # the DAV:href elements inside, as absolute paths
    names: frozenset[str] = frozenset()  # the names of every element inside


@dataclass(frozen=True)
class DavResponse:
    href: str  # an absolute path, as the server wrote it
    status: int | None  # the response's own status (404 for a removed member), if any
    props: Mapping[str, DavProperty] = field(default_factory=dict)  # those found (200)

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
class DavAnswer:
    status: int
    url: str  # after redirects
    responses: tuple[DavResponse, ...] = ()  # of a 207 answer
    sync_token: str = ""  # of a sync-collection answer
    conditions: frozenset[str] = frozenset()  # the names inside a DAV:error body


class DavUnreadable(Exception):
    """A 207 answer that is not a multistatus document."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@runtime_checkable
class DavSourceClient(SourceClient, Protocol):
    def dav(self, request: DavRequest) -> DavAnswer:
        """Send the request, following redirects with the same method; raises
        SourceUnreachable when no answer comes, DavUnreadable for a broken multistatus."""
        ...
