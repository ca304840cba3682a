"""A lean HTTP client for the concurrent load: http.client on one keep-alive connection.

The load threads run in the benchmark's own Python process on the same cores as the
server under test. requests costs about three times the CPU of http.client per
request, so with 8 threads the load generator itself took most of a core and capped
what any server could show. Every server is measured with this same client; the
single-request latencies keep using requests (dav_client.CalDavClient).
"""

from __future__ import annotations

import base64
import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

from dav_client import ICS_HEADERS, TIMEOUT_SECONDS, XML_HEADERS, Target, UnexpectedStatus


@dataclass
class LightResponse:
    status_code: int
    headers: dict[str, str]  # lower-case names
    content: bytes


class LightClient:
    """The calls the load mix makes (GET, PUT, REPORT), on one persistent connection."""

    def __init__(self, target: Target) -> None:
        self.target = target
        parts = urlsplit(target.base_url)
        self._address = (parts.hostname, parts.port)
        credentials = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
        self._auth = {"Authorization": f"Basic {credentials}"}
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        expect: tuple[int, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> LightResponse:
        data = body.encode("utf-8") if isinstance(body, str) else body
        for attempt in (1, 2):  # a server may close an idle keep-alive connection: reconnect once
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    *self._address, timeout=TIMEOUT_SECONDS
                )
            try:
                self._connection.request(
                    method, path, body=data, headers={**self._auth, **(headers or {})}
                )
                answer = self._connection.getresponse()
                content = answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        response = LightResponse(
            answer.status, {k.lower(): v for k, v in answer.getheaders()}, content
        )
        if answer.will_close:
            self.close()
        if expect and response.status_code not in expect:
            raise UnexpectedStatus(
                method, path, response.status_code, content.decode("utf-8", "replace")
            )
        return response

    def get(self, name: str) -> LightResponse:
        return self.request("GET", self.target.href(name), expect=(200,))

    def put(self, name: str, ics: str, etag: str | None = None) -> LightResponse:
        headers = dict(ICS_HEADERS)
        if etag:
            headers["If-Match"] = etag
        return self.request("PUT", self.target.href(name), ics, (201, 204), headers)

    def report(self, body: str, depth: str = "1") -> LightResponse:
        return self.request(
            "REPORT", self.target.calendar_path, body, (207,), {**XML_HEADERS, "Depth": depth}
        )
