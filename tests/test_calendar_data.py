"""Validating and indexing calendar object resources (resources/formats/calendar_data.py).

Pure function tests over the files in tests/data/ical/: real client exports
(see PROVENANCE.md) and synthetic fixtures named by what they contain.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest
import recurring_ical_events

from resources.errors import (
    DomainError,
    InvalidCalendarData,
    InvalidCalendarObject,
    ResourceTooLarge,
    UnsupportedComponent,
)
from resources.formats.calendar_data import (
    CalendarObjectFacts,
    parse_calendar_object,
    split_calendar,
)
from resources.formats.calendar_occurrences import OccurrenceList

DATA = Path(__file__).parent / "data" / "ical"
ALL_KINDS = frozenset({"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY"})
ACCEPTED = None

# Every file in tests/data/ical, PUT as it is: None = accepted, else the error class.
EXPECTED = {
    # real client data, accepted (some of it sloppy but unambiguous)
    "broken_allday_rrule_until_datetime_mismatch.ics": ACCEPTED,
    "broken_korganizer_blank_lines.ics": ACCEPTED,
    "broken_sogo_geo_escaped_semicolon.ics": ACCEPTED,
    "categories_with_escaped_commas.ics": ACCEPTED,
    "dtstart_utc_without_dtend_minimal.ics": ACCEPTED,
    "evolution_softwarestudio_tzid_vtimezone_after_event.ics": ACCEPTED,
    "evolution_windows_tzid_html_alt_desc_alarm_uid.ics": ACCEPTED,
    "ios26_structured_location_umlaut_escaped_semicolon.ics": ACCEPTED,
    "lotus_notes_thisandfuture_rdate_period_list.ics": ACCEPTED,
    "missing_vtimezone_unknown_tzid.ics": ACCEPTED,
    "mozilla_vtodo_monthly_rrule_count_completed.ics": ACCEPTED,
    "nextcloud_allday_yearly_four_valarms_week_day_trigger.ics": ACCEPTED,
    "outlook2007_cyrillic_tzid_no_dtend.ics": ACCEPTED,
    "outlook2007_quoted_tzid_with_commas_no_dtend.ics": ACCEPTED,
    "recurrence_allday_daily_count_override_on_dst_change.ics": ACCEPTED,
    "recurrence_cancelled_and_moved_overrides_utc_recurrence_id.ics": ACCEPTED,
    "recurrence_daily_count_exdates_override_end_before_start.ics": ACCEPTED,
    "recurrence_monthly_last_weekday_bysetpos_allday.ics": ACCEPTED,
    "recurrence_overrides_without_master_floating_duration.ics": ACCEPTED,
    "thunderbird_attach_base64_binary_tz_after_event.ics": ACCEPTED,
    "thunderbird_snoozed_alarm_tz_history_seconds_offsets.ics": ACCEPTED,
    "thunderbird_weekly_dst_crossing_utc_exdates_cancelled_instances.ics": ACCEPTED,
    "vjournal_rfc5545_folded_description_no_final_newline.ics": ACCEPTED,
    "vtodo_due_date_only_categories.ics": ACCEPTED,
    # unreadable
    "broken_double_semicolon_in_params.ics": InvalidCalendarData,
    "broken_missing_end_vcalendar.ics": InvalidCalendarData,
    "broken_outlook2003_vfreebusy_seven_digit_dates.ics": InvalidCalendarData,
    "broken_stray_line_without_colon.ics": InvalidCalendarData,
    "broken_vtimezone_utc_offset_out_of_range.ics": InvalidCalendarData,
    "exchange2010_eight_windows_vtimezones_exdate.ics": InvalidCalendarData,  # TZID quote swallows the ':'
    "exchange_cdo_custom_tzid_byday_with_spaces_no_uid.ics": InvalidCalendarData,  # RRULE BYDAY=MO, TU
    "mozilla_sunbird_latin1_fold_after_name_vtodo.ics": InvalidCalendarData,  # ISO-8859-1
    # readable, but not one calendar object resource (RFC 4791 §4.1)
    "android_ical_import_export_mixed_tzid_utc_three_alarms.ics": InvalidCalendarObject,  # METHOD
    "apple_ical1_mixed_vtodo_vjournal_vfreebusy_duration.ics": InvalidCalendarObject,  # four kinds
    "broken_bom_empty_vcalendar_no_version.ics": InvalidCalendarObject,  # no component
    "broken_empty_vcalendar_method_no_components.ics": InvalidCalendarObject,
    "broken_owncloud_tzid_with_utc_z_suffix.ics": InvalidCalendarObject,  # two UIDs
    "davmail_exchange_vfreebusy_reply_multiple_freebusy.ics": InvalidCalendarObject,  # METHOD:REPLY
    "exchange2010_allday_series_moved_instance_recurid_type_mismatch.ics": InvalidCalendarObject,  # METHOD
    "google_export_alarms_x_wr_timezone_crlf.ics": InvalidCalendarObject,  # METHOD
    "google_export_apple_structured_location_non_ascii.ics": InvalidCalendarObject,  # METHOD
    "google_export_override_before_master.ics": InvalidCalendarObject,  # METHOD
    "google_export_weekly_until_exdate_list_moved_instance.ics": InvalidCalendarObject,  # METHOD, two UIDs
    "korganizer3_every_property_folded_after_name.ics": InvalidCalendarObject,  # two UIDs
    "macos10_8_export_allday_series_apple_alarms.ics": InvalidCalendarObject,  # five UIDs
    "macos11_publish_tzid_without_vtimezone_partstat.ics": InvalidCalendarObject,  # METHOD, four UIDs
    "outlook2007_folds_with_trailing_whitespace_nbsp.ics": InvalidCalendarObject,  # METHOD
    "outlook2010_request_tab_folding_quoted_windows_tzid.ics": InvalidCalendarObject,  # METHOD:REQUEST
    "outlook2016_very_long_x_alt_desc_40kb.ics": InvalidCalendarObject,  # METHOD
    "owncloud_vtodos_completed_with_tzid_utf8.ics": InvalidCalendarObject,  # two UIDs
    "thunderbird_overrides_with_dtend_and_duration.ics": InvalidCalendarObject,  # DTEND + DURATION
    "vavailability_rfc7953_three_components.ics": InvalidCalendarObject,  # three UIDs
    # synthetic
    "availability_bounded_with_counted_available.ics": ACCEPTED,
    "event_absolute_alarm_long_before.ics": ACCEPTED,
    "event_allday_single.ics": ACCEPTED,
    "event_allday_without_dtend.ics": ACCEPTED,
    "event_daily_count_with_overrides_moved_outside.ics": ACCEPTED,
    "event_daily_until_berlin_with_exdate_and_rdate.ics": ACCEPTED,
    "event_dst_crossing_weekly_berlin.ics": ACCEPTED,
    "event_floating_with_alarm_one_day_before.ics": ACCEPTED,
    "event_rdate_periods_only.ics": ACCEPTED,
    "event_rrule_count_never_matching_february_30.ics": ACCEPTED,
    "event_rrule_count_zero.ics": ACCEPTED,
    "event_rrule_minutely_until_over_instance_limit.ics": ACCEPTED,
    "event_rrule_until_before_start_no_instances.ics": ACCEPTED,
    "event_thisandfuture_moved_later.ics": ACCEPTED,
    "event_weekly_unbounded.ics": ACCEPTED,
    "freebusy_periods_without_dtstart.ics": ACCEPTED,
    "journal_datetime.ics": ACCEPTED,
    "todo_due_only.ics": ACCEPTED,
    "todo_start_and_duration_with_alarm_after_end.ics": ACCEPTED,
    "todo_without_dates.ics": ACCEPTED,
    "invalid_bad_dtstart_date.ics": InvalidCalendarData,
    "invalid_control_character_in_summary.ics": InvalidCalendarData,
    "invalid_end_without_begin.ics": InvalidCalendarData,
    "invalid_event_without_dtstart.ics": InvalidCalendarData,
    "invalid_not_icalendar.ics": InvalidCalendarData,
    "invalid_two_vcalendars.ics": InvalidCalendarData,
    "invalid_vcard_instead_of_vcalendar.ics": InvalidCalendarData,
    "invalid_dtend_and_duration.ics": InvalidCalendarObject,
    "invalid_duplicate_recurrence_id.ics": InvalidCalendarObject,
    "invalid_event_and_todo_mixed.ics": InvalidCalendarObject,
    "invalid_method_property.ics": InvalidCalendarObject,
    "invalid_no_uid.ics": InvalidCalendarObject,
    "invalid_two_masters.ics": InvalidCalendarObject,
    "invalid_two_uids.ics": InvalidCalendarObject,
    "event_windows_tzid_with_vtimezone_read_as_floating.ics": ACCEPTED,
    "invalid_vtimezone_observance_every_second.ics": InvalidCalendarData,
    "invalid_vtimezone_offset_twenty_hours.ics": InvalidCalendarData,
    "invalid_vtimezone_inside_vevent.ics": InvalidCalendarData,
}

# Whole-calendar exports split by UID: how many parts, and which PUT error each part gets.
SPLIT_EXPECTED = {
    "android_ical_import_export_mixed_tzid_utc_three_alarms.ics": [ACCEPTED],
    "apple_ical1_mixed_vtodo_vjournal_vfreebusy_duration.ics": [ACCEPTED] * 5
    + [InvalidCalendarObject],  # FREEBUSY no UID
    "broken_owncloud_tzid_with_utc_z_suffix.ics": [ACCEPTED] * 2,
    "davmail_exchange_vfreebusy_reply_multiple_freebusy.ics": [ACCEPTED],
    "exchange2010_allday_series_moved_instance_recurid_type_mismatch.ics": [ACCEPTED],
    "google_export_alarms_x_wr_timezone_crlf.ics": [ACCEPTED],
    "google_export_apple_structured_location_non_ascii.ics": [ACCEPTED],
    "google_export_override_before_master.ics": [ACCEPTED],
    "google_export_weekly_until_exdate_list_moved_instance.ics": [ACCEPTED] * 2,
    "korganizer3_every_property_folded_after_name.ics": [ACCEPTED] * 2,
    "macos10_8_export_allday_series_apple_alarms.ics": [ACCEPTED] * 5,
    "macos11_publish_tzid_without_vtimezone_partstat.ics": [ACCEPTED] * 4,
    "outlook2007_folds_with_trailing_whitespace_nbsp.ics": [ACCEPTED],
    "outlook2010_request_tab_folding_quoted_windows_tzid.ics": [ACCEPTED],
    "outlook2016_very_long_x_alt_desc_40kb.ics": [ACCEPTED],
    "owncloud_vtodos_completed_with_tzid_utf8.ics": [ACCEPTED] * 2,
    "thunderbird_overrides_with_dtend_and_duration.ics": [InvalidCalendarObject],
    "vavailability_rfc7953_three_components.ics": [ACCEPTED] * 3,
    "invalid_two_uids.ics": [ACCEPTED] * 2,
    "invalid_method_property.ics": [ACCEPTED],
}


def t(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


# (first_start, last_end) of the synthetic fixtures, exactly.
EXPECTED_BOUNDS = {
    "event_weekly_unbounded.ics": (t("2024-01-08 09:00:00"), None),
    # DATE: the day, widened by 14 hours each side for the calendar's time zone
    "event_allday_single.ics": (t("2024-03-09 10:00:00"), t("2024-03-11 14:00:00")),
    "event_allday_without_dtend.ics": (t("2024-03-09 10:00:00"), t("2024-03-11 14:00:00")),
    # §9.9 compares VTODO edges inclusively: one second more each side
    "todo_due_only.ics": (t("2024-05-01 16:59:59"), t("2024-05-01 17:00:01")),
    "todo_without_dates.ics": (None, None),
    # 08:00-10:00, alarm 30 min after the end repeated twice every 10 min (last at 10:50)
    "todo_start_and_duration_with_alarm_after_end.ics": (
        t("2024-06-01 07:59:59"),
        t("2024-06-01 10:50:02"),
    ),
    "event_daily_count_with_overrides_moved_outside.ics": (
        t("2024-03-20 08:00:00"),
        t("2024-04-20 16:00:00"),
    ),
    # 10:00 local on 17 March is CET (09:00Z); the last, on 7 April, is CEST (08:00Z) and ends 09:00Z
    "event_dst_crossing_weekly_berlin.ics": (t("2024-03-17 09:00:00"), t("2024-04-07 09:00:00")),
    # UNTIL 30 Oct 17:00Z is 18:00 CET, the last instance; the RDATE on 5 Nov reaches further
    "event_daily_until_berlin_with_exdate_and_rdate.ics": (
        t("2024-10-21 16:00:00"),
        t("2024-11-05 07:30:00"),
    ),
    "event_floating_with_alarm_one_day_before.ics": (
        t("2024-05-30 19:00:00"),
        t("2024-06-02 00:00:00"),
    ),
    "event_absolute_alarm_long_before.ics": (t("2024-05-15 12:00:00"), t("2024-06-01 10:00:00")),
    # instances after 2 Jan are moved 4 h later and last 2 h
    "event_thisandfuture_moved_later.ics": (t("2024-01-01 10:00:00"), t("2024-01-03 16:00:00")),
    "event_rrule_until_before_start_no_instances.ics": (
        t("2024-05-10 10:00:00"),
        t("2024-05-10 11:00:00"),
    ),
    # 30 February never exists: only the DTSTART instance is left
    "event_rrule_count_never_matching_february_30.ics": (
        t("2024-01-01 10:00:00"),
        t("2024-01-01 11:00:00"),
    ),
    "event_rrule_count_zero.ics": (t("2024-01-01 10:00:00"), t("2024-01-01 11:00:00")),
    # more than 10,000 instances: UNTIL is taken as the last start
    "event_rrule_minutely_until_over_instance_limit.ics": (
        t("2024-01-01 00:00:00"),
        t("2030-01-01 00:01:00"),
    ),
    "event_rdate_periods_only.ics": (t("2024-03-01 10:00:00"), t("2024-03-10 09:00:01")),
    "freebusy_periods_without_dtstart.ics": (t("2024-01-02 09:00:00"), t("2024-01-05 15:00:01")),
    "availability_bounded_with_counted_available.ics": (
        t("2024-01-01 00:00:00"),
        t("2024-03-04 17:00:00"),
    ),
    "journal_datetime.ics": (t("2024-02-12 15:00:00"), t("2024-02-12 15:00:01")),
    # corpus files whose bounds are easy to check by hand
    "missing_vtimezone_unknown_tzid.ics": (
        t("2014-04-08 19:30:00"),
        t("2014-04-10 00:30:00"),
    ),  # TZID=FOO: floating
    "dtstart_utc_without_dtend_minimal.ics": (t("2016-01-16 07:00:00"), t("2016-01-16 07:00:01")),
    "recurrence_monthly_last_weekday_bysetpos_allday.ics": (t("2004-02-26 10:00:00"), None),
    # a TZID that is not an IANA name is read as floating: 10:00-11:00 local, ±14 hours
    "event_windows_tzid_with_vtimezone_read_as_floating.ics": (
        t("2024-06-30 20:00:00"),
        t("2024-07-02 01:00:00"),
    ),
    "mozilla_vtodo_monthly_rrule_count_completed.ics": (
        t("2006-07-27 18:59:59"),
        t("2007-05-04 23:00:01"),
    ),
    "nextcloud_allday_yearly_four_valarms_week_day_trigger.ics": (
        t("2025-06-16 19:00:00"),
        None,
    ),  # -P1W6DT15H
}


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(body: bytes, kinds: frozenset[str] = ALL_KINDS, max_size: int = 1_000_000):
    return parse_calendar_object(body, allowed_components=kinds, max_size=max_size)


def test_every_data_file_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.glob("*.ics")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_put_body_is_accepted_or_refused(name: str) -> None:
    expected = EXPECTED[name]
    if expected is ACCEPTED:
        calendar, facts = parse(read(name))
        assert calendar.name == "VCALENDAR"
        assert facts.uid and facts.component in ALL_KINDS
        assert facts.first_start is None or facts.first_start.utcoffset().total_seconds() == 0
        if facts.first_start is not None and facts.last_end is not None:
            assert facts.first_start <= facts.last_end
    else:
        with pytest.raises(expected) as raised:
            parse(read(name))
        assert type(raised.value) is expected
        assert raised.value.message.endswith((".", ")")) and len(raised.value.message) < 400


@pytest.mark.parametrize("name", sorted(EXPECTED_BOUNDS))
def test_time_bounds(name: str) -> None:
    _calendar, facts = parse(read(name))
    assert (facts.first_start, facts.last_end) == EXPECTED_BOUNDS[name]


@pytest.mark.parametrize("name", sorted(SPLIT_EXPECTED))
def test_split_calendar_gives_one_object_per_uid(name: str) -> None:
    parts = split_calendar(read(name))
    outcomes = []
    for part in parts:
        assert b"\r\nMETHOD:" not in part and part.startswith(b"BEGIN:VCALENDAR\r\n")
        try:
            parse(part)
            outcomes.append(ACCEPTED)
        except DomainError as error:
            outcomes.append(type(error))
    assert outcomes == SPLIT_EXPECTED[name]


def test_split_keeps_lines_as_written_and_only_the_timezones_needed() -> None:
    body = read("exchange2010_allday_series_moved_instance_recurid_type_mismatch.ics")
    (part,) = split_calendar(body)
    assert b"TZID:W. Europe Standard Time" in part  # the override's RECURRENCE-ID refers to it
    assert b"TZID:UTC" not in part  # nothing refers to Exchange's fake UTC zone
    outlook = split_calendar(read("outlook2016_very_long_x_alt_desc_40kb.ics"))[0].decode()
    original = read("outlook2016_very_long_x_alt_desc_40kb.ics").decode()
    folded = [line for line in original.split("\r\n") if line.startswith("\t")]
    assert all(line in outlook.split("\r\n") for line in folded)  # TAB folding untouched


def test_split_of_a_single_object_is_that_object() -> None:
    (part,) = split_calendar(read("event_dst_crossing_weekly_berlin.ics"))
    assert parse(part)[1] == parse(read("event_dst_crossing_weekly_berlin.ics"))[1]


def test_facts() -> None:
    _calendar, facts = parse(read("event_daily_count_with_overrides_moved_outside.ics"))
    listed = OccurrenceList.decode(facts.occurrences)
    assert [datetime.fromtimestamp(start, UTC).day for start in listed.starts] == [20, 1, 2, 5, 20]
    assert (
        listed.overlaps(t("2024-04-03 09:00:00").timestamp(), t("2024-04-04 12:00:00").timestamp())
        is False
    )
    assert replace(facts, occurrences=None) == CalendarObjectFacts(
        uid="daily-moved",
        component="VEVENT",
        summary="Standup",  # the master's, not an override's
        first_start=t("2024-03-20 08:00:00"),
        last_end=t("2024-04-20 16:00:00"),
        is_recurring=True,
    )
    _calendar, facts = parse(read("vtodo_due_date_only_categories.ics"))
    assert (facts.uid, facts.component, facts.is_recurring) == (
        "20070313T123432Z-456553@example.com",
        "VTODO",
        False,
    )
    assert facts.summary == "Submit Quebec Income Tax Return for 2006"


def test_too_large_is_refused_before_parsing() -> None:
    body = read("event_allday_single.ics")
    parse(body, max_size=len(body))
    with pytest.raises(ResourceTooLarge) as raised:
        parse(body, max_size=len(body) - 1)
    assert raised.value.limit == len(body) - 1
    with pytest.raises(ResourceTooLarge):
        parse(b"\xff" * 100, max_size=10)


def test_unsupported_component() -> None:
    with pytest.raises(UnsupportedComponent) as raised:
        parse(read("todo_due_only.ics"), frozenset({"VEVENT"}))
    assert raised.value.component == "VTODO"


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("mozilla_sunbird_latin1_fold_after_name_vtodo.ics", r"not UTF-8.*line 10"),
        ("broken_stray_line_without_colon.ics", r"^Line 13 .*no ':'"),
        ("broken_missing_end_vcalendar.ics", r"line 1 is never closed"),
        ("exchange2010_eight_windows_vtimezones_exdate.ics", r"^Line 152 "),
        ("invalid_bad_dtstart_date.ics", r"^Line 7: the DTSTART of the VEVENT cannot be read"),
        ("invalid_control_character_in_summary.ics", r"^Line 7 .*U\+0007"),
        ("invalid_two_uids.ics", r"2 \('first', 'second'\)"),
        ("invalid_no_uid.ics", r"VEVENT starting on line 4 has no UID"),
        ("invalid_method_property.ics", r"METHOD:REQUEST"),
        (
            "thunderbird_overrides_with_dtend_and_duration.ics",
            r"line 36 has both DTEND and DURATION",
        ),
    ],
)
def test_messages_say_what_is_wrong_and_where(name: str, pattern: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse(read(name))
    assert re.search(pattern, raised.value.message), raised.value.message


def _accepted_bodies() -> list[tuple[str, bytes]]:
    bodies = [(name, read(name)) for name, expected in EXPECTED.items() if expected is ACCEPTED]
    for name, outcomes in SPLIT_EXPECTED.items():
        for index, (part, outcome) in enumerate(
            zip(split_calendar(read(name)), outcomes, strict=True)
        ):
            if outcome is ACCEPTED:
                bodies.append((f"{name}#{index}", part))
    return bodies


def _as_utc(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@pytest.mark.parametrize(
    ("name", "body"), _accepted_bodies(), ids=lambda item: item if isinstance(item, str) else ""
)
def test_bounds_hold_every_instance_recurring_ical_events_finds(name: str, body: bytes) -> None:
    """A superset check against an independent expansion (floating values read as UTC,
    which the 14-hour margin covers)."""
    calendar, facts = parse(body)
    if facts.component not in ("VEVENT", "VTODO", "VJOURNAL"):
        return
    if facts.component == "VTODO" and not any(
        "DTSTART" in c or "DUE" in c for c in calendar.walk("VTODO")
    ):
        return  # recurring-ical-events spans such a VTODO over 1970-2038; §9.9 looks at COMPLETED/CREATED
    if "never_matching" in name or "minutely" in name:
        return  # too slow for recurring-ical-events: it walks to year 9999 / three million instances
    query = recurring_ical_events.of(calendar, components=[facts.component])
    occurrences = [*islice(query.all(), 3000)]
    if facts.last_end is not None:
        occurrences += query.between(
            facts.last_end - timedelta(days=2), facts.last_end + timedelta(days=400)
        )
    for occurrence in occurrences:
        for prop in ("DTSTART", "DTEND", "DUE"):
            if prop in occurrence:
                moment = _as_utc(occurrence[prop].dt)
                assert facts.first_start is None or facts.first_start <= moment, (prop, moment)
                assert facts.last_end is None or moment <= facts.last_end, (prop, moment)


def test_no_accepted_object_needs_the_unbounded_fallback(caplog: pytest.LogCaptureFixture) -> None:
    """time_bounds answers (None, None) when it meets data it did not foresee; none of ours."""
    caplog.set_level("INFO", logger="resources.formats.calendar_bounds")
    for _name, body in _accepted_bodies():
        parse(body)
    assert not caplog.records


def test_a_refused_vtimezone_does_not_reach_icalendars_cache() -> None:
    """icalendar caches the first VTIMEZONE of each custom TZID process-wide; one that
    would make offset lookups crawl must be refused before icalendar parses it."""
    with pytest.raises(
        InvalidCalendarData, match=r"^Line 10: the RRULE of a STANDARD .* repeats SECONDLY"
    ):
        parse(read("invalid_vtimezone_observance_every_second.ics"))
    body = read("event_windows_tzid_with_vtimezone_read_as_floating.ics").replace(
        b"W. Europe", b"Every Second Zone"
    )
    without_vtimezone = re.sub(rb"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", b"", body, flags=re.DOTALL)
    _calendar, facts = parse(without_vtimezone)
    assert (facts.first_start, facts.last_end) == (
        t("2024-06-30 20:00:00"),
        t("2024-07-02 01:00:00"),
    )


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("FREQ=SECONDLY", "repeats SECONDLY"),
        ("FREQ=YEARLY;INTERVAL=2;BYMONTH=10;BYDAY=-1SU", "interval 2"),
        ("FREQ=YEARLY;BYDAY=SU", "fires every week"),
        ("FREQ=YEARLY;BYMONTH=1,2,3;BYDAY=-1SU", "lists 3 BYMONTH values"),
        ("FREQ=YEARLY;BYWEEKNO=1", "uses BYWEEKNO"),
        (
            "FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
            "lists 24 BYHOUR",
        ),
    ],
)
def test_vtimezone_rules_must_look_like_a_real_zones(rule: str, problem: str) -> None:
    body = read("event_windows_tzid_with_vtimezone_read_as_floating.ics")
    body = body.replace(b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", f"RRULE:{rule}".encode())
    with pytest.raises(
        InvalidCalendarData, match=rf"^Line 10: the RRULE of a STANDARD time zone rule .*{problem}"
    ):
        parse(body)


def test_vtimezone_rules_of_real_zones_pass() -> None:
    body = read("event_windows_tzid_with_vtimezone_read_as_floating.ics")
    for rule in (
        "FREQ=YEARLY;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU;BYMONTH=3",
        "FREQ=YEARLY;UNTIL=20060402T070000Z",
        "FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=-1SU;BYMONTH=10;WKST=MO",
    ):
        parse(body.replace(b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", f"RRULE:{rule}".encode()))


def test_vtimezone_with_too_many_offset_changes_is_refused() -> None:
    body = read("event_windows_tzid_with_vtimezone_read_as_floating.ics")
    observance = re.search(rb"BEGIN:STANDARD.*?END:STANDARD\r\n", body, re.DOTALL).group()
    body = body.replace(observance, observance * 40)  # 40 rules since 1601: about 24,000 onsets
    with pytest.raises(InvalidCalendarData, match=r"defines about \d+ offset changes"):
        parse(body)


def test_many_rarely_matching_rules_stay_cheap() -> None:
    template = read("event_rrule_count_never_matching_february_30.ics")
    rules = b"RRULE:FREQ=SECONDLY;COUNT=3;BYMONTH=2;BYMONTHDAY=30\r\n" * 50
    _calendar, facts = parse(template.replace(b"RRULE:", rules + b"RRULE:", 1))
    assert facts.last_end == t("2024-01-01 11:00:00")  # no rule can ever match


def test_pathological_rules_stay_cheap() -> None:
    template = read("event_rrule_count_never_matching_february_30.ics")
    for freq in ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"):
        body = template.replace(b"FREQ=DAILY", f"FREQ={freq}".encode())
        _calendar, facts = parse(body)
        assert facts.last_end == t("2024-01-01 11:00:00"), freq


# -- fuzzing: no input may raise anything but a domain error ------------------------------------


def _must_not_crash(body: bytes) -> None:
    try:
        _calendar, facts = parse(body)
    except DomainError:
        pass
    else:
        assert isinstance(facts.uid, str)
        if facts.first_start is not None and facts.last_end is not None:
            assert facts.first_start <= facts.last_end
    try:
        split_calendar(body)
    except DomainError:
        pass


def test_fuzz_random_bytes() -> None:
    rng = random.Random(4791)
    alphabet = b'BEGIN:VCALENDAREVENTDTSTART;TZID=:\r\n 0123456789TZ-/"\\,\x00\xff\xc3'
    for _ in range(400):
        length = rng.choice([0, 1, 5, 50, 500, 5000])
        if rng.random() < 0.5:
            body = bytes(rng.randrange(256) for _ in range(length))
        else:
            body = bytes(rng.choice(alphabet) for _ in range(length))
        _must_not_crash(body)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fuzz_truncated(name: str) -> None:
    body = read(name)
    for cut in sorted(
        {*range(0, len(body), max(1, len(body) // 25)), len(body) - 1, len(body) - 2}
    ):
        _must_not_crash(body[:cut])


GARBAGE_VALUES = [
    "",
    "99999999T999999Z",
    "00010101",
    "99991231T235959Z",
    "20240230",
    "2024-01-01",
    "PT",
    "-P99999999D",
    "FREQ=SECONDLY;COUNT=99999999",
    "FREQ=YEARLY;UNTIL=99991231T235959Z;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;INTERVAL=999999999;COUNT=3",
    "FREQ=DAILY;BYSETPOS=400;COUNT=2",
    "FREQ=WEEKLY;BYDAY=XX",
    "20240101T000000Z/20230101T000000Z",
    "x" * 100_000,
    "\\;\\,\\n",
    "\u2028\u0085é",
]


@pytest.mark.parametrize(
    "name", sorted(name for name, expected in EXPECTED.items() if expected is ACCEPTED)
)
def test_fuzz_mutated_lines(name: str) -> None:
    rng = random.Random(name)
    lines = read(name).decode("utf-8-sig").splitlines()
    for _ in range(40):
        mutated = list(lines)
        index = rng.randrange(len(mutated))
        action = rng.randrange(7)
        if action == 0:
            del mutated[index]
        elif action == 1:
            mutated.insert(index, mutated[rng.randrange(len(mutated))])
        elif action == 2:
            other = rng.randrange(len(mutated))
            mutated[index], mutated[other] = mutated[other], mutated[index]
        elif action == 3 and ":" in mutated[index]:
            head = mutated[index].split(":", 1)[0]
            mutated[index] = f"{head}:{rng.choice(GARBAGE_VALUES)}"
        elif action == 4:
            mutated.insert(
                index, rng.choice(["BEGIN:VEVENT", "END:VEVENT", "BEGIN:VALARM", "BEGIN:X-FOO"])
            )
        elif action == 5:
            prop = rng.choice(
                [
                    "DTSTART",
                    "DTEND",
                    "DUE",
                    "DURATION",
                    "RRULE",
                    "RDATE",
                    "EXDATE",
                    "RECURRENCE-ID",
                    "TRIGGER",
                    "REPEAT",
                    "FREEBUSY",
                    "COMPLETED",
                    "CREATED",
                    "UID",
                ]
            )
            params = rng.choice(
                ["", ";VALUE=DATE", ";TZID=Nowhere/Else", ";VALUE=PERIOD", ";RANGE=THISANDFUTURE"]
            )
            mutated.insert(index, f"{prop}{params}:{rng.choice(GARBAGE_VALUES)}")
        else:
            mutated[index] = " " + mutated[index]
        _must_not_crash("\r\n".join(mutated).encode("utf-8"))


def test_fuzz_structure() -> None:
    head, tail = b"BEGIN:VCALENDAR\r\n", b"END:VCALENDAR\r\n"
    event = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240101T000000Z\r\nEND:VEVENT\r\n"
    bodies = [
        head + b"BEGIN:VEVENT\r\n" * 10_000 + tail,
        head
        + b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240101T000000Z\r\nX-LONG:"
        + b"a" * 1_000_000
        + b"\r\nEND:VEVENT\r\n"
        + tail,
        head + b"X-P;" + b"A=a," * 100_000 + b"\r\n" + tail,
        head + b"X-P;A=" + b"\\" * 100_000 + b"\r\n" + tail,
        head + b'X-P;A="' + b"x" * 100_000 + b"\r\n" + tail,
        head + event * 2_000 + tail,
        head + event.replace(b"UID:x", b"UID:x\r\nRECURRENCE-ID:20240101T000000Z") * 2 + tail,
        head
        + b"BEGIN:VTIMEZONE\r\nTZID:Bad\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+2359\r\n"
        b"TZOFFSETTO:-2359\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        + event.replace(b"DTSTART:", b"DTSTART;TZID=Bad:").replace(b"0Z", b"0")
        + tail,
        head + event.replace(b"20240101T000000Z", b"99991231T235959Z") + tail,
        head
        + event.replace(b"20240101T000000Z", b"00010101T000000Z").replace(
            b"UID:x", b"UID:x\r\nRRULE:FREQ=YEARLY;COUNT=5"
        )
        + tail,
        b"\xef\xbb\xbf" + head + event + tail,
        head.replace(b"\r\n", b"\r") + event.replace(b"\r\n", b"\r") + tail.replace(b"\r\n", b"\r"),
        b"/etc/passwd",
        b"BEGIN:VCALENDAR",
    ]
    for body in bodies:
        _must_not_crash(body)
