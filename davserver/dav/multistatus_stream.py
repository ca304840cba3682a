"""Sending a DAV:multistatus (RFC 4918 §13) as its responses are built.

A handler fills the multistatus root in steps (a generator that yields after adding
some DAV:response elements); after each step the new elements are serialised and
dropped. An answer that stays small goes out whole, with Content-Length; a large one
(a Depth 1 PROPFIND of 100,000 members, a query matching thousands of objects) is
sent in chunks, so memory stays flat however large the collection.

Everything that can fail with a proper error status (parsing, preconditions, the
first batch of work) runs before the status line is sent; a failure after that can
only end the connection, and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from lxml import etree

from davserver.dav.xml import multistatus
from davserver.memory import release_free_memory

log = logging.getLogger("davserver.dav")

# Answers up to this size go out in one piece, with Content-Length.
WHOLE_ANSWER_LIMIT = 256 * 1024
TRIM_AFTER = 4 * 1024 * 1024  # after a streamed answer this large, free heap pages go back
STREAMING = "davserver.streaming"  # environ key: this answer is sent in chunks
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
HEADERS = [("Content-Type", "application/xml; charset=utf-8")]

Fill = Callable[[etree._Element], Iterable[None]]


class _Serialiser:
    """Writes the children added to `root` since the last call, without repeating the
    namespace declarations the root already makes."""

    def __init__(self) -> None:
        self.root = multistatus()
        marker = etree.SubElement(self.root, "x")
        whole = etree.tostring(self.root, encoding="utf-8")
        self.root.remove(marker)
        self.open_tag = whole[: whole.index(b">") + 1]
        self.close_tag = whole[whole.rindex(b"</") :]

    def drain(self) -> bytes:
        if len(self.root) == 0:
            return b""
        whole = etree.tostring(self.root, encoding="utf-8")
        # Slice deletion frees the children without making Python proxies of them;
        # removing them one by one moves each subtree to a document of its own, which
        # costs time quadratic in the number of its namespaced elements.
        del self.root[:]
        return whole[len(self.open_tag) : -len(self.close_tag)]


def send_multistatus_stream(
    environ: dict, start_response, fill: Fill, status: str = "207 Multi-Status"
) -> Iterable[bytes]:
    """Run `fill(root)` and send what it adds; whole if it stays small, else in chunks."""
    writer = _Serialiser()
    steps = iter(fill(writer.root))
    pieces, size = [_DECLARATION, writer.open_tag], 0
    for _ in steps:
        piece = writer.drain()
        pieces.append(piece)
        size += len(piece)
        if size > WHOLE_ANSWER_LIMIT:
            break
    else:
        pieces.extend((writer.drain(), writer.close_tag))
        body = b"".join(pieces)
        start_response(status, [*HEADERS, ("Content-Length", str(len(body)))])
        return [body]
    environ[STREAMING] = True
    start_response(status, list(HEADERS))
    return _rest(pieces, steps, writer)


def _rest(pieces: list[bytes], steps: Iterator[None], writer: _Serialiser) -> Iterator[bytes]:
    yield b"".join(pieces)
    pending, size, sent = [], 0, 0
    try:
        for _ in steps:
            piece = writer.drain()
            pending.append(piece)
            size += len(piece)
            if size >= WHOLE_ANSWER_LIMIT // 4:
                yield b"".join(pending)
                pending, sent, size = [], sent + size, 0
    except Exception:
        log.exception(
            "a streamed multistatus failed after it was started; the connection is closed"
        )
        raise
    yield b"".join(pending) + writer.drain() + writer.close_tag
    if sent >= TRIM_AFTER:
        release_free_memory()
