"""A large import is read from its file twice, never held whole (issue 12 §3): the
peak memory of importing a 10 MB .ics file stays below the file's size."""

from __future__ import annotations

import tracemalloc
import uuid

from resources.auth.credentials import create_credential
from resources.objects.calendar_collections import CALENDAR, CollectionProperties, create_collection
from resources.objects.calendar_import import import_calendar
from resources.organisation.accounts import create_account
from resources.organisation.branches import default_branch
from tests.api_helpers import unique


def large_calendar(path, events: int, description_bytes: int) -> int:
    filler = "x" * 70
    with open(path, "wb") as out:
        out.write(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n")
        for n in range(events):
            description = "\r\n ".join(
                [f"DESCRIPTION:{filler}"] + [filler] * (description_bytes // 72)
            )
            out.write(
                (
                    f"BEGIN:VEVENT\r\nUID:big-{n}@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
                    f"DTSTART:20260301T{8 + n % 10:02d}0000Z\r\nDURATION:PT1H\r\n"
                    f"SUMMARY:Big {n}\r\n{description}\r\nEND:VEVENT\r\n"
                ).encode()
            )
        out.write(b"END:VCALENDAR\r\n")
    return path.stat().st_size


def test_importing_a_10_mb_file_peaks_below_its_size(server, tmp_path):
    username = unique("memory")
    login = create_credential(
        username,
        f"pw-{uuid.uuid4().hex}",
        account=create_account(username).id,
        branch=default_branch().id,
        service_classes_=("caldav",),
        confirmed=True,
    )
    calendar = create_collection(login.id, "big", CALENDAR, CollectionProperties())
    source = tmp_path / "big.ics"
    size = large_calendar(source, 260, 40000)
    assert size > 10 * 1024 * 1024
    tracemalloc.start()
    try:
        with open(source, "rb") as handle:
            report = import_calendar(calendar, handle, max_size=1024 * 1024)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.imported == 260 and not report.skipped
    assert peak < size, (peak, size)
