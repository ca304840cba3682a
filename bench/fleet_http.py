"""One phone's HTTP/1.1 connection for the phone fleet: raw asyncio streams, kept alive.

Thousands of phones in one process cannot each be a thread with a `requests` session;
an asyncio stream per phone costs a socket and a few kilobytes. A connection is opened
when the phone needs it and reused while the server keeps it: it is opened afresh (a
*reconnect*, counted, not an error) when the server said `Connection: close`, when it
idled longer than IDLE_REOPEN_SECONDS (the server forgets idle connections after 30 s,
as cheroot's `timeout`; like nginx's `keepalive_timeout 25s`, the client lets go
first), or when a reused connection turns out closed before any byte of the answer
arrived (the server closed it as the request left; every HTTP client retries then).
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field

IDLE_REOPEN_SECONDS = 25.0
REQUEST_TIMEOUT_SECONDS = 30.0
MAX_HEAD_BYTES = 64 * 1024


class HttpFailure(Exception):
    """The request got no complete answer (refused, reset, timed out, malformed)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; repeated fields joined by ", "
    body: bytes
    seconds: float  # from sending (connecting included) to the last byte of the body
    connect_seconds: float  # 0.0 when the connection was reused


@dataclass
class ReconnectCounts:
    idle: int = 0  # idled past IDLE_REOPEN_SECONDS: opened anew
    closed_by_server: int = 0  # the server answered `Connection: close`
    stale: int = 0  # a reused connection was closed under the request; sent again
    first: int = 0  # the phone's very first connection

    def total(self) -> int:
        return self.idle + self.closed_by_server + self.stale

    def as_dict(self) -> dict[str, int]:
        return {
            "idle": self.idle,
            "closed_by_server": self.closed_by_server,
            "stale": self.stale,
            "first": self.first,
        }


@dataclass
class Connection:
    host: str
    port: int
    username: str
    password: str
    counts: ReconnectCounts = field(default_factory=ReconnectCounts)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _last_used: float = 0.0
    _closing: bool = False  # the server asked to close after the last answer
    _ever_opened: bool = False

    def __post_init__(self) -> None:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        self._authorization = f"Basic {token}"

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        clock = time.perf_counter()
        try:
            return await asyncio.wait_for(
                self._send(method, path, body, headers or {}, clock), REQUEST_TIMEOUT_SECONDS
            )
        except TimeoutError:
            self.close()
            raise HttpFailure(
                f"{method} {path}: no answer in {REQUEST_TIMEOUT_SECONDS} s"
            ) from None
        except HttpFailure:
            self.close()  # whatever is left on the connection cannot be trusted
            raise

    async def _send(
        self, method: str, path: str, body: bytes, headers: dict[str, str], clock: float
    ) -> Answer:
        connect_seconds = await self._ensure_open()
        reused = connect_seconds == 0.0
        message = self._message(method, path, body, headers)
        try:
            return await self._exchange(message, clock, connect_seconds)
        except _ClosedBeforeAnswer as closed:
            self.close()
            if not reused:
                raise HttpFailure(f"{method} {path}: {closed}") from None
        self.counts.stale += 1
        connect_seconds = await self._open()
        try:
            return await self._exchange(message, clock, connect_seconds)
        except _ClosedBeforeAnswer as closed:
            self.close()
            raise HttpFailure(f"{method} {path}: {closed} (on a fresh connection)") from None

    async def _ensure_open(self) -> float:
        """Seconds spent connecting, 0.0 when the open connection is reused."""
        if self._writer is not None:
            if self._closing:
                self.counts.closed_by_server += 1
            elif time.monotonic() - self._last_used > IDLE_REOPEN_SECONDS:
                self.counts.idle += 1
            else:
                return 0.0
            self.close()
        elif self._ever_opened:
            self.counts.idle += 1  # let go at the end of the last poll
        else:
            self.counts.first += 1
        return await self._open()

    async def _open(self) -> float:
        clock = time.perf_counter()
        try:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise HttpFailure(f"connect to {self.host}:{self.port}: {exc}") from None
        self._ever_opened, self._closing = True, False
        return max(time.perf_counter() - clock, 1e-9)

    def _message(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: {self._authorization}",
            "User-Agent: davserver-bench-phone-fleet",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def _exchange(self, message: bytes, clock: float, connect_seconds: float) -> Answer:
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None
        try:
            writer.write(message)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise _ClosedBeforeAnswer("closed before the answer") from None
            raise HttpFailure("the answer's head was cut off") from None
        except ConnectionError as exc:
            raise _ClosedBeforeAnswer(f"{type(exc).__name__} before the answer") from None
        except asyncio.LimitOverrunError:
            raise HttpFailure("the answer's head is too long") from None
        status, headers = _parse_head(head)
        try:
            body = await _read_body(reader, headers)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.close()
            raise HttpFailure(f"the answer's body was cut off: {exc}") from None
        self._last_used = time.monotonic()
        if headers.get("connection", "").lower() == "close":
            self._closing = True
        return Answer(status, headers, body, time.perf_counter() - clock, connect_seconds)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class _ClosedBeforeAnswer(Exception):
    pass


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        raise HttpFailure(f"not an HTTP status line: {lines[0][:100]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailer fields
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0"))
    return await reader.readexactly(length) if length else b""
