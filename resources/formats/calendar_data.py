"""One calendar object resource: validate and index it (RFC 4791 §4.1, §5.3.2, §9.9).

`parse_calendar_object` is run on every PUT. It refuses, in this order:
- a body larger than the calendar's max-resource-size (ResourceTooLarge);
- anything that is not one readable UTF-8 VCALENDAR (InvalidCalendarData), with
  a line number where there is one;
- a VCALENDAR that breaks the object-resource rules of §4.1 (InvalidCalendarObject);
- a component kind the calendar does not take (UnsupportedComponent).

It is lenient where real clients are sloppy but the data still means one thing:
blank lines, TAB folding, missing VERSION/PRODID/DTSTAMP, TZIDs without a
VTIMEZONE (read as floating), UNTIL of the wrong value type, broken values of
properties the server does not interpret (GEO, X-…), which are stored as sent.

`split_calendar` cuts a whole-calendar export into one VCALENDAR per UID, for import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import icalendar

from resources.error_codes import sentence
from resources.errors import (
    InvalidCalendarData,
    InvalidCalendarObject,
    ResourceTooLarge,
    UnsupportedComponent,
)
from resources.formats.calendar_bounds import time_bounds
from resources.formats.calendar_occurrences import occurrence_list
from resources.formats.calendar_syntax import (
    ComponentBlock,
    ScannedCalendar,
    decode_body,
    physical_lines,
    scan,
)
from resources.formats.calendar_timezones import check_vtimezone, parse_with_own_timezones

# Properties the server interprets (time range, recurrence, identity): a value of
# these it cannot read makes the object unusable, so it is refused.
INTERPRETED_PROPERTIES = frozenset(
    [
        "UID",
        "DTSTART",
        "DTEND",
        "DUE",
        "DURATION",
        "RECURRENCE-ID",
        "RRULE",
        "RDATE",
        "EXDATE",
        "TRIGGER",
        "REPEAT",
        "COMPLETED",
        "CREATED",
        "FREEBUSY",
        "TZID",
        "TZOFFSETFROM",
        "TZOFFSETTO",
    ]
)
SINGLE_VALUED = frozenset(
    {"UID", "DTSTART", "DTEND", "DUE", "DURATION", "RECURRENCE-ID", "TRIGGER", "REPEAT"}
)
MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class CalendarObjectFacts:
    """What the index keeps of a calendar object; bounds are aware UTC datetimes."""

    uid: str
    component: str  # "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY"
    summary: str | None
    first_start: datetime | None  # earliest instant any instance may touch; None: unbounded
    last_end: datetime | None  # latest instant any instance may touch; None: unbounded
    is_recurring: bool
    occurrences: bytes | None = None  # calendar_occurrences list, when the object qualifies


def parse_calendar_object(
    body: bytes, *, allowed_components: frozenset[str], max_size: int
) -> tuple[icalendar.Calendar, CalendarObjectFacts]:
    """Validate one calendar object resource and compute what the index needs."""
    if len(body) > max_size:
        raise ResourceTooLarge(
            sentence("calendar_object_too_large", size=len(body), max=max_size), max_size
        )
    lines = physical_lines(decode_body(body))
    scanned = scan(lines)
    for block in scanned.components:
        if block.name == "VTIMEZONE":
            check_vtimezone(block)  # before icalendar caches it
    calendar = _parse(lines)
    _check_readable(calendar, scanned)
    components = [
        component for component in calendar.subcomponents if component.name != "VTIMEZONE"
    ]
    kind = _single_kind(components)
    if kind not in allowed_components:
        raise UnsupportedComponent(sentence("calendar_refuses_component", kind=kind), kind)
    _check_no_method(calendar)
    uid = _shared_uid(components, kind, scanned)
    _check_overrides(components, kind)
    _check_end_or_duration(components, kind, scanned)
    first_start, last_end = time_bounds(components, kind)
    facts = CalendarObjectFacts(
        uid=uid,
        component=kind,
        summary=_summary(components),
        first_start=first_start,
        last_end=last_end,
        is_recurring=any(
            name in part for part in components for name in ("RRULE", "RDATE", "RECURRENCE-ID")
        ),
        occurrences=occurrence_list(components, kind, datetime.now(UTC)),
    )
    return calendar, facts


def split_calendar(body: bytes) -> list[bytes]:
    """Cut a whole-calendar export into one VCALENDAR per UID, for import.

    Each part keeps the lines as the client wrote them: the VCALENDAR's own
    properties except METHOD (not allowed in a calendar collection), the
    VTIMEZONEs its components refer to, and every component with that UID
    (master and overrides together). A component without a UID gets a part of
    its own, still without UID: the importer must give it one.
    """
    scanned = scan(physical_lines(decode_body(body)))
    header = [line for line in scanned.properties if line.name != "METHOD"]
    timezones = [
        (block.property_value("TZID"), block)
        for block in scanned.components
        if block.name == "VTIMEZONE"
    ]
    groups: dict[str, list[ComponentBlock]] = {}
    for index, block in enumerate(scanned.components):
        if block.name != "VTIMEZONE":
            uid = block.property_value("UID")
            groups.setdefault(uid if uid else f"\0{index}", []).append(block)
    parts = []
    for blocks in groups.values():
        needed = set().union(*(block.referenced_tzids() for block in blocks))
        used = [block for tzid, block in timezones if tzid in needed]
        written = ["BEGIN:VCALENDAR"]
        for line in header + [line for block in used + blocks for line in block.lines]:
            written.extend(line.written)
        written.append("END:VCALENDAR")
        parts.append(("\r\n".join(written) + "\r\n").encode("utf-8"))
    return parts


def _parse(lines: list[str]) -> icalendar.Calendar:
    try:
        # Bytes, not str: icalendar reads a str without line breaks as a file path.
        return parse_with_own_timezones("\n".join(lines).encode("utf-8"))
    except Exception as error:  # noqa: BLE001 - any parser failure means unreadable data
        message = _sentence(str(error))
        # icalendar names the value it choked on last ("Wrong datetime format: 2006717T080000Z").
        culprit = message.rstrip(".").rsplit(": ", 1)[-1].strip()
        number = next(
            (n for n, line in enumerate(lines, 1) if len(culprit) >= 3 and culprit in line), None
        )
        if number:
            raise InvalidCalendarData(code="unparsable_line", line=number, reason=message) from None
        raise InvalidCalendarData(code="unparsable_calendar", reason=message) from None


def _check_readable(calendar: icalendar.Calendar, scanned: ScannedCalendar) -> None:
    """Refuse values of interpreted properties that icalendar could not read, and a
    VEVENT without DTSTART (RFC 5545 §3.6.1 requires it when there is no METHOD)."""
    walked = calendar.walk()
    for index, component in enumerate(walked):
        lines = scanned.property_lines[index] if len(walked) == len(scanned.property_lines) else {}
        for name, message in component.errors:
            name = (name or "").upper()
            if not name or name in INTERPRETED_PROPERTIES:
                reason = _sentence(message)
                if not name:
                    raise InvalidCalendarData(
                        code="component_line_unreadable",
                        component=str(component.name),
                        reason=reason,
                    )
                raise InvalidCalendarData(
                    code="property_unreadable_at_line" if name in lines else "property_unreadable",
                    line=lines.get(name, 0),
                    name=name,
                    component=str(component.name),
                    reason=reason,
                )
        for name in SINGLE_VALUED:
            if isinstance(component.get(name), list):
                raise InvalidCalendarData(
                    code="repeated_property_at_line" if name in lines else "repeated_property",
                    component=str(component.name),
                    line=lines.get(name, 0),
                    name=name,
                )
        if component.name == "VEVENT" and "DTSTART" not in component:
            if "UID" in component:
                raise InvalidCalendarData(code="event_without_start_uid", uid=str(component["UID"]))
            raise InvalidCalendarData(code="event_without_start")


def _single_kind(components: list[icalendar.Component]) -> str:
    if not components:
        raise InvalidCalendarObject(code="no_component")
    kinds = list(dict.fromkeys(str(component.name) for component in components))
    if len(kinds) > 1:
        raise InvalidCalendarObject(code="mixed_components", kinds=" and ".join(kinds))
    return kinds[0]


def _check_no_method(calendar: icalendar.Calendar) -> None:
    if "METHOD" in calendar:
        raise InvalidCalendarObject(
            code="itip_method", method=_shorten(str(calendar["METHOD"]), 40)
        )


def _shared_uid(components: list[icalendar.Component], kind: str, scanned: ScannedCalendar) -> str:
    uids: dict[str, None] = {}
    for position, component in enumerate(components):
        uid = str(component.get("UID", "")).strip()
        if not uid:
            line = _begin_line(scanned, component, position)
            raise InvalidCalendarObject(
                code="component_without_uid_at_line" if line else "component_without_uid",
                kind=kind,
                line=line or 0,
            )
        uids[uid] = None
    if len(uids) > 1:
        shown = ", ".join(repr(_shorten(uid, 40)) for uid in list(uids)[:3]) + (
            ", ..." if len(uids) > 3 else ""
        )
        raise InvalidCalendarObject(code="several_uids", count=len(uids), uids=shown)
    return next(iter(uids))


def _check_overrides(components: list[icalendar.Component], kind: str) -> None:
    masters = [component for component in components if "RECURRENCE-ID" not in component]
    if len(masters) > 1:
        raise InvalidCalendarObject(code="several_masters", count=len(masters), kind=kind)
    seen = set()
    for component in components:
        if "RECURRENCE-ID" in component:
            value = getattr(component["RECURRENCE-ID"], "dt", None)
            key = _instant_key(value)
            if key in seen:
                raise InvalidCalendarObject(code="repeated_override", value=str(value))
            seen.add(key)


def _check_end_or_duration(
    components: list[icalendar.Component], kind: str, scanned: ScannedCalendar
) -> None:
    for position, component in enumerate(components):
        for part in [component, *component.walk("AVAILABLE")]:
            if "DTEND" in part and "DURATION" in part:
                line = _begin_line(scanned, component, position)
                raise InvalidCalendarObject(
                    code="end_and_duration_at_line" if line else "end_and_duration",
                    name=str(part.name),
                    line=line or 0,
                )


def _summary(components: list[icalendar.Component]) -> str | None:
    ordered = sorted(components, key=lambda component: "RECURRENCE-ID" in component)
    for component in ordered:
        summary = component.get("SUMMARY")
        if isinstance(summary, list):
            summary = summary[0] if summary else None
        if summary is not None:
            return str(summary)
    return None


def _instant_key(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            return value
    return value if isinstance(value, date) else str(value)


def _begin_line(
    scanned: ScannedCalendar, component: icalendar.Component, position: int
) -> int | None:
    """The line the position-th non-VTIMEZONE top-level component starts on, if known."""
    blocks = [block for block in scanned.components if block.name != "VTIMEZONE"]
    if position < len(blocks) and blocks[position].name == component.name:
        return blocks[position].lines[0].line_number
    return None


def _sentence(text: str) -> str:
    text = _shorten(text)
    return text if text.endswith((".", "!", "?")) else text + "."


def _shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
