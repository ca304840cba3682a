"""The Content-Disposition header of downloads (RFC 6266 §4.1, RFC 8187 for filename*).

HTTP header values are Latin-1 on the wire, so a name outside it cannot go into a
plain `filename`: the UTF-8 name goes into `filename*`, and `filename` carries an ASCII
stand-in for clients that do not read `filename*`.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def _ascii_fallback(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    kept = "".join(c if c.isalnum() or c in "-._ " else "-" for c in plain).strip(" .")
    return kept or "download"


def attachment(stem: str, extension: str) -> str:
    """`attachment; filename="..."; filename*=UTF-8''...` for `stem` + `extension` (".ics")."""
    stem = "".join(c for c in stem if unicodedata.category(c)[0] != "C") or "download"
    fallback = _ascii_fallback(stem) + extension
    return (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(stem + extension, safe='')}"
    )
