"""A source that is a file in hand (an upload, a file named on the command line) rather
than at a URL: it answers every request with the file, through the same client interface
as HTTP sources, so that one connector type reads both."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from resources.connectors.source_http import SourceRequest


@dataclass
class UploadedAnswer:
    chunks: Iterable[bytes]
    status: int = 200
    url: str = "upload"
    headers: Mapping[str, str] = field(default_factory=dict)

    def body_chunks(self) -> Iterator[bytes]:
        yield from self.chunks


class UploadedSource:
    """Opens the file anew for each request (a test reads it, then the run reads it)."""

    def __init__(self, open_chunks: Callable[[], Iterable[bytes]]) -> None:
        self._open_chunks = open_chunks

    @contextmanager
    def open(self, request: SourceRequest) -> Iterator[UploadedAnswer]:
        yield UploadedAnswer(self._open_chunks())


def file_chunks(path: str, chunk_bytes: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        with open(path, "rb") as file:
            while chunk := file.read(chunk_bytes):
                yield chunk

    return read


def in_hand(client: object) -> bool:
    """Whether the client answers with a file in hand (an upload), not from the network:
    types whose data only ever comes so have nothing to fetch otherwise."""
    return isinstance(client, UploadedSource)
