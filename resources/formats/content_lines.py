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
    if _BARE_CR.search(body) is None:
        return body
    return _LINE_ENDING.sub(b"\r\n", body)


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The line number (1-based) and the first character no stored text may hold, if any."""
    bad = FORBIDDEN_CHARACTER.search(text)
    if bad is None:
        return None
    return len(_TEXT_LINE_ENDING.findall(text, 0, bad.start())) + 1, bad.group()
