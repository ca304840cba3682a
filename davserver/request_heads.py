"""Reading request heads (RFC 9112 §2-§5) without letting slow or huge ones stall the server.

cheroot gives a connection to a worker thread as soon as its first byte arrives,
and the worker then blocks until the whole head is read: a client sending one byte
every few seconds holds a thread for as long as it likes, and as many such clients
as there are threads stop the server ("slowloris"). Here the head is collected by
the connection manager's own loop, without blocking, and a worker gets the
connection only once the head is complete. A head that is not complete within the
deadline gets 408 and the connection is closed; a head larger than the limit gets
431 (RFC 6585 §5).
"""

from __future__ import annotations

import logging
import selectors
import time

from cheroot import errors, wsgi
from cheroot.server import HTTPConnection, HTTPRequest

log = logging.getLogger("davserver.server")

MAX_HEAD_BYTES = 64 * 1024  # request line and header fields together
_END_OF_HEAD = b"\r\n\r\n"
_HEAD, _SINCE = "davserver_head", "davserver_head_since"


class BoundedRequest(HTTPRequest):
    """cheroot's request, answering 431 (not 413) to header fields over the limit."""

    def read_request_headers(self):
        try:
            return super().read_request_headers()
        except errors.MaxSizeExceeded:
            _answer_and_close(
                self.conn,
                "431 Request Header Fields Too Large",
                f"The request's header fields exceed {MAX_HEAD_BYTES} bytes.",
            )
            self.close_connection = True
            return False


class BoundedConnection(HTTPConnection):
    RequestHandlerClass = BoundedRequest


def _answer_and_close(conn: HTTPConnection, status: str, message: str) -> None:
    body = f"{status}: {message}\n".encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        conn.wfile.write(head + body)
        conn.wfile.flush()
    except OSError:
        pass


class HeadGatedServer(wsgi.Server):
    """A cheroot server whose worker threads only ever see complete request heads."""

    ConnectionClass = BoundedConnection
    head_timeout: float = 10.0

    def process_conn(self, conn: HTTPConnection) -> None:
        if self.ssl_adapter is not None or conn.rfile.has_data():
            # TLS bytes cannot be inspected here; buffered bytes are a pipelined
            # request already read. Both go on as cheroot does it.
            super().process_conn(conn)
            return
        arrived = self._receive(conn)
        if arrived is None:
            return
        pending = getattr(conn, _HEAD, b"") + arrived
        since = getattr(conn, _SINCE, None) or time.time()
        if _END_OF_HEAD in pending or len(pending) > MAX_HEAD_BYTES:
            self._hand_to_worker(conn, pending)
        elif time.time() - since > self.head_timeout:
            log.info(
                "closing a connection from %s: no complete request head after %.0f s",
                getattr(conn, "remote_addr", "?"),
                self.head_timeout,
            )
            _answer_and_close(
                conn, "408 Request Timeout", "The request's header fields took too long to arrive."
            )
            conn.close()
        else:
            setattr(conn, _HEAD, pending)
            setattr(conn, _SINCE, since)
            conn.last_used = (
                since  # the idle expiry counts from the head's start, not its last byte
            )
            self._connections._selector.register(  # type: ignore[attr-defined]
                conn.socket.fileno(), selectors.EVENT_READ, data=conn
            )

    def _receive(self, conn: HTTPConnection) -> bytes | None:
        """What the socket holds now, without waiting; None if the connection is gone."""
        sock = conn.socket
        try:
            sock.settimeout(0)
            try:
                chunk = sock.recv(MAX_HEAD_BYTES + 1)
            finally:
                sock.settimeout(self.timeout)
        except BlockingIOError:
            return b""
        except OSError:
            conn.close()
            return None
        if not chunk:
            conn.close()
            return None
        return chunk

    def _hand_to_worker(self, conn: HTTPConnection, head: bytes) -> None:
        """Put the collected bytes where the worker's reader looks first, then queue it."""
        for name in (_HEAD, _SINCE):
            if hasattr(conn, name):
                delattr(conn, name)
        reader = conn.rfile
        with reader._read_lock:  # cheroot's StreamReader is a _pyio.BufferedReader
            reader._read_buf = bytes(head)
            reader._read_pos = 0
        super().process_conn(conn)
