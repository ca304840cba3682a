"""iTIP messages and scheduling object resources (RFC 5546 §3.2, RFC 6638 §3.1): who
organizes and who attends, copies for attendees, REQUEST/REPLY/CANCEL messages and the
merging of a reply's participation status into the organizer's copy.

Everything here works on parsed icalendar objects and never touches the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote, urlsplit

import icalendar

from resources.formats.calendar_query.instances import date_value, duration_value

SCHEDULED = ("VEVENT", "VTODO")
# Parameters only the organizer's copy carries (RFC 6638 §7).
ORGANIZER_ONLY_PARAMETERS = ("SCHEDULE-STATUS", "SCHEDULE-FORCE-SEND")
PRODID = "-//davserver//scheduling//EN"

Time = date | datetime


def normalised(address: str) -> str:
    """One spelling per calendar user address: mailto: casefolded, URLs as their path."""
    address = str(address).strip()
    if address[:7].lower() == "mailto:":
        return "mailto:" + unquote(address[7:]).strip().casefold()
    if address[:7].lower() in ("http://", "https:/"):
        return unquote(urlsplit(address).path).rstrip("/") + "/"
    if address.startswith("/"):
        return unquote(address).rstrip("/") + "/"
    return address.casefold()


def components(calendar: icalendar.Calendar) -> list[icalendar.Component]:
    return [c for c in calendar.subcomponents if c.name in SCHEDULED]


def recurrence_key(component: icalendar.Component) -> str:
    """The RECURRENCE-ID of an override in UTC text, "" for the master."""
    rid = time_of(component, "RECURRENCE-ID")
    return "" if rid is None else instant_key(rid)


def time_of(component: icalendar.Component, name: str) -> Time | None:
    """The DATE or DATE-TIME value of a property, None if absent or unreadable."""
    return date_value(component, name)


def instant_key(value: Time) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def organizer(calendar: icalendar.Calendar) -> str | None:
    for component in components(calendar):
        value = component.get("ORGANIZER")
        if value is not None:
            return str(value)
    return None


def attendee_properties(component: icalendar.Component) -> list[icalendar.vCalAddress]:
    found = component.get("ATTENDEE")
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def attendees(calendar: icalendar.Calendar) -> dict[str, icalendar.vCalAddress]:
    """Every attendee of any component, by normalised address (the first spelling seen)."""
    found: dict[str, icalendar.vCalAddress] = {}
    for component in components(calendar):
        for attendee in attendee_properties(component):
            found.setdefault(normalised(attendee), attendee)
    return found


def schedule_agent(attendee: icalendar.vCalAddress) -> str:
    return str(attendee.params.get("SCHEDULE-AGENT", "SERVER")).upper()


def partstats(calendar: icalendar.Calendar, address: str) -> dict[str, str]:
    """The attendee's PARTSTAT per component (recurrence key, "" for the master)."""
    found = {}
    for component in components(calendar):
        for attendee in attendee_properties(component):
            if normalised(attendee) == address:
                found[recurrence_key(component)] = str(
                    attendee.params.get("PARTSTAT", "NEEDS-ACTION")
                ).upper()
    return found


def set_attendee(
    calendar: icalendar.Calendar,
    address: str,
    *,
    only: Iterable[str] | None = None,
    **params: str | None,
) -> None:
    """Set (or, with None, remove) parameters of one attendee in every component, or only
    in the components with the given recurrence keys."""
    keys = None if only is None else set(only)
    for component in components(calendar):
        if keys is not None and recurrence_key(component) not in keys:
            continue
        for attendee in attendee_properties(component):
            if normalised(attendee) != address:
                continue
            for name, value in params.items():
                name = name.replace("_", "-").upper()
                if value is None:
                    attendee.params.pop(name, None)
                else:
                    attendee.params[name] = value


def copy(calendar: icalendar.Calendar) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar.to_ical())


def without_organizer_parameters(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """A copy for an attendee: no SCHEDULE-STATUS or SCHEDULE-FORCE-SEND, no METHOD."""
    found = copy(calendar)
    found.pop("METHOD", None)
    for component in components(found):
        for prop in attendee_properties(component) + [component.get("ORGANIZER")]:
            if prop is None:
                continue
            for name in ORGANIZER_ONLY_PARAMETERS:
                prop.params.pop(name, None)
    return found


def attendee_text(calendar: icalendar.Calendar) -> bytes:
    """The attendee's copy as text, without copying the calendar: the organizer-only
    parameters are taken out for the serialisation and put back after it."""
    taken = []
    for component in components(calendar):
        for prop in attendee_properties(component) + [component.get("ORGANIZER")]:
            for name in ORGANIZER_ONLY_PARAMETERS if prop is not None else ():
                if name in prop.params:
                    taken.append((prop, name, prop.params.pop(name)))
    try:
        return calendar.to_ical()  # type: ignore[no-any-return]
    finally:
        for prop, name, value in taken:
            prop.params[name] = value


def message(calendar: icalendar.Calendar, method: str) -> bytes:
    """The iTIP message (RFC 5546) of a calendar object: the object with METHOD."""
    found = without_organizer_parameters(calendar)
    found.pop("METHOD", None)
    ordered = icalendar.Calendar()
    ordered.add("VERSION", "2.0")
    ordered.add("PRODID", PRODID)
    ordered.add("METHOD", method)
    for component in found.subcomponents:
        ordered.add_component(component)
    return ordered.to_ical()  # type: ignore[no-any-return]


def cancelled(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """The object as a cancellation: every component STATUS:CANCELLED, sequence up."""
    found = copy(calendar)
    for component in components(found):
        component.pop("STATUS", None)
        component.add("STATUS", "CANCELLED")
        sequence = int(component.get("SEQUENCE", 0) or 0)
        component.pop("SEQUENCE", None)
        component.add("SEQUENCE", sequence + 1)
    return found


def master(calendar: icalendar.Calendar) -> icalendar.Component | None:
    return next((c for c in components(calendar) if "RECURRENCE-ID" not in c), None)


def overrides(calendar: icalendar.Calendar) -> Iterator[icalendar.Component]:
    return (c for c in components(calendar) if "RECURRENCE-ID" in c)


def override_for(calendar: icalendar.Calendar, recurrence_id: Time) -> icalendar.Component:
    """The override of the instance at `recurrence_id`, made from the master if missing."""
    key = instant_key(recurrence_id)
    for component in overrides(calendar):
        if recurrence_key(component) == key:
            return component
    base = master(calendar)
    if base is None:
        raise ValueError("no master component to override")
    made = icalendar.Event() if base.name == "VEVENT" else icalendar.Todo()
    for name, value in base.property_items(recursive=False)[1:-1]:
        if name in ("RRULE", "RDATE", "EXDATE", "EXRULE", "DTSTART", "DTEND", "DURATION"):
            continue
        made.add(name, deepcopy(value), encode=False)
    start = time_of(base, "DTSTART")
    if start is None:
        raise ValueError("the master has no start to override")
    length = _length(base)
    made.add("RECURRENCE-ID", _like(start, recurrence_id))
    made.add("DTSTART", _like(start, recurrence_id))
    if length is not None:
        made.add("DTEND", _like(start, recurrence_id) + length)
    calendar.add_component(made)
    return made


def _length(component: icalendar.Component) -> timedelta | None:
    start, end = time_of(component, "DTSTART"), time_of(component, "DTEND")
    if start is not None and end is not None:
        return end - start
    return duration_value(component)


def _like(start: Time, moment: Time) -> Time:
    """`moment` in the value type and zone of the master's DTSTART."""
    if isinstance(start, datetime) and isinstance(moment, datetime):
        if start.tzinfo is not None and moment.tzinfo is not None:
            return moment.astimezone(start.tzinfo)
        return moment
    return moment


def exclude(calendar: icalendar.Calendar, recurrence_ids: Iterable[Time]) -> None:
    """Take instances out of a series (EXDATE), dropping their overrides."""
    base = master(calendar)
    if base is None:
        return
    keys = set()
    for rid in recurrence_ids:
        keys.add(instant_key(rid))
        start = time_of(base, "DTSTART")
        base.add("EXDATE", rid if start is None else _like(start, rid))
    for component in list(overrides(calendar)):
        if recurrence_key(component) in keys:
            calendar.subcomponents.remove(component)


_TIMING = ("DTSTART", "DTEND", "DURATION", "DUE", "RRULE", "RDATE", "EXDATE", "EXRULE")


def timing(calendar: icalendar.Calendar) -> dict[str, tuple[bytes, ...]]:
    """When each component happens, as its timing properties' text: equal timings mean
    an update did not move the appointment."""
    found = {}
    for component in components(calendar):
        values: list[bytes] = []
        for name in _TIMING:
            prop = component.get(name)
            for item in prop if isinstance(prop, list) else [prop] if prop is not None else []:
                values.append(name.encode() + b":" + item.to_ical())
        found[recurrence_key(component)] = tuple(values)
    return found


def reply(
    calendar: icalendar.Calendar,
    address: str,
    comments: dict[str, str] | None = None,
) -> bytes:
    """An iTIP REPLY (RFC 5546 §3.2.3) of one attendee: per component its identity, the
    organizer and only that attendee, with a COMMENT where `comments` has one (by
    recurrence key)."""
    found = icalendar.Calendar()
    found.add("VERSION", "2.0")
    found.add("PRODID", PRODID)
    found.add("METHOD", "REPLY")
    for component in components(calendar):
        attendee = next(
            (a for a in attendee_properties(component) if normalised(a) == address), None
        )
        if attendee is None:
            continue
        answer = icalendar.Event() if component.name == "VEVENT" else icalendar.Todo()
        for name in ("UID", "RECURRENCE-ID", "SEQUENCE", "DTSTART", "ORGANIZER"):
            if name in component:
                answer.add(name, deepcopy(component[name]), encode=False)
        answer.add("DTSTAMP", datetime.now(UTC).replace(microsecond=0))
        kept = deepcopy(attendee)
        for name in ORGANIZER_ONLY_PARAMETERS:
            kept.params.pop(name, None)
        answer.add("ATTENDEE", kept, encode=False)
        comment = (comments or {}).get(recurrence_key(component))
        if comment:
            answer.add("COMMENT", comment)
        found.add_component(answer)
    return found.to_ical()  # type: ignore[no-any-return]
