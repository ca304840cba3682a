"""A synthetic but realistic calendar for the benchmark, the same for every server.

Deterministic for a given seed: 80 % single timed events spread over two years,
15 % weekly recurring ones (a third unbounded, some with EXDATE or an overridden
instance), 5 % all-day events; real VTIMEZONE definitions (mostly Europe/Berlin),
organizer, attendees, categories, alarms and folded long descriptions.

Run as a script to write one multi-event .ics file (the input of `davserver import`):

    python bench/synthetic_calendar.py --events 100000 --seed 1 --out /tmp/cal.ics
"""

from __future__ import annotations

import argparse
import random
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

PRODID = "-//davserver bench//synthetic calendar 1.0//EN"
SPAN_START = date(2025, 1, 6)  # a Monday; events fill two years from here
SPAN_DAYS = 730
QUERY_WEEK_START = datetime(2026, 3, 2)  # Monday, in UTC, inside the span
QUERY_WEEK_END = QUERY_WEEK_START + timedelta(days=7)
NEW_EVENTS_START = date(
    2027, 6, 1
)  # events created during the run land here, outside the query week

VTIMEZONES = {
    "Europe/Berlin": (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
        "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
        "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    ),
    "America/New_York": (
        "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n"
        "DTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n"
        "DTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
    ),
}
TIMEZONE_WEIGHTS = (("Europe/Berlin", 85), ("America/New_York", 10), ("UTC", 5))

SUBJECTS = (
    "Team meeting",
    "1:1 with manager",
    "Customer call: Müller GmbH",
    "Sprint planning",
    "Budget review",
    "Dentist",
    "Lunch with Sarah",
    "Project kickoff",
    "Quarterly business review",
    "Interview: backend developer",
    "Board meeting",
    "Workshop: data protection",
    "Site visit Hamburg",
    "Vendor demo",
    "Retrospective",
)
ROOMS = (
    "Room 1.14",
    "Room 2.03 (Berlin)",
    "Meeting room Elbe",
    "Video call",
    "Main office, 3rd floor",
    "",
)
CATEGORIES = ("Work", "Meeting", "Customer", "Internal", "Personal", "Travel")
PEOPLE = (
    ("Anna Schmidt", "anna.schmidt"),
    ("Ben Weber", "ben.weber"),
    ("Carla Fischer", "carla.fischer"),
    ("David Meyer", "david.meyer"),
    ("Eva Wagner", "eva.wagner"),
    ("Felix Becker", "felix.becker"),
    ("Greta Hoffmann", "greta.hoffmann"),
    ("Hannes Schulz", "hannes.schulz"),
)
DOMAIN = "example.com"
DESCRIPTION = (
    "Agenda:\n1. Status of the open items, decisions needed; owners report.\n"
    "2. Next steps, dates and responsibilities.\n"
    "Dial-in: https://meet.example.com/j/8312 (PIN 4711), or call +49 30 1234567."
)


@dataclass(frozen=True)
class EventSpec:
    """Every random choice for one calendar object; rendering it is pure."""

    uid: str
    kind: str  # "single", "weekly" or "allday"
    tzid: str
    start: datetime  # local wall time in tzid (a date at midnight for all-day events)
    minutes: int  # duration; whole days for all-day events
    summary: str
    location: str
    category: str
    organizer: int
    attendees: tuple[int, ...]
    created: datetime
    alarm: bool
    long_description: bool
    rrule: str = ""
    exdate_weeks: tuple[int, ...] = ()
    override_week: int | None = None
    revision: int = 0

    @property
    def href_name(self) -> str:
        return self.uid + ".ics"  # the name `davserver import` gives a URL-safe UID, too


def generate_specs(count: int, seed: int = 1) -> list[EventSpec]:
    """`count` objects, the same list for the same seed: 80 % single, 15 % weekly, 5 % all-day."""
    rng = random.Random(seed)
    kinds = ["single"] * 16 + ["weekly"] * 3 + ["allday"]
    return [_spec(rng, rng.choice(kinds), None) for _ in range(count)]


def new_spec(index: int, seed: int = 2) -> EventSpec:
    """A single event that is not in the seeded calendar, outside the query week (for PUT new)."""
    return _spec(random.Random(seed * 1_000_003 + index), "single", NEW_EVENTS_START)


def revised(spec: EventSpec) -> EventSpec:
    """The next version of an object: new SEQUENCE, DTSTAMP and SUMMARY, same times."""
    return replace(spec, revision=spec.revision + 1)


def _spec(rng: random.Random, kind: str, first_day: date | None) -> EventSpec:
    uid = f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@{DOMAIN}"
    tzid = rng.choices([t for t, _ in TIMEZONE_WEIGHTS], [w for _, w in TIMEZONE_WEIGHTS])[0]
    day = first_day or SPAN_START + timedelta(
        days=rng.randrange(SPAN_DAYS if kind != "weekly" else 540)
    )
    start = datetime(
        day.year, day.month, day.day, rng.randrange(8, 18), rng.choice((0, 0, 15, 30, 45))
    )
    minutes = rng.choice((30, 30, 60, 60, 60, 90, 120))
    rrule = ""
    exdates: tuple[int, ...] = ()
    override = None
    if kind == "allday":
        tzid, start, minutes = (
            "",
            datetime(day.year, day.month, day.day),
            1440 * rng.choice((1, 1, 1, 2, 3)),
        )
    elif kind == "weekly":
        rrule = _weekly_rule(rng, start)
        exdates = tuple(sorted(rng.sample((1, 2, 4, 5, 6, 7, 8, 9), rng.choice((0, 0, 1, 2)))))
        override = rng.choice((None, None, None, 3))
    people = rng.sample(range(len(PEOPLE)), rng.randrange(1, 5))
    return EventSpec(
        uid=uid,
        kind=kind,
        tzid=tzid,
        start=start,
        minutes=minutes,
        summary=rng.choice(SUBJECTS),
        location=rng.choice(ROOMS),
        category=rng.choice(CATEGORIES),
        organizer=people[0],
        attendees=tuple(people[1:]),
        created=datetime.combine(day, datetime.min.time())
        - timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(1440)),
        alarm=rng.random() < 0.6,
        long_description=rng.random() < 0.3,
        rrule=rrule,
        exdate_weeks=exdates,
        override_week=override,
    )


def _weekly_rule(rng: random.Random, start: datetime) -> str:
    byday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
    interval = ";INTERVAL=2" if rng.random() < 0.2 else ""
    ending = rng.choice(("unbounded", "count", "until"))
    if ending == "count":
        return f"FREQ=WEEKLY{interval};COUNT={rng.randrange(10, 60)};BYDAY={byday}"
    if ending == "until":
        until = start + timedelta(days=rng.randrange(90, 365))
        return f"FREQ=WEEKLY{interval};UNTIL={until:%Y%m%d}T235959Z;BYDAY={byday}"
    return f"FREQ=WEEKLY{interval};BYDAY={byday}"


def render_object(spec: EventSpec) -> str:
    """The spec as one calendar object resource (VCALENDAR with its VTIMEZONE)."""
    return "".join(
        (
            _calendar_head(),
            VTIMEZONES.get(spec.tzid, ""),
            *render_vevents(spec),
            "END:VCALENDAR\r\n",
        )
    )


def render_calendar(specs: list[EventSpec]) -> str:
    """All specs in one VCALENDAR (each VTIMEZONE once), as `davserver import` reads it."""
    used = sorted({s.tzid for s in specs if s.tzid in VTIMEZONES})
    parts = [_calendar_head(), *(VTIMEZONES[t] for t in used)]
    for spec in specs:
        parts.extend(render_vevents(spec))
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)


def _calendar_head() -> str:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\nCALSCALE:GREGORIAN\r\n"


def render_vevents(spec: EventSpec) -> list[str]:
    """The master VEVENT, plus one overridden instance for some recurring events."""
    blocks = [_vevent(spec, spec.start, None)]
    if spec.override_week is not None:
        original = spec.start + timedelta(weeks=spec.override_week * _interval(spec))
        blocks.append(_vevent(spec, original + timedelta(hours=1), original))
    return blocks


def _interval(spec: EventSpec) -> int:
    return 2 if "INTERVAL=2" in spec.rrule else 1


def _vevent(spec: EventSpec, start: datetime, recurrence_id: datetime | None) -> str:
    stamp = spec.created + timedelta(days=1 + spec.revision)
    summary = spec.summary + (f" (v{spec.revision + 1})" if spec.revision else "")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{spec.uid}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%S}Z",
        f"CREATED:{spec.created:%Y%m%dT%H%M%S}Z",
        f"LAST-MODIFIED:{stamp:%Y%m%dT%H%M%S}Z",
        f"SEQUENCE:{spec.revision}",
    ]
    lines += _times(spec, start, recurrence_id)
    lines += [
        f"SUMMARY:{_text(summary)}",
        f"CATEGORIES:{spec.category}",
        "STATUS:CONFIRMED",
        "CLASS:PUBLIC",
        "TRANSP:" + ("TRANSPARENT" if spec.kind == "allday" else "OPAQUE"),
    ]
    if spec.location:
        lines.append(f"LOCATION:{_text(spec.location)}")
    if spec.long_description:
        lines.append(f"DESCRIPTION:{_text(DESCRIPTION)}")
    lines += _people(spec)
    if spec.alarm and spec.kind != "allday":
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_text(spec.summary)}",
            "TRIGGER:-PT15M",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return "".join(_fold(line) for line in lines)


def _times(spec: EventSpec, start: datetime, recurrence_id: datetime | None) -> list[str]:
    end = start + timedelta(minutes=spec.minutes)
    if spec.kind == "allday":
        return [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    lines = [_datetime_line("DTSTART", spec.tzid, start), _datetime_line("DTEND", spec.tzid, end)]
    if recurrence_id is not None:
        return lines + [_datetime_line("RECURRENCE-ID", spec.tzid, recurrence_id)]
    if spec.rrule:
        lines.append(f"RRULE:{spec.rrule}")
        for week in spec.exdate_weeks:
            lines.append(
                _datetime_line("EXDATE", spec.tzid, start + timedelta(weeks=week * _interval(spec)))
            )
    return lines


def _datetime_line(name: str, tzid: str, value: datetime) -> str:
    if tzid == "UTC":
        return f"{name}:{value:%Y%m%dT%H%M%S}Z"
    return f"{name};TZID={tzid}:{value:%Y%m%dT%H%M%S}"


def _people(spec: EventSpec) -> list[str]:
    if not spec.attendees:
        return []
    name, login = PEOPLE[spec.organizer]
    lines = [f'ORGANIZER;CN="{name}":mailto:{login}@{DOMAIN}']
    for index in (spec.organizer, *spec.attendees):
        name, login = PEOPLE[index]
        status = (
            "ACCEPTED"
            if index == spec.organizer
            else ("ACCEPTED", "TENTATIVE", "NEEDS-ACTION")[index % 3]
        )
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={status};RSVP=TRUE;"
            f'CN="{name}":mailto:{login}@{DOMAIN}'
        )
    return lines


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF and a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts) + "\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="write a synthetic multi-event .ics file")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="path of the .ics file to write")
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        handle.write(render_calendar(generate_specs(args.events, args.seed)))


if __name__ == "__main__":
    main()
