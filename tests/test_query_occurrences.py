"""Stored occurrence lists must agree with the general query engine wherever they decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from resources.formats.calendar_occurrences import OccurrenceList, occurrence_list
from resources.formats.calendar_query import CompFilter, TimeRange, calendar_matches
from tests.test_query_fast_path import objects, windows

ZONES = [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
WRITTEN = [datetime(2026, 11, 24, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC)]


def listed(calendar: Calendar, written: datetime) -> OccurrenceList | None:
    components = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    kinds = {c.name for c in components}
    blob = occurrence_list(components, kinds.pop() if len(kinds) == 1 else "", written)
    return None if blob is None else OccurrenceList.decode(blob)


def far_windows(calendar):
    yield from windows(calendar)
    for year in (1990, 2025, 2026, 2027, 2029, 2031, 2045):
        begin = datetime(year, 3, 28, 22, 30, tzinfo=UTC)  # around a European DST change
        yield TimeRange(begin, begin + timedelta(days=3))
        yield TimeRange(begin, None)
        yield TimeRange(None, begin)


@pytest.mark.parametrize(
    "name, calendar", list(objects()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_occurrence_list_agrees_with_the_engine(name, calendar):
    for written in WRITTEN:
        occurrences = listed(calendar, written)
        if occurrences is None:
            continue
        for window in far_windows(calendar):
            start = None if window.start is None else window.start.timestamp()
            end = None if window.end is None else window.end.timestamp()
            decided = occurrences.overlaps(start, end)
            if decided is None:
                continue
            root = CompFilter("VCALENDAR", comp_filters=(CompFilter("VEVENT", time_range=window),))
            # Lists only exist for zone-independent objects: any calendar zone gives the same answer.
            for zone in ZONES[:2]:
                assert decided == calendar_matches(calendar, root, timezone=zone), (
                    name,
                    written,
                    window,
                    zone,
                )


def test_lists_cover_the_common_cases():
    """The shapes phones send most get a list; the rest is left to the engine."""

    def event(lines: str) -> Calendar:
        return Calendar.from_ical(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
            "DTSTAMP:20260101T000000Z\r\n" + lines + "END:VEVENT\r\nEND:VCALENDAR\r\n"
        )

    written = datetime(2026, 11, 24, tzinfo=UTC)
    single = listed(
        event(
            "DTSTART;TZID=Europe/Berlin:20261201T100000\r\nDTEND;TZID=Europe/Berlin:20261201T110000\r\n"
        ),
        written,
    )
    assert single is not None and len(single.starts) == 1
    weekly = listed(
        event(
            "DTSTART:20260105T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\n"
            "EXDATE:20260112T090000Z\r\n"
        ),
        written,
    )
    assert weekly is not None and 200 < len(weekly.starts) < 260
    assert (
        weekly.overlaps(
            datetime(2026, 1, 12, tzinfo=UTC).timestamp(),
            datetime(2026, 1, 13, tzinfo=UTC).timestamp(),
        )
        is False
    )
    assert (
        listed(event("DTSTART;VALUE=DATE:20261201\r\n"), written) is None
    )  # all-day: the calendar's zone
    assert listed(event("DTSTART:20261201T100000\r\n"), written) is None  # floating
    # Rules too costly to follow from DTSTART on every write stay with the engine.
    assert listed(event("DTSTART:20200101T000000Z\r\nRRULE:FREQ=MINUTELY\r\n"), written) is None
    assert listed(event("DTSTART:18000101T090000Z\r\nRRULE:FREQ=DAILY\r\n"), written) is None
    yearly = listed(event("DTSTART:18000101T090000Z\r\nRRULE:FREQ=YEARLY\r\n"), written)
    assert (
        yearly is not None
        and yearly.overlaps(
            datetime(1850, 1, 1, tzinfo=UTC).timestamp(),
            datetime(1850, 1, 2, tzinfo=UTC).timestamp(),
        )
        is True
    )
