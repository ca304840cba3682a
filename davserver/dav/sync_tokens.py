"""Sync tokens (RFC 6578 §3.2) and ctags: one URI per collection revision.

The token carries the collection's random epoch, so a token of another collection
(or of a deleted and re-created one) is recognised as foreign.
"""

from __future__ import annotations

import re

PREFIX = "http://davserver.dev/ns/sync/"
_TOKEN = re.compile(r"^" + re.escape(PREFIX) + r"([0-9a-f]{1,40})/([0-9]{1,18})$")


def make_token(epoch: str, revision: int) -> str:
    return f"{PREFIX}{epoch}/{revision}"


def parse_token(token: str, epoch: str) -> int | None:
    """The revision in `token` if it belongs to the collection with `epoch`, else None."""
    match = _TOKEN.match(token.strip())
    if not match or match.group(1) != epoch:
        return None
    return int(match.group(2))


def token_epoch(token: str) -> str | None:
    """The epoch of the collection `token` belongs to, for any well-formed token."""
    match = _TOKEN.match(token.strip())
    return match.group(1) if match else None


def token_revision(token: str) -> int | None:
    match = _TOKEN.match(token.strip())
    return int(match.group(2)) if match else None
