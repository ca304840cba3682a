"""How connectors reach a source over HTTP: an interface the domain defines and the
server implements (davserver/connector_http.py, with httpx), so that no HTTP library
lives in the domain and every source is fetched with the same limits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from resources.error_codes import Sentence, sentence

MAX_REDIRECTS = 5
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0  # between two bytes of the answer, not for all of it
MAX_SOURCE_BYTES = 200 * 1024 * 1024


class SourceUnreachable(Exception):
    """The source did not answer: name, TLS, connection, timeout, too many redirects,
    too large, or cut short. `sentence` says which, for the administrator."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class SourceRequest:
    url: str
    method: str = "GET"
    username: str = ""
    password: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    verify_tls: bool = True
    max_bytes: int = MAX_SOURCE_BYTES
    # False for WebDAV methods: HTTP clients turn a redirected PROPFIND into a GET, so the
    # caller follows Location itself (at most MAX_REDIRECTS times).
    follow_redirects: bool = True


class SourceAnswer(Protocol):
    """An answer whose body is read as it arrives."""

    status: int
    headers: Mapping[str, str]
    url: str  # after redirects

    def body_chunks(self) -> Iterator[bytes]:
        """The body in chunks; raises SourceUnreachable when it is cut short or too long."""
        ...


class SourceClient(Protocol):
    def open(self, request: SourceRequest) -> AbstractContextManager[SourceAnswer]:
        """Send the request; raises SourceUnreachable when no answer comes."""
        ...


@dataclass(frozen=True)
class SourceResponse:
    """A whole answer of a web API (small JSON bodies, read at once up to a limit)."""

    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes


class ApiSourceClient(SourceClient, Protocol):
    """A client that also calls web APIs (OAuth token endpoints, JSON services): any
    method, extra headers, a form or a JSON body, the whole answer returned."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json: object = None,
        verify_tls: bool = True,
        max_bytes: int = MAX_SOURCE_BYTES,
    ) -> SourceResponse:
        """Send one request (redirects followed); raises SourceUnreachable when no answer
        comes, and when the body is cut short or larger than `max_bytes`."""
        ...


# What was asked for -> the code of "HTTP <status> instead of it".
NOT_WHAT_WAS_ASKED = {
    "file": "source_status_not_file",
    "answer": "source_status_not_answer",
    "webdav": "source_status_not_webdav",
    "sync": "source_status_not_sync",
    "multiget": "source_status_not_multiget",
}


def status_sentence(status: int, what: str = "file") -> Sentence:
    """Why an answer with this status is not what was asked for (a key of
    NOT_WHAT_WAS_ASKED), for the administrator."""
    if status in (401, 403):
        return sentence("source_login_refused", status=status)
    if status == 404 and what == "file":
        return sentence("source_no_file")
    return sentence(NOT_WHAT_WAS_ASKED[what], status=status)
