"""The HTTP client connectors fetch their sources with (resources/connectors/source_http.py),
on httpx: Basic auth, connect and read timeouts, at most five redirects, a size limit, and
the TLS certificate checked unless the connection says otherwise."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from json import dumps
from urllib.parse import urlencode

import httpx

from davserver.connector_dav import send_dav
from resources.connectors.source_dav import DavAnswer, DavRequest
from resources.connectors.source_http import (
    CONNECT_TIMEOUT_SECONDS,
    MAX_REDIRECTS,
    MAX_SOURCE_BYTES,
    READ_TIMEOUT_SECONDS,
    SourceRequest,
    SourceResponse,
    SourceUnreachable,
)
from resources.error_codes import Sentence, sentence

CHUNK_BYTES = 64 * 1024


@cache
def _checking_context() -> ssl.SSLContext:
    """The system's CA certificates, loaded once: loading them for every request costs
    tens of milliseconds, more than a page of a local API takes."""
    return httpx.create_ssl_context()


@dataclass
class HttpxAnswer:
    status: int
    headers: Mapping[str, str]
    url: str
    _response: httpx.Response
    _max_bytes: int

    def body_chunks(self) -> Iterator[bytes]:
        received = 0
        try:
            for chunk in self._response.iter_bytes(CHUNK_BYTES):
                received += len(chunk)
                if received > self._max_bytes:
                    raise SourceUnreachable(
                        sentence("source_too_large", size=self._max_bytes // (1024 * 1024))
                    )
                yield chunk
        except httpx.HTTPError as error:
            raise SourceUnreachable(_sentence(error)) from None


def _sentence(error: httpx.HTTPError) -> Sentence:
    if isinstance(error, httpx.TooManyRedirects):
        return sentence("source_too_many_redirects", count=MAX_REDIRECTS)
    if isinstance(error, httpx.ConnectTimeout):
        return sentence("source_connect_timeout")
    if isinstance(error, httpx.TimeoutException):
        return sentence("source_read_timeout")
    if isinstance(error, httpx.ConnectError):
        if "CERTIFICATE" in str(error).upper():
            return sentence("source_tls_invalid")
        return sentence("source_unreachable")
    if isinstance(error, httpx.RemoteProtocolError):
        return sentence("source_cut_short")
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return sentence("source_url_not_http_address")
    return sentence("source_unreadable_error", error=type(error).__name__)


class HttpxSourceClient:
    """Opens source requests with httpx; one client a fetch, closed with it. Speaks
    WebDAV too (davserver/connector_dav.py), for CardDAV sources, and calls web APIs
    (`request`: forms, JSON, headers), for services such as Microsoft Graph."""

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
        content: bytes | None = None
        sent = dict(headers or {})
        if form is not None:
            content = urlencode(dict(form)).encode("ascii")
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif json is not None:
            content = dumps(json).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        request = SourceRequest(
            url, method, headers=sent, body=content, verify_tls=verify_tls, max_bytes=max_bytes
        )
        with self.open(request) as answer:
            body = b"".join(answer.body_chunks())
            named = {name.lower(): value for name, value in answer.headers.items()}
            return SourceResponse(answer.status, named, body)

    def dav(self, request: DavRequest) -> DavAnswer:
        return send_dav(self, request)

    @contextmanager
    def open(self, request: SourceRequest) -> Iterator[HttpxAnswer]:
        auth = (request.username, request.password) if request.username else None
        timeout = httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        try:
            with httpx.Client(
                auth=auth,
                timeout=timeout,
                verify=_checking_context() if request.verify_tls else False,
                follow_redirects=request.follow_redirects,
                max_redirects=MAX_REDIRECTS,
                trust_env=False,
            ) as client:
                with client.stream(
                    request.method,
                    request.url,
                    headers=dict(request.headers),
                    content=request.body,
                ) as response:
                    yield HttpxAnswer(
                        response.status_code,
                        response.headers,
                        str(response.url),
                        response,
                        request.max_bytes,
                    )
        except httpx.HTTPError as error:
            raise SourceUnreachable(_sentence(error)) from None
