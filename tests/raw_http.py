"""HTTP/1.1 over a raw socket for tests: send exact bytes, read one answer by its
framing (Content-Length or chunked, none for HEAD/1xx/204/304), and check that the
answer was complete and the connection still serves a second request.
"""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass, field


@dataclass
class RawAnswer:
    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""


class IncompleteAnswer(AssertionError):
    pass


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def request_bytes(
    method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """A well-formed HTTP/1.1 request; `path` is sent exactly as given."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("PUT", "PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Reader:
    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""

    def _fill(self, what: str) -> None:
        try:
            chunk = self.conn.recv(65536)
        except TimeoutError:
            raise IncompleteAnswer(
                f"timed out waiting for {what}; got so far {self.buffer[:300]!r}"
            ) from None
        if not chunk:
            raise IncompleteAnswer(
                f"connection closed while waiting for {what}; got {self.buffer[:300]!r}"
            )
        self.buffer += chunk

    def line(self, what: str) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill(what)
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def exactly(self, count: int, what: str) -> bytes:
        while len(self.buffer) < count:
            self._fill(what)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def read_answer(reader: _Reader, method: str) -> RawAnswer:
    status_line = reader.line("the status line").decode("latin-1")
    _version, status, reason = (status_line.split(" ", 2) + [""])[:3]
    answer = RawAnswer(int(status), reason)
    while line := reader.line("header fields"):
        name, _, value = line.decode("latin-1").partition(":")
        answer.headers[name.strip().lower()] = value.strip()
    if method == "HEAD" or answer.status < 200 or answer.status in (204, 304):
        return answer
    if "chunked" in answer.headers.get("transfer-encoding", "").lower():
        pieces = []
        while size := int(reader.line("a chunk size").split(b";")[0], 16):
            pieces.append(reader.exactly(size, "a chunk"))
            reader.exactly(2, "a chunk's CRLF")
        while reader.line("the trailer"):
            pass
        answer.body = b"".join(pieces)
    elif "content-length" in answer.headers:
        answer.body = reader.exactly(
            int(answer.headers["content-length"]), "the body Content-Length promises"
        )
    else:
        raise IncompleteAnswer(f"an answer without Content-Length or chunking: {answer}")
    return answer


def exchange(
    port: int, requests: list[bytes], methods: list[str], timeout: float = 10
) -> list[RawAnswer]:
    """Send the requests one after another on one connection; their answers, all complete."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        reader, answers = _Reader(conn), []
        for raw, method in zip(requests, methods, strict=True):
            conn.sendall(raw)
            answers.append(read_answer(reader, method))
        return answers


def send_and_read_complete(
    port: int, raw_request: bytes, timeout: float = 10, follow_up: bytes | None = None
) -> RawAnswer:
    """Send `raw_request`, read its answer completely, then check the connection is
    still usable: a second request (OPTIONS * unless `follow_up` is given) on it
    must get a complete answer too. An answer that announces `Connection: close`
    must instead be followed by the server closing, with nothing more sent. Returns
    the first answer."""
    method = raw_request.split(b" ", 1)[0].decode("latin-1")
    second = follow_up or b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    second_method = second.split(b" ", 1)[0].decode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        reader = _Reader(conn)
        conn.sendall(raw_request)
        first = read_answer(reader, method)
        if method == "HEAD":
            assert first.body == b""
        if "close" in first.headers.get("connection", "").lower():
            try:
                rest = reader.buffer + conn.recv(65536)
            except ConnectionResetError:
                rest = reader.buffer
            assert rest == b"", f"bytes after an answer that closes the connection: {rest[:200]!r}"
            return first
        conn.sendall(second)
        then = read_answer(reader, second_method)
    assert then.status < 500, then
    return first
