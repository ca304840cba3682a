"""Line endings and control characters of stored iCalendar and vCard text
(RFC 5545 §3.1, RFC 6350 §3.2): what is normalised before storing, what is refused."""

from __future__ import annotations

import re

# Line endings clients send: CRLF (the RFCs), bare LF (files edited on Unix), bare CR (old Mac
# exports) and CR CR LF (a CRLF file passed through a text-mode converter). All mean a line break.
_LINE_ENDING = re.compile(rb"\r*\n|\r")
_BARE_CR = re.compile(rb"\r+(?!\r*\n)")
_TEXT_LINE_ENDING = re.compile(r"\r\n|\r|\n")
# C0 controls other than TAB, DEL and the two non-characters XML 1.0 cannot carry: a body
# holding one could not be served in a REPORT answer (RFC 5545 §3.1 CONTROL, RFC 6350 §3.3).
FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def with_crlf_line_endings(body: bytes) -> bytes:
    """The body with every line ending written as CRLF if it has a bare CR one; else as sent.

    Every reader copes with LF and CR CR LF endings (and clients expect those bodies back byte for
    byte), but a bare CR is no line break to icalendar or an XML answer, so it is normalised.
    """
    if body.count(b"\r") == body.count(b"\r\n") or _BARE_CR.search(body) is None:
        return body  # the counts alone show that every CR ends a CRLF: no search needed
    return _LINE_ENDING.sub(b"\r\n", body)


# The same characters as bytes of UTF-8 text: controls are single bytes below 0x80, which
# never occur inside a multi-byte sequence, and U+FFFE/U+FFFF have one encoding each.
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_FORBIDDEN_SEQUENCES = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def may_hold_forbidden_character(body: bytes) -> bool:
    """A cheap test on UTF-8 bytes: False means forbidden_character finds nothing."""
    return len(body.translate(None, _FORBIDDEN_BYTES)) != len(body) or any(
        s in body for s in _FORBIDDEN_SEQUENCES
    )


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The line number (1-based) and the first character no stored text may hold, if any."""
    bad = FORBIDDEN_CHARACTER.search(text)
    if bad is None:
        return None
    return len(_TEXT_LINE_ENDING.findall(text, 0, bad.start())) + 1, bad.group()
