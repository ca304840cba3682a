"""Checking a request's path before any application sees it (RFC 3986 §2.1, §5.2.4).

Every path is UTF-8 once percent-decoded, and its dot segments are resolved here,
so that WsgiDAV, Flask and our own routing all see the same clean path, and a path
that climbs above its root is refused with a readable 400 instead of reaching code
that cannot answer it.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes


class PathRejected(ValueError):
    """A request path that cannot be served; the message says why."""


def decoded_options_path(environ: dict) -> str:
    """PATH_INFO as every other method gets it: cheroot leaves OPTIONS undecoded.

    An undecoded path still equals the path of the raw REQUEST_URI; a server that
    decoded it (changing every valid %XX) gives a different one and is left alone.
    """
    path = environ.get("PATH_INFO", "")
    raw = environ.get("REQUEST_URI", "").split("?", 1)[0]
    if "%" not in path or path != raw:
        return path
    pieces = [unquote_to_bytes(piece) for piece in path.replace("%2f", "%2F").split("%2F")]
    return b"%2F".join(pieces).decode("latin-1")


def check_utf8(path: str) -> None:
    """A WSGI path is latin-1 text holding the request's bytes; they must be UTF-8."""
    try:
        path.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        raise PathRejected(
            "The path holds characters that are not percent-encoded UTF-8."
        ) from None
    except UnicodeDecodeError:
        raise PathRejected("The path's percent-encoding is not valid UTF-8.") from None


def resolve_dot_segments(path: str) -> str:
    """The path without "." and ".." segments; PathRejected if ".." climbs above "/".

    Empty segments and a trailing slash are kept; a final "." or ".." leaves one.
    """
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if not kept:
                raise PathRejected("The path climbs above the server's root with '..' segments.")
            kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/" + "/".join(kept)


def below_mount(path: str, mount: str) -> str:
    """The part of `path` below `mount`, with its dot segments resolved inside the mount."""
    rest = path[len(mount) :] or "/"
    try:
        return resolve_dot_segments(rest)
    except PathRejected:
        raise PathRejected(f"The path climbs above {mount}/ with '..' segments.") from None
