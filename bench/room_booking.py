"""Room booking against a plain PUT (issue 16 item 7): how long the server takes to
decide an invitation of a room that holds 10,000 appointments, and a weekly series of 52
instances to it, each against the plain PUT of the same event without scheduling, on
the same server, database and calendar sizes, in the same run.

    .venv/bin/python bench/room_booking.py [--appointments 10000] [--repetitions 30]

The room's appointments are one-hour meetings on working days, 08:00 to 18:00, half of
them before today and half after; bookings go to free early-morning times, so every one
is decided (the room's copy written, the answer merged) rather than refused at once.
Targets: booking <= 3x the plain PUT, series <= 10x (medians).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402

TARGETS = {"booking": 3.0, "series": 10.0}
PASSWORD = "bench-password"
EMAIL = "organizer@bench.example"
ROOM = "bench-room"


def seed(database_url: str, work: Path, appointments: int) -> str:
    """The organisation, and the room's appointments imported as one file; the login."""
    from davserver.app import open_store
    from davserver.config import load_settings
    from resources.auth.credentials import create_credential
    from resources.objects.calendar_import import import_calendar
    from resources.organisation.accounts import create_account
    from resources.organisation.branches import create_branch
    from resources.organisation.employees import create_employee
    from resources.organisation.resource_calendars import create_resource, resource_calendar

    open_store(load_settings(flags={"database": database_url}, environ={}))
    branch = create_branch("Bench", timezone="UTC")
    employee = create_employee("Bench", "Organizer", email=EMAIL, home_branch=branch.id)
    account = create_account("bench-account", employee=employee.id)
    create_resource(
        "person",
        "Organizer",
        "organizer",
        employee=employee.id,
        branch=branch.id,
        sync_allowed=True,
    )
    room = create_resource("room", "Bench room", ROOM, branch=branch.id, sync_allowed=True)
    create_credential("bench", PASSWORD, account=account.id, branch=branch.id, confirmed=True)
    body = room_calendar_file(appointments)
    report = import_calendar(resource_calendar(room.id), body, max_size=10 * 1024 * 1024)
    assert report.imported == appointments, (report.imported, report.skipped[:3])
    return "bench"


def working_hours(count: int) -> list[datetime]:
    """`count` one-hour slots, 08:00-18:00 on working days, half before today."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= timedelta(days=(count // 10) * 7 // 5 // 2)
    slots: list[datetime] = []
    while len(slots) < count:
        if day.weekday() < 5:
            slots.extend(day + timedelta(hours=8 + h) for h in range(10))
        day += timedelta(days=1)
    return slots[:count]


def room_calendar_file(count: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for index, start in enumerate(working_hours(count)):
        lines += [
            "BEGIN:VEVENT",
            f"UID:room-{index}@bench",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Meeting {index}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def event(start: datetime, *, invite: bool, weekly: bool) -> bytes:
    uid = str(uuid.uuid4())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//bench//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(minutes=2):%Y%m%dT%H%M%SZ}",
        "SUMMARY:Booking",
    ]
    if weekly:
        lines.append("RRULE:FREQ=WEEKLY;COUNT=52")
    if invite:
        lines += [
            f"ORGANIZER:mailto:{EMAIL}",
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{EMAIL}",
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION;CUTYPE=ROOM:mailto:{ROOM}@resources.invalid",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode()


def timed_puts(
    session: requests.Session, base: str, *, invite: bool, weekly: bool, count: int, offset: int
) -> list[float]:
    """`count` PUTs of new objects, each at its own free early-morning time (two-minute
    slots from 00:00 of a working day a week ahead, slot `offset` on); seconds each."""
    first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=7
    )
    while first_day.weekday() >= 5:
        first_day += timedelta(days=1)
    samples = []
    for index in range(count):
        start = first_day + timedelta(minutes=2 * (offset + index))
        assert start.hour < 8, "more slots than the free early morning has: fewer repetitions"
        body = event(start, invite=invite, weekly=weekly)
        url = f"{base}/dav/calendars/bench/organizer/{uuid.uuid4()}.ics"
        began = time.perf_counter()
        answer = session.put(url, data=body, headers={"Content-Type": "text/calendar"})
        samples.append(time.perf_counter() - began)
        assert answer.status_code == 201, (answer.status_code, answer.text[:300])
        if invite:  # outside the clock: every booking was decided and accepted whole
            stored = session.get(url).text.replace("\r\n ", "")
            room = stored.split(f"mailto:{ROOM}")[0].rsplit("ATTENDEE", 1)[1]
            assert "PARTSTAT=ACCEPTED" in room and "RECURRENCE-ID" not in stored, stored
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=30, help="at most 50")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="davserver-booking-"))
    database_url = f"sqlite:///{work}/bench.db"
    began = time.perf_counter()
    seed(database_url, work, args.appointments)
    print(f"seeded {args.appointments} room appointments in {time.perf_counter() - began:.1f} s")
    server_set = servers.ServerSet(work)
    try:
        server = servers.start_davserver(server_set, database_url)
        session = requests.Session()
        session.auth = ("bench", PASSWORD)
        n = args.repetitions
        timed_puts(
            session, server.base_url, invite=False, weekly=False, count=3, offset=0
        )  # warm-up
        timed_puts(session, server.base_url, invite=True, weekly=False, count=3, offset=3)
        # Series take the slot 00:00 + 2 min * k of every week: each its own k.
        results = {}
        for name, invite, weekly, offset in (
            ("plain", False, False, 10),
            ("booking", True, False, 10 + n),
            ("plain_series", False, True, 10 + 2 * n),
            ("series", True, True, 10 + 3 * n),
        ):
            results[name] = (
                statistics.median(
                    timed_puts(
                        session,
                        server.base_url,
                        invite=invite,
                        weekly=weekly,
                        count=n,
                        offset=offset,
                    )
                )
                * 1000
            )
    finally:
        server_set.stop_all()
    load = os.getloadavg()
    ratios = {
        "booking": results["booking"] / results["plain"],
        "series": results["series"] / results["plain"],
    }
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name, value in results.items():
        print(f"  {name:14s} median {value:7.2f} ms  (n={args.repetitions})")
    for name, ratio in ratios.items():
        verdict = "PASS" if ratio <= TARGETS[name] else "FAIL"
        print(f"  {name:14s} {ratio:5.2f}x the plain PUT (target <= {TARGETS[name]}x): {verdict}")
    print(f"  (a plain PUT of the same series: {results['plain_series'] / results['plain']:.2f}x)")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "room_booking.json").write_text(
        json.dumps({"medians_ms": results, "ratios": ratios, "load": load}, indent=2)
    )
    return 0 if all(r <= TARGETS[k] for k, r in ratios.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
