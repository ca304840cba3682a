"""The time-range shortcut must agree with the general query engine wherever it decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from resources.formats.calendar_data import split_calendar
from resources.formats.calendar_query import CompFilter, TimeRange, calendar_matches
from resources.formats.calendar_query.fast_path import plain_event_range, quick_match
from resources.objects.calendar_search import without_impossible_rules

DATA = Path(__file__).parent / "data"
FILES = sorted((DATA / "ical").glob("*.ics")) + sorted((DATA / "query").glob("*.ics"))
ZONES = [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]


def corpus_objects():
    """(file name, object text, parsed calendar) of every object of every corpus file."""
    for path in FILES:
        try:
            parts = split_calendar(path.read_bytes())
        except Exception:  # unreadable files are the validation tests' business
            continue
        for part in parts:
            try:
                yield path.name, part, without_impossible_rules(Calendar.from_ical(part))
            except Exception:
                continue


def objects():
    for name, part, calendar in corpus_objects():
        if any(freq in part for freq in (b"FREQ=MINUTELY", b"FREQ=SECONDLY", b"FREQ=HOURLY")):
            continue  # the engine's own expansion of these is too slow to compare against often
        yield name, calendar


def windows(calendar):
    """Weekly and hourly windows around every start the object names, plus far ones."""
    starts = []
    for component in calendar.walk("VEVENT"):
        if "DTSTART" in component:
            try:
                value = component["DTSTART"].dt
            except Exception:  # a broken DTSTART: no windows around it
                continue
            moment = (
                value
                if isinstance(value, datetime)
                else datetime(value.year, value.month, value.day)
            )
            starts.append(moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC))
    for start in starts[:3]:
        for offset_days in (-1, 0, 1, 8, 200):
            for width in (timedelta(hours=1), timedelta(days=7)):
                for shift in (timedelta(0), timedelta(minutes=30)):
                    begin = start + timedelta(days=offset_days) + shift
                    yield TimeRange(begin, begin + width)
    yield TimeRange(datetime(2090, 1, 1, tzinfo=UTC), datetime(2090, 1, 8, tzinfo=UTC))


@pytest.mark.parametrize(
    "name, calendar", list(objects()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_shortcut_agrees_with_the_engine(name, calendar):
    decided = 0
    for window in windows(calendar):
        root = CompFilter("VCALENDAR", comp_filters=(CompFilter("VEVENT", time_range=window),))
        assert plain_event_range(root) == window
        for zone in ZONES:
            quick = quick_match(calendar, window, zone)
            if quick is None:
                continue
            decided += 1
            assert quick == calendar_matches(calendar, root, timezone=zone), (name, window, zone)
