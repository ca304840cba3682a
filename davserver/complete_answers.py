"""Every answer complete (RFC 9110 §8.6, §9.3.2, RFC 9112 §6.3): the body carries exactly
the bytes its Content-Length promises, HEAD and 1xx/204/304 answers carry none.

The outermost WSGI layer. It holds the status line back until the first non-empty
piece of body (or the end) so that an application that promised a body and sent
none (WsgiDAV 4.4 drops some error pages with a `return` inside a generator) still
gets a short text body that matches its headers; an application that fails before
sending anything gets a 500. Once bytes are out, a body shorter than promised can
only end the connection, which this layer then forces: a client never waits for
bytes that do not come, and never reads the next answer as the rest of this one.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator

log = logging.getLogger("davserver.request")

_NO_BODY_STATUSES = {204, 304}


class IncompleteAnswer(RuntimeError):
    """Raised to make the HTTP server drop a connection whose answer fell short."""


def _text_answer(
    status: str, headers: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], bytes]:
    body = f"{status}\n".encode("latin-1", "replace")
    kept = [(n, v) for n, v in headers if n.lower() not in ("content-length", "content-type")]
    return [
        *kept,
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ], body


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class CompleteAnswers:
    """WSGI middleware guaranteeing complete answers (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        held: list = []

        def hold(status, headers, exc_info=None):
            held[:] = [status, list(headers), exc_info]
            return _no_write

        try:
            answer = self.app(environ, hold)
            pieces = iter(answer)
            first = next((piece for piece in pieces if piece), b"")
        except Exception:
            log.exception(
                "an answer failed before it started: %s %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            headers, body = _text_answer("500 Internal Server Error", [])
            start_response("500 Internal Server Error", headers)
            return [body]
        if not held:
            headers, body = _text_answer("500 Internal Server Error", [])
            start_response("500 Internal Server Error", headers)
            return [body]
        return self._send(environ, start_response, held, first, pieces, answer)

    def _send(
        self, environ, start_response, held, first: bytes, pieces: Iterator[bytes], answer
    ) -> Iterator[bytes]:
        status, headers, exc_info = held
        code = int(status.split(" ", 1)[0])
        declared = _declared_length(headers)
        silent = environ.get("REQUEST_METHOD") == "HEAD" or code < 200 or code in _NO_BODY_STATUSES
        if silent:
            if code in _NO_BODY_STATUSES:
                headers = [(n, v) for n, v in headers if n.lower() != "content-length"] + [
                    ("Content-Length", "0")
                ]
            start_response(status, headers, exc_info)
            _close(answer)
            return iter(())
        if not first and declared:
            headers, first = _text_answer(status, headers)
            start_response(status, headers, exc_info)
            _close(answer)
            return iter([first])
        start_response(status, headers, exc_info)
        return self._rest(environ, first, pieces, answer, declared)

    def _rest(
        self, environ, first: bytes, pieces: Iterator[bytes], answer, declared: int | None
    ) -> Iterator[bytes]:
        sent = 0
        try:
            for piece in itertools.chain([first], pieces):
                if declared is not None and sent + len(piece) > declared:
                    piece = piece[: declared - sent]  # never more than promised
                sent += len(piece)
                if piece:
                    yield piece
        finally:
            _close(answer)
        if declared is not None and sent < declared:
            log.error(
                "%s %s sent %d of %d promised bytes; closing the connection",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                sent,
                declared,
            )
            raise IncompleteAnswer("the answer fell short of its Content-Length")


def _no_write(data: bytes) -> None:
    raise RuntimeError("the WSGI write() callable is not supported; return the body instead")


def _close(answer) -> None:
    close = getattr(answer, "close", None)
    if close is not None:
        close()
