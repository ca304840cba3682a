"""The import fixtures of tests/data/import/, with names made unique per test (the
server and its contacts directory are shared by the whole test session)."""

from __future__ import annotations

import uuid
from pathlib import Path

IMPORT_DATA = Path(__file__).resolve().parent / "data" / "import"
CALENDAR_FILE = "calendar_two_good_events_one_without_uid_two_broken.ics"
VCARD_FILE = "vcards_four_one_without_uid_one_without_fn_one_without_org.vcf"


def unique_file(name: str) -> tuple[bytes, str]:
    """The fixture's bytes with its UIDs and company name made unique; and the mark."""
    mark = uuid.uuid4().hex[:8]
    text = (IMPORT_DATA / name).read_bytes().decode("utf-8")
    text = text.replace("@example.com", f"-{mark}@example.com")
    text = text.replace("Importwerk GmbH", f"Importwerk {mark} GmbH")
    text = text.replace("Imported planning", f"Imported planning {mark}")
    return text.encode("utf-8"), mark


def many_events(count: int, mark: str) -> bytes:
    """A calendar of `count` one-hour events, the way a whole-calendar export looks."""
    events = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:many-{mark}-{n}@example.com\r\n"
        "DTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:2026{1 + n % 12:02d}{1 + n % 28:02d}T{8 + n % 10:02d}0000Z\r\n"
        "DURATION:PT1H\r\n"
        f"SUMMARY:Bulk {n}\r\n"
        "END:VEVENT\r\n"
        for n in range(count)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n{events}END:VCALENDAR\r\n".encode()
