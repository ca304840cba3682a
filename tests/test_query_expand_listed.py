"""Expanding listed events as text must say what the general expansion says (§9.6.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from resources.formats.calendar_occurrences import occurrence_list
from resources.formats.calendar_query import TimeRange
from resources.formats.calendar_query.expand_listed import expand_listed
from resources.formats.calendar_query.retrieval import expand_calendar
from tests.test_query_fast_path import corpus_objects
from tests.test_query_occurrences import far_windows

WRITTEN = datetime(2026, 11, 24, tzinfo=UTC)


def listed_objects():
    for name, part, calendar in corpus_objects():
        components = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
        blob = occurrence_list(components, "VEVENT", WRITTEN) if components else None
        if blob is not None:
            yield name, part, calendar, blob


def meaning(text: str | bytes) -> list:
    """A calendar as comparable data: properties as (name, value, parameters but TZID),
    in any order; components in order."""

    def of(component) -> tuple:
        props = sorted(
            (
                name,
                (value if not isinstance(value, list) else value[0]).to_ical(),
                tuple(
                    sorted(
                        (k, str(v))
                        for k, v in getattr(value, "params", {}).items()
                        if k not in ("TZID", "VALUE")
                    )
                ),
            )
            for name, value in component.property_items(recursive=False)
            if name not in ("BEGIN", "END")
        )
        return component.name, props, [of(sub) for sub in component.subcomponents]

    return of(Calendar.from_ical(text))


@pytest.mark.parametrize(
    "name, raw, calendar, blob",
    list(listed_objects()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_text_expansion_agrees_with_the_general_one(name, raw, calendar, blob):
    for window in far_windows(calendar):
        if window.start is None or window.end is None:
            continue
        text = expand_listed(raw, blob, window)
        if text is None:
            continue
        for zone in (UTC, ZoneInfo("Europe/Berlin")):  # listed objects never depend on the zone
            general = expand_calendar(calendar, window, zone).to_ical()
            assert meaning(text) == meaning(general), (name, window, text, general.decode())


def test_most_listed_corpus_objects_expand_as_text():
    expanded = [
        name
        for name, raw, calendar, blob in listed_objects()
        if expand_listed(raw, blob, TimeRange(WRITTEN - timedelta(days=30), WRITTEN)) is not None
    ]
    assert len(expanded) >= 20
