"""Reading stored calendar objects and vCards back (RFC 4791 §4.1, RFC 6352 §5.1), whatever an
earlier version let in: a body that can no longer be read is reported as UnreadableStoredObject,
so that each reader skips that one object and still answers for the others."""

from __future__ import annotations

import logging

from icalendar import Calendar

from resources.formats.calendar_timezones import parse_with_own_timezones
from resources.formats.content_lines import (
    forbidden_character,
    may_hold_forbidden_character,
    with_crlf_line_endings,
)

log = logging.getLogger("davserver.stored")


class UnreadableStoredObject(ValueError):
    """A stored body that is no valid UTF-8 iCalendar / vCard text any more."""


def stored_text(body: bytes) -> str:
    """The stored body as text with CRLF line endings, or UnreadableStoredObject."""
    raw = with_crlf_line_endings(bytes(body))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableStoredObject(f"not UTF-8 (byte {error.start})") from None
    bad = forbidden_character(text) if may_hold_forbidden_character(raw) else None
    if bad is not None:
        raise UnreadableStoredObject(f"control character U+{ord(bad[1]):04X} on line {bad[0]}")
    return text


def parse_stored_calendar(body: bytes) -> Calendar:
    """The stored iCalendar object, parsed; UnreadableStoredObject if it cannot be."""
    text = stored_text(body)
    try:
        return parse_with_own_timezones(text.encode("utf-8"))
    except Exception as error:  # noqa: BLE001 - icalendar raises many kinds for unreadable data
        raise UnreadableStoredObject(" ".join(str(error).split())[:200]) from None


def log_unreadable(collection_id: int, name: str, error: Exception) -> None:
    """The one log line an operator needs to find and repair the object."""
    log.warning(
        "skipped the unreadable stored object %r of collection %s: %s", name, collection_id, error
    )
