"""The POST handlers of one DAV app: WebDAV gives POST no meaning of its own (RFC 4918
§9.5), so a protocol package declares which nodes take it and how (CalDAV: free-busy
requests to a scheduling outbox, RFC 6638 §5); the app builder hands them over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# A handler gets (node, environ, start_response) and returns the answer's chunks.
PostFunction = Callable[..., list[bytes]]


@dataclass(frozen=True)
class PostHandler:
    applies_to: Callable[[object], bool]
    handler: PostFunction


def find_post_handler(handlers: tuple[PostHandler, ...], node: object) -> PostHandler | None:
    """The first handler that takes POST on `node`, if any."""
    return next((h for h in handlers if h.applies_to(node)), None)
