"""The calendar-query engine: filters, §9.9 time ranges, retrieval, free-busy, XML bodies
(RFC 4791 §7.8, §7.10, §9.6, §9.7, §9.9). Pure functions, no server.

Fixtures are in tests/data/query/, named by content; PROVENANCE.md there says which
come from the shared corpus. Times in the comments are UTC unless a zone is named.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from davserver.caldav.query_xml import (
    parse_calendar_data_request,
    parse_calendar_query,
    parse_free_busy_query,
)
from davserver.dav.xml import CALDAV, DAV, parse_xml, qname
from resources.formats.calendar_query import (
    CalendarDataRequest,
    CompFilter,
    ComponentSelection,
    InvalidFilter,
    InvalidQuery,
    InvalidTimezoneData,
    ParamFilter,
    PropertySelection,
    PropFilter,
    TextMatch,
    TimeRange,
    UnknownTimezoneId,
    UnsupportedCalendarData,
    UnsupportedCollation,
    UnsupportedFilter,
    calendar_matches,
    check_filter,
    free_busy_periods,
    instances,
    render_calendar_data,
    render_vfreebusy,
)

DATA = Path(__file__).parent / "data" / "query"
UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZULU = ZoneInfo("UTC")


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def load(name: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(raw(name))


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def span(start: str | None, end: str | None) -> TimeRange:
    return TimeRange(start and utc(start), end and utc(end))


def query(
    component: str,
    start: str | None = None,
    end: str | None = None,
    *,
    props: tuple[PropFilter, ...] = (),
    comps: tuple[CompFilter, ...] = (),
) -> CompFilter:
    """VCALENDAR > component, with an optional time-range and more tests."""
    time_range = span(start, end) if start or end else None
    inner = CompFilter(component, time_range=time_range, prop_filters=props, comp_filters=comps)
    return CompFilter("VCALENDAR", comp_filters=(inner,))


def matches(fixture: str, flt: CompFilter, tz: ZoneInfo = BERLIN) -> bool:
    return calendar_matches(load(fixture), flt, timezone=tz)


def text(value: str, collation: str = "i;ascii-casemap", negate: bool = False) -> TextMatch:
    return TextMatch(value, collation, negate)


# --- §9.9 VEVENT, one case per table row ---------------------------------------


@pytest.mark.parametrize(
    "fixture, start, end, expected",
    [
        # Y N N: start < DTEND AND end > DTSTART (10:00-11:00)
        ("event_with_dtend.ics", "20240610T090000Z", "20240610T100000Z", False),
        ("event_with_dtend.ics", "20240610T110000Z", "20240610T120000Z", False),
        ("event_with_dtend.ics", "20240610T105900Z", "20240610T110000Z", True),
        ("event_with_dtend.ics", None, "20240610T100001Z", True),
        ("event_with_dtend.ics", "20240610T110000Z", None, False),
        # Y N N with DTEND = DTSTART: a range starting at that moment does not match
        ("event_with_dtend_equal_dtstart.ics", "20240610T100000Z", "20240610T110000Z", False),
        ("event_with_dtend_equal_dtstart.ics", "20240610T090000Z", "20240610T100001Z", True),
        # N Y Y: start < DTSTART+DURATION AND end > DTSTART (10:00 + PT1H)
        ("event_with_duration.ics", "20240610T110000Z", "20240610T120000Z", False),
        ("event_with_duration.ics", "20240610T103000Z", "20240610T103100Z", True),
        ("event_with_duration.ics", "20240610T090000Z", "20240610T100000Z", False),
        # N Y N: start <= DTSTART AND end > DTSTART (DURATION:PT0S)
        ("event_with_zero_duration.ics", "20240610T100000Z", "20240610T100100Z", True),
        ("event_with_zero_duration.ics", "20240610T090000Z", "20240610T100000Z", False),
        # N N N Y: DTSTART date-time only (07:00)
        ("dtstart_utc_without_dtend_minimal.ics", "20160116T070000Z", "20160116T070100Z", True),
        ("dtstart_utc_without_dtend_minimal.ics", "20160116T060000Z", "20160116T070000Z", False),
        # N N N N: DATE only lasts one day in the collection zone (Berlin: 06-09 22:00 to 06-10 22:00)
        ("allday_start_only.ics", "20240610T215900Z", "20240610T220000Z", True),
        ("allday_start_only.ics", "20240610T220000Z", "20240610T230000Z", False),
        ("allday_start_only.ics", "20240609T210000Z", "20240609T220000Z", False),
    ],
)
def test_vevent_time_range_rows(
    fixture: str, start: str | None, end: str | None, expected: bool
) -> None:
    assert matches(fixture, query("VEVENT", start, end)) is expected


def test_allday_date_uses_the_collection_timezone() -> None:
    # 06-10 in New York is 06-10 04:00 to 06-11 04:00 UTC: 22:00-23:00 is inside.
    flt = query("VEVENT", "20240610T220000Z", "20240610T230000Z")
    assert matches("allday_start_only.ics", flt, tz=NEW_YORK) is True
    assert matches("allday_start_only.ics", flt, tz=BERLIN) is False


# --- §9.9 VTODO, all eight rows ----------------------------------------------


@pytest.mark.parametrize(
    "fixture, start, end, expected",
    [
        # Y Y N: start <= DTSTART+DURATION AND (end > DTSTART OR end >= DTSTART+DURATION)
        ("todo_start_and_duration.ics", "20240610T120000Z", "20240610T130000Z", True),
        ("todo_start_and_duration.ics", "20240610T120001Z", "20240610T130000Z", False),
        ("todo_start_and_duration.ics", "20240610T080000Z", "20240610T100000Z", False),
        ("todo_start_and_duration.ics", "20240610T080000Z", "20240610T100001Z", True),
        # Y N Y: (start < DUE OR start <= DTSTART) AND (end > DTSTART OR end >= DUE)
        ("todo_start_and_due.ics", "20240610T120000Z", "20240610T130000Z", False),
        ("todo_start_and_due.ics", "20240610T115900Z", "20240610T120000Z", True),
        ("todo_start_and_due.ics", "20240610T090000Z", "20240610T100000Z", False),
        ("todo_start_and_due.ics", "20240610T090000Z", "20240610T100001Z", True),
        # Y N N: start <= DTSTART AND end > DTSTART
        ("todo_start_only.ics", "20240610T100000Z", "20240610T100100Z", True),
        ("todo_start_only.ics", "20240610T090000Z", "20240610T100000Z", False),
        ("todo_start_only.ics", "20240610T100001Z", "20240610T110000Z", False),
        # N N Y: start < DUE AND end >= DUE
        ("todo_due_only.ics", "20240610T110000Z", "20240610T120000Z", True),
        ("todo_due_only.ics", "20240610T120000Z", "20240610T130000Z", False),
        ("todo_due_only.ics", "20240610T110000Z", "20240610T115959Z", False),
        # N N N Y Y: (start <= CREATED OR start <= COMPLETED) AND (end >= CREATED OR end >= COMPLETED)
        ("todo_completed_and_created.ics", "20240603T000000Z", "20240604T000000Z", True),
        ("todo_completed_and_created.ics", "20240606T000000Z", "20240607T000000Z", False),
        ("todo_completed_and_created.ics", "20240501T000000Z", "20240601T070000Z", False),
        ("todo_completed_and_created.ics", "20240501T000000Z", "20240601T080000Z", True),
        # N N N Y N: start <= COMPLETED AND end >= COMPLETED
        ("todo_completed_only.ics", "20240605T170000Z", "20240605T180000Z", True),
        ("todo_completed_only.ics", "20240605T160000Z", "20240605T170000Z", True),
        ("todo_completed_only.ics", "20240605T170001Z", "20240605T180000Z", False),
        # N N N N Y: end > CREATED
        ("todo_created_only.ics", "20240601T070000Z", "20240601T080000Z", False),
        ("todo_created_only.ics", "20240601T070000Z", "20240601T080001Z", True),
        ("todo_created_only.ics", "20300101T000000Z", "20300102T000000Z", True),
        # N N N N N: TRUE
        ("todo_no_dates.ics", "19990101T000000Z", "19990102T000000Z", True),
        ("todo_no_dates.ics", "20300101T000000Z", None, True),
    ],
)
def test_vtodo_time_range_rows(
    fixture: str, start: str | None, end: str | None, expected: bool
) -> None:
    assert matches(fixture, query("VTODO", start, end)) is expected


def test_vtodo_due_as_date_is_midnight_in_the_collection_timezone() -> None:
    # DUE;VALUE=DATE:20070501 -> 05-01 00:00 UTC in UTC, 04:00 UTC in New York.
    flt = query("VTODO", "20070430T000000Z", "20070501T000000Z")
    assert matches("vtodo_due_date_only_categories.ics", flt, tz=ZULU) is True
    assert matches("vtodo_due_date_only_categories.ics", flt, tz=NEW_YORK) is False


# --- §9.9 VJOURNAL, VFREEBUSY ------------------------------------------------------


@pytest.mark.parametrize(
    "fixture, start, end, expected",
    [
        # DATE 1997-03-17 lasts the Berlin day: 03-16 23:00 to 03-17 23:00
        (
            "vjournal_rfc5545_folded_description_no_final_newline.ics",
            "19970317T220000Z",
            "19970317T230000Z",
            True,
        ),
        (
            "vjournal_rfc5545_folded_description_no_final_newline.ics",
            "19970317T230000Z",
            "19970318T000000Z",
            False,
        ),
        ("journal_datetime_start.ics", "20240610T100000Z", "20240610T100100Z", True),
        ("journal_datetime_start.ics", "20240610T090000Z", "20240610T100000Z", False),
        ("journal_without_dtstart.ics", "19000101T000000Z", "29990101T000000Z", False),
    ],
)
def test_vjournal_time_range(fixture: str, start: str, end: str, expected: bool) -> None:
    assert matches(fixture, query("VJOURNAL", start, end)) is expected


@pytest.mark.parametrize(
    "fixture, start, end, expected",
    [
        # DTSTART and DTEND: start <= DTEND AND end > DTSTART (2012-01-01 to 2012-02-01)
        (
            "davmail_exchange_vfreebusy_reply_multiple_freebusy.ics",
            "20120201T000000Z",
            "20120202T000000Z",
            True,
        ),
        (
            "davmail_exchange_vfreebusy_reply_multiple_freebusy.ics",
            "20111231T000000Z",
            "20120101T000000Z",
            False,
        ),
        # Only FREEBUSY periods, whatever their FBTYPE (FREE 06-12 08:00-16:00 counts)
        ("freebusy_periods_without_dtstart.ics", "20240612T090000Z", "20240612T100000Z", True),
        ("freebusy_periods_without_dtstart.ics", "20240610T100000Z", "20240610T110000Z", False),
    ],
)
def test_vfreebusy_time_range(fixture: str, start: str, end: str, expected: bool) -> None:
    assert matches(fixture, query("VFREEBUSY", start, end)) is expected


# --- §9.9 VALARM -------------------------------------------------------------------


def alarm_query(parent: str, start: str, end: str) -> CompFilter:
    return query(parent, comps=(CompFilter("VALARM", time_range=span(start, end)),))


@pytest.mark.parametrize(
    "fixture, start, end, expected",
    [
        # TRIGGER:-PT15M before 10:00 -> 09:45
        ("event_with_alarm_15min_before.ics", "20240610T094500Z", "20240610T094600Z", True),
        ("event_with_alarm_15min_before.ics", "20240610T094400Z", "20240610T094500Z", False),
        ("event_with_alarm_15min_before.ics", "20240610T094600Z", "20240610T100000Z", False),
        # RELATED=END:PT5M, REPEAT 2 x PT10M after 11:00 -> 11:05, 11:15, 11:25
        ("event_with_repeating_alarm_after_end.ics", "20240610T112000Z", "20240610T113000Z", True),
        ("event_with_repeating_alarm_after_end.ics", "20240610T112600Z", "20240610T120000Z", False),
        ("event_with_repeating_alarm_after_end.ics", "20240610T110000Z", "20240610T110500Z", False),
        # recurring: the 04-01 instance starts 10:00 CEST = 08:00, alarm -PT10M -> 07:50
        ("weekly_berlin_over_dst.ics", "20240401T075000Z", "20240401T075100Z", True),
        ("weekly_berlin_over_dst.ics", "20240401T085000Z", "20240401T085100Z", False),
        # Google's -P0DT0H15M0S before 18:15 -> 18:00
        (
            "google_export_alarms_x_wr_timezone_crlf.ics",
            "20241004T180000Z",
            "20241004T180100Z",
            True,
        ),
    ],
)
def test_valarm_time_range(fixture: str, start: str, end: str, expected: bool) -> None:
    assert matches(fixture, alarm_query("VEVENT", start, end)) is expected


def test_valarm_absolute_floating_trigger_with_repeats_in_a_vtodo() -> None:
    # TRIGGER:19980403T120000 (floating), REPEAT:4, DURATION:PT1H -> 12:00..16:00 in the zone.
    fixture = "apple_ical1_mixed_vtodo_vjournal_vfreebusy_duration.ics"
    assert (
        matches(fixture, alarm_query("VTODO", "19980403T153000Z", "19980403T163000Z"), ZULU) is True
    )
    assert (
        matches(fixture, alarm_query("VTODO", "19980403T170000Z", "19980403T180000Z"), ZULU)
        is False
    )


# --- recurrence: DST, overrides, EXDATE/RDATE, cancelled instances -------------------------


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20240318T090000Z", "20240318T093000Z", True),  # 10:00 CET
        ("20240401T080000Z", "20240401T083000Z", True),  # 10:00 CEST after the change
        ("20240401T090000Z", "20240401T100000Z", False),  # the winter UTC slot is empty
        ("20240415T080000Z", "20240415T090000Z", False),  # COUNT=4 has ended
        ("20240409T000000Z", None, False),  # open end after the last one
        ("20240408T083000Z", None, True),  # open end inside the last one
        (None, "20240318T090000Z", False),  # open start before the first
        (None, "20240318T090001Z", True),
    ],
)
def test_weekly_series_over_dst(start: str | None, end: str | None, expected: bool) -> None:
    assert matches("weekly_berlin_over_dst.ics", query("VEVENT", start, end)) is expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20240506T070000Z", "20240506T080000Z", True),  # plain instance, 09:00 CEST
        ("20240507T070000Z", "20240507T080000Z", False),  # moved out of its original slot
        ("20240507T130000Z", "20240507T140000Z", True),  # moved into the afternoon
        ("20240508T070000Z", "20240508T080000Z", False),  # EXDATE
        ("20240509T070000Z", "20240509T080000Z", True),  # STATUS:CANCELLED is still an instance
        ("20240511T000000Z", "20240512T000000Z", False),  # after COUNT=5
        ("20240512T070000Z", "20240512T080000Z", True),  # RDATE
    ],
)
def test_moved_cancelled_excluded_and_added_instances(start: str, end: str, expected: bool) -> None:
    flt = query("VEVENT", start, end)
    assert matches("recurring_with_moved_and_cancelled_override.ics", flt) is expected


def test_override_properties_apply_to_the_override_instance_only() -> None:
    moved = (PropFilter("SUMMARY", text_match=text("moved")),)
    fixture = "recurring_with_moved_and_cancelled_override.ics"
    assert (
        matches(fixture, query("VEVENT", "20240506T000000Z", "20240511T000000Z", props=moved))
        is True
    )
    assert (
        matches(fixture, query("VEVENT", "20240508T000000Z", "20240511T000000Z", props=moved))
        is False
    )


def test_open_ended_range_still_finds_a_later_override() -> None:
    moved = (PropFilter("SUMMARY", text_match=text("moved")),)
    absent = (PropFilter("SUMMARY", text_match=text("retrospective")),)
    fixture = "recurring_with_moved_and_cancelled_override.ics"
    assert matches(fixture, query("VEVENT", "20240501T000000Z", None, props=moved)) is True
    assert matches(fixture, query("VEVENT", "20240501T000000Z", None, props=absent)) is False
    assert matches(fixture, query("VEVENT", None, "20240601T000000Z", props=moved)) is True


def test_clients_exclude_cancelled_instances_with_a_negated_status_match() -> None:
    not_cancelled = (PropFilter("STATUS", text_match=text("CANCELLED", negate=True)),)
    flt = query("VEVENT", "20240509T070000Z", "20240509T080000Z", props=not_cancelled)
    assert matches("recurring_with_moved_and_cancelled_override.ics", flt) is False


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20140707T050000Z", "20140707T060000Z", False),  # original slot of the moved instance
        ("20140707T110000Z", "20140707T120000Z", True),  # the moved instance ends at 12:00
        ("20140721T050000Z", "20140721T060000Z", True),
        ("20140811T050000Z", "20140811T060000Z", False),  # after UNTIL
    ],
)
def test_overrides_with_utc_recurrence_ids(start: str, end: str, expected: bool) -> None:
    fixture = "recurrence_cancelled_and_moved_overrides_utc_recurrence_id.ics"
    assert matches(fixture, query("VEVENT", start, end)) is expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20171016T183000Z", "20171016T193000Z", True),  # 20:30 CEST
        ("20171023T183000Z", "20171023T193000Z", False),  # EXDATE given in UTC
        ("20171106T193000Z", "20171106T203000Z", True),  # 20:30 CET after the change
        ("20171106T183000Z", "20171106T193000Z", False),
        ("20180326T183000Z", "20180326T193000Z", True),  # cancelled override
    ],
)
def test_thunderbird_weekly_series_over_dst_with_utc_exdates(
    start: str, end: str, expected: bool
) -> None:
    fixture = "thunderbird_weekly_dst_crossing_utc_exdates_cancelled_instances.ics"
    assert matches(fixture, query("VEVENT", start, end)) is expected


def test_thisandfuture_override_moves_the_later_instances() -> None:
    # Weekly Mondays 10:00; from 06-17 on two hours later (RANGE=THISANDFUTURE).
    fixture = "weekly_with_thisandfuture_override.ics"
    assert matches(fixture, query("VEVENT", "20240624T120000Z", "20240624T123000Z")) is True
    assert matches(fixture, query("VEVENT", "20240624T100000Z", "20240624T110000Z")) is False
    assert matches(fixture, query("VEVENT", "20240610T100000Z", "20240610T110000Z")) is True
    expanded = render(
        fixture, CalendarDataRequest(expand=span("20240617T000000Z", "20240701T000000Z"))
    )
    assert [
        (e["RECURRENCE-ID"].to_ical(), e["DTSTART"].to_ical()) for e in components_of(expanded)
    ] == [(b"20240617T100000Z", b"20240617T120000Z"), (b"20240624T100000Z", b"20240624T120000Z")]
    assert "RANGE" not in expanded
    before = CalendarDataRequest(limit_recurrence_set=span("20240603T000000Z", "20240604T000000Z"))
    after = CalendarDataRequest(limit_recurrence_set=span("20240624T000000Z", "20240625T000000Z"))
    assert len(components_of(render(fixture, before))) == 1
    assert len(components_of(render(fixture, after))) == 2


def test_rdate_period_gives_the_instance_its_own_length() -> None:
    # DURATION:PT1H, but RDATE;VALUE=PERIOD 06-12 14:00/17:00 lasts three hours.
    fixture = "event_rdate_period_longer_than_duration.ics"
    assert matches(fixture, query("VEVENT", "20240612T160000Z", "20240612T163000Z")) is True
    assert matches(fixture, query("VEVENT", "20240610T110000Z", "20240610T120000Z")) is False
    expanded = render(
        fixture, CalendarDataRequest(expand=span("20240612T000000Z", "20240613T000000Z"))
    )
    (event,) = components_of(expanded)
    assert event["DTEND"].to_ical() == b"20240612T170000Z" and "DURATION" not in event
    first = render(
        fixture, CalendarDataRequest(expand=span("20240610T000000Z", "20240611T000000Z"))
    )
    assert "DURATION:PT1H" in first and "DTEND" not in first


def test_allday_series_follows_the_collection_timezone() -> None:
    # Friday 2024-01-05: Berlin 01-04 23:00 to 01-05 23:00, New York 01-05 05:00 to 01-06 05:00.
    early = query("VEVENT", "20240104T233000Z", "20240105T000000Z")
    late = query("VEVENT", "20240105T233000Z", "20240106T000000Z")
    assert matches("allday_series.ics", early, BERLIN) is True
    assert matches("allday_series.ics", early, NEW_YORK) is False
    assert matches("allday_series.ics", late, BERLIN) is False
    assert matches("allday_series.ics", late, NEW_YORK) is True


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20241027T223000Z", "20241027T230000Z", True),  # 10-27 has 25 hours in Berlin
        ("20241028T100000Z", "20241028T110000Z", False),  # 10-28 moved away
        ("20241029T100000Z", "20241029T110000Z", True),
        ("20241030T100000Z", "20241030T110000Z", True),  # moved here
        ("20241031T100000Z", "20241031T110000Z", False),
    ],
)
def test_allday_daily_series_starting_on_dst_change(start: str, end: str, expected: bool) -> None:
    fixture = "recurrence_allday_daily_count_override_on_dst_change.ics"
    assert matches(fixture, query("VEVENT", start, end)) is expected


def test_exchange_override_with_datetime_recurrence_id_replaces_allday_instance() -> None:
    fixture = "exchange2010_allday_series_moved_instance_recurid_type_mismatch.ics"
    assert matches(fixture, query("VEVENT", "20260226T100000Z", "20260226T110000Z")) is False
    assert matches(fixture, query("VEVENT", "20260227T100000Z", "20260227T110000Z")) is True
    assert matches(fixture, query("VEVENT", "20260303T100000Z", "20260303T110000Z")) is True


def test_infinite_series_is_expanded_only_around_the_query_range(monkeypatch) -> None:
    windows = []
    original = instances.Expansion.between

    def recording(self, lower, upper):
        windows.append((lower, upper))
        return original(self, lower, upper)

    monkeypatch.setattr(instances.Expansion, "between", recording)
    flt = query("VEVENT", "20300601T080000Z", "20300601T081000Z")
    assert matches("daily_since_2000_without_end.ics", flt) is True
    assert len(windows) == 1
    lower, upper = windows[0]
    assert utc("20300530T000000Z") < lower and upper < utc("20300604T000000Z")


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("20300601T000000Z", None, True),
        (None, "20000103T080000Z", False),
        (None, "20000103T080001Z", True),
    ],
)
def test_open_ended_ranges_on_an_infinite_series(
    start: str | None, end: str | None, expected: bool
) -> None:
    assert matches("daily_since_2000_without_end.ics", query("VEVENT", start, end)) is expected


# --- time zones: floating, Windows TZID, X-WR-TIMEZONE ------------------------------------


def test_unknown_tzid_without_vtimezone_is_read_as_floating() -> None:
    # TZID=FOO 09:30 with no VTIMEZONE: 07:30 UTC when the collection is in Berlin (CEST).
    flt = query("VEVENT", "20140409T073000Z", "20140409T080000Z")
    assert matches("missing_vtimezone_unknown_tzid.ics", flt, BERLIN) is True
    assert matches("missing_vtimezone_unknown_tzid.ics", flt, NEW_YORK) is False


def test_floating_time_is_read_in_the_collection_timezone() -> None:
    # 09:00 floating: 07:00 UTC in Berlin (CEST), 13:00 UTC in New York (EDT).
    berlin_slot = query("VEVENT", "20240610T070000Z", "20240610T080000Z")
    new_york_slot = query("VEVENT", "20240610T130000Z", "20240610T140000Z")
    assert matches("floating_time_event.ics", berlin_slot, BERLIN) is True
    assert matches("floating_time_event.ics", berlin_slot, NEW_YORK) is False
    assert matches("floating_time_event.ics", new_york_slot, NEW_YORK) is True


def test_outlook_windows_tzid_uses_its_vtimezone() -> None:
    # 12:00 "Eastern Standard Time" in June (EDT, -04:00) = 16:00 UTC.
    fixture = "outlook2010_request_tab_folding_quoted_windows_tzid.ics"
    assert matches(fixture, query("VEVENT", "20130610T160000Z", "20130610T163000Z")) is True
    assert matches(fixture, query("VEVENT", "20130610T120000Z", "20130610T130000Z")) is False
    assert matches(fixture, query("VEVENT", "20130610T100000Z", "20130610T110000Z")) is False


def test_x_wr_timezone_does_not_move_utc_times() -> None:
    # Weekly 09:00Z series with X-WR-TIMEZONE:Europe/Berlin stays at 09:00Z after DST.
    fixture = "google_export_x_wr_timezone_utc_weekly.ics"
    assert matches(fixture, query("VEVENT", "20240401T090000Z", "20240401T093000Z")) is True
    assert matches(fixture, query("VEVENT", "20240401T080000Z", "20240401T083000Z")) is False
    google = "google_export_alarms_x_wr_timezone_crlf.ics"
    assert matches(google, query("VEVENT", "20241004T181500Z", "20241004T181600Z")) is True


# --- prop-filter, param-filter, text-match, is-not-defined ---------------------------------

MEETING = "meeting_with_attendees_partstat.ics"


@pytest.mark.parametrize(
    "props, expected",
    [
        (
            (
                PropFilter(
                    "ATTENDEE",
                    param_filters=(ParamFilter("PARTSTAT", text_match=text("NEEDS-ACTION")),),
                ),
            ),
            True,
        ),
        # text and parameter must hold for the same ATTENDEE
        (
            (
                PropFilter(
                    "ATTENDEE",
                    text_match=text("ana"),
                    param_filters=(ParamFilter("PARTSTAT", text_match=text("ACCEPTED")),),
                ),
            ),
            False,
        ),
        (
            (
                PropFilter(
                    "ATTENDEE",
                    text_match=text("john"),
                    param_filters=(ParamFilter("PARTSTAT", text_match=text("ACCEPTED")),),
                ),
            ),
            True,
        ),
        (
            (PropFilter("ATTENDEE", param_filters=(ParamFilter("ROLE", is_not_defined=True),)),),
            True,
        ),
        (
            (
                PropFilter(
                    "ATTENDEE", param_filters=(ParamFilter("CN", text_match=text("doe, john")),)
                ),
            ),
            True,
        ),
        ((PropFilter("ORGANIZER", param_filters=(ParamFilter("ROLE"),)),), False),
        ((PropFilter("SUMMARY", text_match=text("café", "i;octet")),), False),
        ((PropFilter("SUMMARY", text_match=text("Café", "i;octet")),), True),
        ((PropFilter("SUMMARY", text_match=text("CAFé")),), True),
        ((PropFilter("SUMMARY", text_match=text("CAFÉ")),), False),  # ascii-casemap leaves É
        ((PropFilter("SUMMARY", text_match=text("CAFÉ PLANUNG", "i;unicode-casemap")),), True),
        ((PropFilter("STATUS", text_match=text("CANCELLED", negate=True)),), True),
        ((PropFilter("LOCATION", is_not_defined=True),), True),
        ((PropFilter("SUMMARY", is_not_defined=True),), False),
        ((PropFilter("DTSTAMP"),), True),
        ((PropFilter("LOCATION"),), False),
        ((PropFilter("DTSTART", time_range=span("20240610T100000Z", "20240610T100100Z")),), True),
        ((PropFilter("DTSTART", time_range=span("20240610T100100Z", "20240610T110000Z")),), False),
    ],
)
def test_prop_and_param_filters(props: tuple[PropFilter, ...], expected: bool) -> None:
    assert matches(MEETING, query("VEVENT", props=props)) is expected


@pytest.mark.parametrize(
    "match, expected",
    [
        (text("john"), True),
        (text("meeting, john"), True),  # escaped comma inside one value
        (text("Sarah", negate=True), False),
        (text("Nobody", negate=True), True),
    ],
)
def test_text_match_on_multi_value_categories(match: TextMatch, expected: bool) -> None:
    flt = query("VEVENT", props=(PropFilter("CATEGORIES", text_match=match),))
    assert matches("categories_with_escaped_commas.ics", flt) is expected


def test_comp_filter_existence_and_is_not_defined() -> None:
    assert matches(MEETING, query("VEVENT")) is True
    assert matches(MEETING, query("VTODO")) is False
    missing_todo = CompFilter("VCALENDAR", comp_filters=(CompFilter("VTODO", is_not_defined=True),))
    assert matches(MEETING, missing_todo) is True
    version = CompFilter("VCALENDAR", prop_filters=(PropFilter("VERSION", text_match=text("2.0")),))
    assert matches(MEETING, version) is True


def test_prop_time_range_on_dtstart_looks_at_every_instance() -> None:
    starts = lambda s, e: query("VEVENT", props=(PropFilter("DTSTART", time_range=span(s, e)),))  # noqa: E731
    assert (
        matches("weekly_berlin_over_dst.ics", starts("20240401T080000Z", "20240401T080100Z"))
        is True
    )
    assert (
        matches("weekly_berlin_over_dst.ics", starts("20240401T090000Z", "20240401T090100Z"))
        is False
    )


def test_prop_time_range_on_other_date_properties() -> None:
    created = PropFilter("CREATED", time_range=span("20240601T080000Z", "20240601T080100Z"))
    assert matches("todo_completed_and_created.ics", query("VTODO", props=(created,))) is True
    # COMPLETED;TZID=Europe/Monaco:20130716T105745 is 08:57:45 UTC
    monaco = "owncloud_vtodos_completed_with_tzid_utf8.ics"
    at_utc = PropFilter("COMPLETED", time_range=span("20130716T085700Z", "20130716T085800Z"))
    at_wall_clock = PropFilter("COMPLETED", time_range=span("20130716T105700Z", "20130716T105800Z"))
    assert matches(monaco, query("VTODO", props=(at_utc,))) is True
    assert matches(monaco, query("VTODO", props=(at_wall_clock,))) is False
    dtend = PropFilter("DTEND", time_range=span("20240610T000000Z", "20240611T000000Z"))
    assert matches("event_with_duration.ics", query("VEVENT", props=(dtend,))) is False


# --- filters the engine refuses ---------------------------------------------------


@pytest.mark.parametrize(
    "flt, error",
    [
        (CompFilter("VEVENT"), InvalidFilter),
        (query("VTODO", comps=(CompFilter("VEVENT"),)), InvalidFilter),
        (
            query(
                "VEVENT", props=(PropFilter("SUMMARY", time_range=span("20240101T000000Z", None)),)
            ),
            InvalidFilter,
        ),
        (query("VTIMEZONE", "20240101T000000Z", "20240102T000000Z"), UnsupportedFilter),
        (query("VAVAILABILITY", "20240101T000000Z", "20240102T000000Z"), UnsupportedFilter),
        (
            query(
                "VEVENT", props=(PropFilter("X-WHEN", time_range=span("20240101T000000Z", None)),)
            ),
            UnsupportedFilter,
        ),
        (
            query("VEVENT", props=(PropFilter("DTSTART", text_match=text("2024")),)),
            UnsupportedFilter,
        ),
        (
            CompFilter(
                "VCALENDAR",
                comp_filters=(
                    CompFilter("VEVENT", is_not_defined=True, prop_filters=(PropFilter("UID"),)),
                ),
            ),
            InvalidFilter,
        ),
    ],
)
def test_check_filter_refuses(flt: CompFilter, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_filter(flt)
    with pytest.raises(error):
        calendar_matches(load(MEETING), flt, timezone=BERLIN)


def test_unknown_collation_is_refused() -> None:
    with pytest.raises(UnsupportedCollation) as refused:
        TextMatch("x", "i;basic")
    assert refused.value.collation == "i;basic"


# --- calendar-data retrieval (§9.6) ------------------------------------------------


def render(fixture: str, request: CalendarDataRequest | None, tz: ZoneInfo = BERLIN) -> str:
    return render_calendar_data(load(fixture), raw(fixture), request, timezone=tz)


def components_of(text_value: str, name: str = "VEVENT") -> list[icalendar.Component]:
    return icalendar.Calendar.from_ical(text_value).walk(name)


def test_raw_text_unchanged_when_everything_is_asked_for() -> None:
    fixture = "google_export_alarms_x_wr_timezone_crlf.ics"
    assert render(fixture, None) == raw(fixture).decode()
    assert render(fixture, CalendarDataRequest()) == raw(fixture).decode()
    assert (
        render(fixture, CalendarDataRequest(ComponentSelection("VCALENDAR")))
        == raw(fixture).decode()
    )


def test_partial_retrieval_as_in_rfc_4791_7_8_1() -> None:
    selection = ComponentSelection(
        "VCALENDAR",
        (PropertySelection("VERSION"),),
        (
            ComponentSelection(
                "VEVENT",
                (
                    PropertySelection("SUMMARY"),
                    PropertySelection("UID"),
                    PropertySelection("DTSTART"),
                    PropertySelection("RRULE"),
                ),
                (),
            ),
            ComponentSelection("VTIMEZONE"),
        ),
    )
    result = render("weekly_berlin_over_dst.ics", CalendarDataRequest(selection))
    assert "VERSION:2.0" in result and "PRODID" not in result
    assert "SUMMARY:Weekly planning" in result and "RRULE:FREQ=WEEKLY;COUNT=4" in result
    assert "DTEND" not in result and "DTSTAMP" not in result and "VALARM" not in result
    assert "TZOFFSETTO:+0200" in result  # the empty C:comp VTIMEZONE comes whole


def test_partial_retrieval_novalue_keeps_name_and_parameters() -> None:
    selection = ComponentSelection(
        "VCALENDAR",
        None,
        (ComponentSelection("VEVENT", (PropertySelection("ATTENDEE", novalue=True),), ()),),
    )
    lines = render(MEETING, CalendarDataRequest(selection)).splitlines()
    assert "ATTENDEE;CN=Ana;PARTSTAT=NEEDS-ACTION:" in lines
    assert not any("mailto:" in line for line in lines)


def test_expand_gives_utc_instances_with_recurrence_id() -> None:
    request = CalendarDataRequest(expand=span("20240506T000000Z", "20240513T000000Z"))
    result = render("recurring_with_moved_and_cancelled_override.ics", request)
    events = components_of(result)
    assert [e["RECURRENCE-ID"].to_ical().decode() for e in events] == [
        "20240506T070000Z",
        "20240507T070000Z",
        "20240509T070000Z",
        "20240510T070000Z",
        "20240512T070000Z",
    ]
    assert [e["DTSTART"].to_ical().decode() for e in events] == [
        "20240506T070000Z",
        "20240507T130000Z",
        "20240509T070000Z",
        "20240510T070000Z",
        "20240512T070000Z",
    ]
    assert events[2]["STATUS"] == "CANCELLED"
    for forbidden in ("RRULE", "RDATE", "EXDATE", "VTIMEZONE", "TZID"):
        assert forbidden not in result


def test_expand_over_dst_and_leaves_out_events_outside_the_range() -> None:
    request = CalendarDataRequest(expand=span("20240318T000000Z", "20240402T000000Z"))
    events = components_of(render("weekly_berlin_over_dst.ics", request))
    assert [e["DTSTART"].to_ical().decode() for e in events] == [
        "20240318T090000Z",
        "20240325T090000Z",
        "20240401T080000Z",
    ]
    assert [e["DTEND"].to_ical().decode() for e in events][-1] == "20240401T090000Z"
    assert all(e.walk("VALARM") for e in events)
    elsewhere = CalendarDataRequest(expand=span("20250101T000000Z", "20250102T000000Z"))
    assert components_of(render(MEETING, elsewhere)) == []


def test_expand_keeps_all_day_values_as_dates() -> None:
    request = CalendarDataRequest(expand=span("20240101T000000Z", "20240120T000000Z"))
    result = render("allday_series.ics", request)
    assert "DTSTART;VALUE=DATE:20240105" in result
    assert "RECURRENCE-ID;VALUE=DATE:20240112" in result
    assert len(components_of(result)) == 3


@pytest.mark.parametrize(
    "start, end, moved_kept, cancelled_kept",
    [
        ("20240509T000000Z", "20240510T000000Z", False, True),
        ("20240507T130000Z", "20240507T140000Z", True, False),  # current time of the moved one
        ("20240507T070000Z", "20240507T080000Z", True, False),  # its original time
    ],
)
def test_limit_recurrence_set(start: str, end: str, moved_kept: bool, cancelled_kept: bool) -> None:
    request = CalendarDataRequest(limit_recurrence_set=span(start, end))
    result = render("recurring_with_moved_and_cancelled_override.ics", request)
    assert "RRULE:FREQ=DAILY;COUNT=5" in result
    assert ("moved to the afternoon" in result) is moved_kept
    assert ("CANCELLED" in result) is cancelled_kept


def test_limit_freebusy_set_keeps_periods_in_range() -> None:
    request = CalendarDataRequest(limit_freebusy_set=span("20120113T000000Z", "20120118T000000Z"))
    result = render("davmail_exchange_vfreebusy_reply_multiple_freebusy.ics", request)
    lines = [line for line in result.splitlines() if line.startswith("FREEBUSY")]
    assert lines == [
        "FREEBUSY;FBTYPE=BUSY:20120113T130000Z/20120113T150000Z",
        "FREEBUSY;FBTYPE=BUSY:20120116T130000Z/20120116T150000Z",
        "FREEBUSY;FBTYPE=BUSY:20120117T091500Z/20120117T101500Z",
    ]


# --- free-busy (§7.10) ----------------------------------------------------------------

FREE_BUSY_WEEK = [
    "recurring_with_moved_and_cancelled_override.ics",
    "event_tentative.ics",
    "event_transparent.ics",
    "event_overlapping_standup.ics",
]


def test_free_busy_merges_per_type_and_skips_transparent_and_cancelled() -> None:
    periods = free_busy_periods(
        [load(f) for f in FREE_BUSY_WEEK],
        utc("20240506T000000Z"),
        utc("20240513T000000Z"),
        timezone=BERLIN,
    )
    assert periods == [
        (utc("20240506T070000Z"), utc("20240506T090000Z"), "BUSY"),
        (utc("20240506T073000Z"), utc("20240506T083000Z"), "BUSY-TENTATIVE"),
        (utc("20240507T130000Z"), utc("20240507T140000Z"), "BUSY"),
        (utc("20240510T070000Z"), utc("20240510T080000Z"), "BUSY"),
        (utc("20240512T070000Z"), utc("20240512T080000Z"), "BUSY"),
    ]


def test_free_busy_clips_to_the_range() -> None:
    periods = free_busy_periods(
        [load(f) for f in FREE_BUSY_WEEK],
        utc("20240506T073000Z"),
        utc("20240507T000000Z"),
        timezone=BERLIN,
    )
    assert periods == [
        (utc("20240506T073000Z"), utc("20240506T090000Z"), "BUSY"),
        (utc("20240506T073000Z"), utc("20240506T083000Z"), "BUSY-TENTATIVE"),
    ]


def test_free_busy_counts_vfreebusy_periods_but_not_free_ones() -> None:
    periods = free_busy_periods(
        [load("freebusy_periods_without_dtstart.ics")],
        utc("20240610T000000Z"),
        utc("20240613T000000Z"),
        timezone=BERLIN,
    )
    assert periods == [
        (utc("20240610T080000Z"), utc("20240610T100000Z"), "BUSY-UNAVAILABLE"),
        (utc("20240611T080000Z"), utc("20240611T090000Z"), "BUSY-UNAVAILABLE"),
    ]


def test_free_busy_all_day_event_is_busy_for_the_local_day() -> None:
    periods = free_busy_periods(
        [load("allday_series.ics")],
        utc("20240104T000000Z"),
        utc("20240106T000000Z"),
        timezone=BERLIN,
    )
    assert periods == [(utc("20240104T230000Z"), utc("20240105T230000Z"), "BUSY")]


def test_render_vfreebusy() -> None:
    periods = [
        (utc("20240506T070000Z"), utc("20240506T090000Z"), "BUSY"),
        (utc("20240506T073000Z"), utc("20240506T083000Z"), "BUSY-TENTATIVE"),
    ]
    result = render_vfreebusy(
        periods, utc("20240506T000000Z"), utc("20240513T000000Z"), stamp=utc("20240601T120000Z")
    )
    lines = result.splitlines()
    for line in (
        "BEGIN:VFREEBUSY",
        "DTSTAMP:20240601T120000Z",
        "DTSTART:20240506T000000Z",
        "DTEND:20240513T000000Z",
        "FREEBUSY;FBTYPE=BUSY:20240506T070000Z/20240506T090000Z",
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20240506T073000Z/20240506T083000Z",
    ):
        assert line in lines
    assert len(icalendar.Calendar.from_ical(result).walk("VFREEBUSY")) == 1


# --- request bodies (davserver/caldav/query_xml.py) ----------------------------------

NS = f'xmlns:D="{DAV}" xmlns:C="{CALDAV}"'


def calendar_query_body(filter_xml: str, extra: str = "") -> bytes:
    return (
        f"<C:calendar-query {NS}><D:prop><D:getetag/></D:prop>"
        f"<C:filter>{filter_xml}</C:filter>{extra}</C:calendar-query>"
    ).encode()


def test_parse_calendar_query_with_partial_calendar_data() -> None:
    body = f"""<C:calendar-query {NS}>
      <D:prop><D:getetag/>
        <C:calendar-data>
          <C:comp name="VCALENDAR"><C:prop name="VERSION"/>
            <C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID" novalue="yes"/></C:comp>
            <C:comp name="VTIMEZONE"/>
          </C:comp>
          <C:expand start="20060103T000000Z" end="20060105T000000Z"/>
        </C:calendar-data>
      </D:prop>
      <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
        <C:time-range start="20060104T000000Z" end="20060105T000000Z"/>
      </C:comp-filter></C:comp-filter></C:filter>
    </C:calendar-query>""".encode()
    parsed = parse_calendar_query(parse_xml(body))
    assert parsed.mode == "prop"
    assert parsed.properties == (qname(DAV, "getetag"), qname(CALDAV, "calendar-data"))
    assert parsed.filter.comp_filters[0].time_range == span("20060104T000000Z", "20060105T000000Z")
    data = parsed.calendar_data
    assert data.expand == span("20060103T000000Z", "20060105T000000Z")
    vevent, vtimezone = data.component.components
    assert vevent.properties == (PropertySelection("SUMMARY"), PropertySelection("UID", True))
    assert vevent.components == () and vtimezone == ComponentSelection("VTIMEZONE")
    assert parsed.timezone is None


def test_parse_prop_param_and_text_match_filters() -> None:
    body = calendar_query_body("""<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">
        <C:prop-filter name="COMPLETED"><C:is-not-defined/></C:prop-filter>
        <C:prop-filter name="STATUS"><C:text-match negate-condition="yes">CANCELLED</C:text-match>
        </C:prop-filter>
        <C:prop-filter name="ATTENDEE"><C:text-match collation="i;octet">mailto:ana</C:text-match>
          <C:param-filter name="partstat"><C:text-match>NEEDS-ACTION</C:text-match></C:param-filter>
        </C:prop-filter></C:comp-filter></C:comp-filter>""")
    todo = parse_calendar_query(parse_xml(body)).filter.comp_filters[0]
    assert todo.prop_filters == (
        PropFilter("COMPLETED", is_not_defined=True),
        PropFilter("STATUS", text_match=TextMatch("CANCELLED", negate=True)),
        PropFilter(
            "ATTENDEE",
            text_match=TextMatch("mailto:ana", "i;octet"),
            param_filters=(ParamFilter("PARTSTAT", text_match=TextMatch("NEEDS-ACTION")),),
        ),
    )


def test_parse_timezone_override() -> None:
    by_id = calendar_query_body(
        '<C:comp-filter name="VCALENDAR"/>', "<C:timezone-id>America/New_York</C:timezone-id>"
    )
    assert parse_calendar_query(parse_xml(by_id)).timezone == NEW_YORK
    vtimezone = (DATA / "outlook2010_request_tab_folding_quoted_windows_tzid.ics").read_text()
    vtimezone = vtimezone.replace("&", "&amp;").replace("<", "&lt;")
    by_text = calendar_query_body(
        '<C:comp-filter name="VCALENDAR"/>', f"<C:timezone>{vtimezone}</C:timezone>"
    )
    zone = parse_calendar_query(parse_xml(by_text)).timezone
    assert zone.utcoffset(datetime(2013, 6, 10, 12)).total_seconds() == -4 * 3600


def test_parse_property_modes() -> None:
    allprop = (
        f"<C:calendar-query {NS}><D:allprop/>"
        '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
    )
    propname = allprop.replace("<D:allprop/>", "<D:propname/>")
    assert parse_calendar_query(parse_xml(allprop.encode())).mode == "allprop"
    assert parse_calendar_query(parse_xml(propname.encode())).mode == "propname"


def test_parse_free_busy_query() -> None:
    body = (
        f"<C:free-busy-query {NS}>"
        '<C:time-range start="20060104T140000Z" end="20060105T220000Z"/></C:free-busy-query>'
    )
    assert parse_free_busy_query(parse_xml(body.encode())) == span(
        "20060104T140000Z", "20060105T220000Z"
    )
    open_end = body.replace(' end="20060105T220000Z"', "")
    with pytest.raises(InvalidQuery):
        parse_free_busy_query(parse_xml(open_end.encode()))


@pytest.mark.parametrize(
    "filter_xml, error",
    [
        ('<C:comp-filter name="VEVENT"/>', InvalidFilter),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range/>'
            "</C:comp-filter></C:comp-filter>",
            InvalidFilter,
        ),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            '<C:time-range start="20060104T000000"/></C:comp-filter></C:comp-filter>',
            InvalidFilter,
        ),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            '<C:time-range start="20060105T000000Z" end="20060104T000000Z"/></C:comp-filter></C:comp-filter>',
            InvalidFilter,
        ),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">'
            '<C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>',
            UnsupportedCollation,
        ),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:fuzzy-match/>'
            "</C:comp-filter></C:comp-filter>",
            UnsupportedFilter,
        ),
        (
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VAVAILABILITY">'
            '<C:time-range start="20060104T000000Z"/></C:comp-filter></C:comp-filter>',
            UnsupportedFilter,
        ),
    ],
)
def test_parse_refuses_bad_filters(filter_xml: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_calendar_query(parse_xml(calendar_query_body(filter_xml)))


@pytest.mark.parametrize(
    "body, error",
    [
        (f"<C:calendar-multiget {NS}/>", InvalidQuery),
        (f"<C:calendar-query {NS}><D:prop/></C:calendar-query>", InvalidQuery),
        (
            calendar_query_body(
                '<C:comp-filter name="VCALENDAR"/>',
                "<C:timezone-id>Mars/Olympus_Mons</C:timezone-id>",
            ).decode(),
            UnknownTimezoneId,
        ),
        (
            calendar_query_body(
                '<C:comp-filter name="VCALENDAR"/>', "<C:timezone>not a calendar</C:timezone>"
            ).decode(),
            InvalidTimezoneData,
        ),
    ],
)
def test_parse_refuses_bad_bodies(body: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_calendar_query(parse_xml(body.encode()))


@pytest.mark.parametrize(
    "data_xml, error",
    [
        ('<C:calendar-data content-type="application/calendar+json"/>', UnsupportedCalendarData),
        ('<C:calendar-data><C:expand start="20060103T000000Z"/></C:calendar-data>', InvalidQuery),
        (
            '<C:calendar-data><C:expand start="20060103T000000Z" end="20060104T000000Z"/>'
            '<C:limit-recurrence-set start="20060103T000000Z" end="20060104T000000Z"/></C:calendar-data>',
            InvalidQuery,
        ),
        ('<C:calendar-data><C:comp name="VEVENT"/></C:calendar-data>', InvalidQuery),
    ],
)
def test_parse_calendar_data_refuses(data_xml: str, error: type[Exception]) -> None:
    element = parse_xml(data_xml.replace("<C:calendar-data", f"<C:calendar-data {NS}", 1).encode())
    with pytest.raises(error):
        parse_calendar_data_request(element)


def test_bad_expand_date_is_a_400_not_a_valid_filter_error() -> None:
    element = parse_xml(
        f'<C:calendar-data {NS}><C:expand start="20060103" end="20060104T000000Z"/>'
        f"</C:calendar-data>".encode()
    )
    with pytest.raises(InvalidQuery) as refused:
        parse_calendar_data_request(element)
    assert not isinstance(refused.value, InvalidFilter)
