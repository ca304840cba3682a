"""JSON over HTTP for the connectors of web services (Salesforce, SugarCRM): a request
with a form or JSON body, its answer read whole (within a size limit) and parsed, and a
service's "slow down" (429 or 503 with Retry-After) waited out a few times.

It sends through the SourceClient the server gives the domain (source_http.py), so these
connectors keep the same timeouts, TLS checks and size limits as every other source, and
no HTTP library lives here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from resources.connectors.connector_types import SourceUnreadable
from resources.connectors.source_http import SourceClient, SourceRequest
from resources.error_codes import sentence

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # one page of a list; a service's pages are far smaller
MAX_WAITS = 3  # times a run waits for a service that asked it to slow down
MAX_WAIT_SECONDS = 60.0  # a longer wait fails the run; the next run tries again
MAX_RUN_WAIT_SECONDS = 300.0  # all the waits of one run together
BUSY_STATUSES = (429, 503)


class ServiceBusy(SourceUnreadable):
    """The service asked to wait longer (or more often) than a run waits."""


@dataclass(frozen=True)
class JsonAnswer:
    status: int
    headers: Mapping[str, str]
    data: object  # the parsed body; None when the body is empty or not JSON

    def header(self, name: str) -> str:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return ""


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Retry-After as seconds (RFC 9110 §10.2.3: a number of seconds or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


def _parsed(body: bytes) -> object:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None


@dataclass
class JsonCaller:
    """Sends a connection's requests to one service and counts them (for the run's state,
    so a slow source can be looked into)."""

    client: SourceClient
    verify_tls: bool = True
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    waited_seconds: float = 0.0
    service: str = "The service"
    _default_headers: dict[str, str] = field(default_factory=lambda: {"Accept": "application/json"})

    def call(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json_body: object = None,
    ) -> JsonAnswer:
        """The answer, after waiting out at most MAX_WAITS requests to slow down; raises
        SourceUnreachable when no answer comes, ServiceBusy when the wait is too long."""
        sent = {**self._default_headers, **(headers or {})}
        body: bytes | None = None
        if form is not None:
            body = urlencode(form).encode("ascii")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        request = SourceRequest(
            url=url,
            method=method,
            headers=sent,
            body=body,
            verify_tls=self.verify_tls,
            max_bytes=MAX_ANSWER_BYTES,
        )
        for attempt in range(MAX_WAITS + 1):
            answer = self._once(request)
            if answer.status not in BUSY_STATUSES:
                return answer
            wait = retry_after_seconds(answer.header("Retry-After"))
            if wait is None:
                if answer.status == 503:
                    return answer  # down, not busy: the caller names the status
                wait = float(2**attempt)
            too_long = self.waited_seconds + wait > MAX_RUN_WAIT_SECONDS
            if attempt == MAX_WAITS or wait > MAX_WAIT_SECONDS or too_long:
                raise ServiceBusy(
                    sentence(
                        "json_service_busy",
                        service=self.service,
                        seconds=f"{wait:.0f}",
                        status=answer.status,
                    )
                )
            self.waited_seconds += wait
            self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _once(self, request: SourceRequest) -> JsonAnswer:
        self.requests += 1
        with self.client.open(request) as answer:
            body = b"".join(answer.body_chunks())
            return JsonAnswer(answer.status, dict(answer.headers), _parsed(body))


def text_of(value: object) -> str:
    """A JSON value as the text a source field holds: strings as they are, numbers and
    booleans written out, nothing for null, lists and objects."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
