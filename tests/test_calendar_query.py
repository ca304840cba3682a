"""calendar-query, expand and free-busy over real-world files (RFC 4791 §7.8, §7.10, §9.9):
each query states the hrefs it must return."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import caldav
import pytest

from tests.davxml import error_condition, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE

DATA = Path(__file__).parent / "data" / "query"
SEEDED = {
    "weekly.ics": "weekly_berlin_over_dst.ics",
    "standup.ics": "recurring_with_moved_and_cancelled_override.ics",
    "fridays.ics": "allday_series.ics",
    "floating.ics": "floating_time_event.ics",
    "todo.ics": "todo_due_only.ics",
    "google.ics": "google_export_x_wr_timezone_utc_weekly.ics",
    "outlook.ics": "outlook2010_request_tab_folding_quoted_windows_tzid.ics",
    "thunderbird.ics": "thunderbird_weekly_dst_crossing_utc_exdates_cancelled_instances.ics",
}
BERLIN = (Path(__file__).parent / "data" / "berlin_vtimezone.ics").read_text()


@pytest.fixture
def calendar(login):
    path = login.home_path + "queries/"
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<C:calendar-timezone><![CDATA[{BERLIN}]]></C:calendar-timezone></D:prop></D:set></C:mkcalendar>"""
    assert login.request("MKCALENDAR", path, body, **XML_TYPE).status_code == 201
    for name, source in SEEDED.items():
        body = b"".join(
            line
            for line in (DATA / source).read_bytes().splitlines(keepends=True)
            if not line.startswith(b"METHOD:")
        )  # an iTIP message is stored without its METHOD
        r = login.request("PUT", path + name, body, **CALENDAR_TYPE)
        assert r.status_code == 201, (source, r.text)
    return path


def query(login, path, component, start, end, inner="", data=""):
    prop = f"<D:getetag/>{data}"
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop>{prop}</D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="{component}">
<C:time-range start="{start}" end="{end}"/>{inner}</C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
    r = login.request("REPORT", path, body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return r


def names(response) -> set[str]:
    return {href.rsplit("/", 1)[-1] for href in responses(response.content)}


@pytest.mark.parametrize(
    "start, end, expected",
    [
        # 1 April 2024 10:00 Berlin is 08:00Z after the DST change (09:00Z before it).
        ("20240401T075900Z", "20240401T080100Z", {"weekly.ics"}),
        (
            "20240401T090000Z",
            "20240401T093000Z",
            {"google.ics"},
        ),  # Google's UTC series, not "weekly"
        ("20240318T093000Z", "20240318T103000Z", {"weekly.ics"}),
        # The 7 May standup moved from 07:00Z to 13:00Z; 8 May is an EXDATE.
        ("20240507T130000Z", "20240507T140000Z", {"standup.ics"}),
        ("20240507T070000Z", "20240507T080000Z", set()),
        ("20240508T070000Z", "20240508T080000Z", set()),
        # Floating 09:00 on 10 June is read in the calendar's zone (Berlin): 07:00Z.
        ("20240610T070000Z", "20240610T073000Z", {"floating.ics"}),
        ("20240610T090000Z", "20240610T093000Z", set()),
        # All-day Friday 2 Feb 2024 in Berlin starts 1 Feb 23:00Z; the series ends 8 March.
        ("20240201T233000Z", "20240202T003000Z", {"fridays.ics"}),
        ("20240315T120000Z", "20240315T130000Z", set()),
    ],
)
def test_event_time_range(login, calendar, start, end, expected):
    assert names(query(login, calendar, "VEVENT", start, end)) == expected


def test_todo_time_range_by_due(login, calendar):
    assert names(query(login, calendar, "VTODO", "20240610T110000Z", "20240610T123000Z")) == {
        "todo.ics"
    }
    assert names(query(login, calendar, "VTODO", "20240611T110000Z", "20240611T123000Z")) == set()


def test_real_client_exports_answer_in_their_ranges(login, calendar):
    everything = names(query(login, calendar, "VEVENT", "19000101T000000Z", "21000101T000000Z"))
    assert {"google.ics", "outlook.ics", "thunderbird.ics"} <= everything


def test_expand_gives_utc_instances_without_rrule(login, calendar):
    data = '<C:calendar-data><C:expand start="20240506T000000Z" end="20240511T000000Z"/></C:calendar-data>'
    r = query(login, calendar, "VEVENT", "20240506T000000Z", "20240511T000000Z", data=data)
    (props,) = [p for href, p in responses(r.content).items() if href.endswith("standup.ics")]
    text = props[q("C", "calendar-data")][1].text
    assert "RRULE" not in text and "VTIMEZONE" not in text and "EXDATE" not in text
    starts = sorted(line for line in text.splitlines() if line.startswith("DTSTART"))
    assert starts[0].endswith("Z")
    assert "DTSTART:20240507T130000Z" in starts  # the moved instance
    assert not any("20240508" in s for s in starts)  # the excluded one
    assert text.count("RECURRENCE-ID") == text.count("BEGIN:VEVENT")


def test_partial_retrieval_of_properties(login, calendar):
    data = (
        '<C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT">'
        '<C:prop name="SUMMARY"/><C:prop name="UID"/></C:comp></C:comp></C:calendar-data>'
    )
    r = query(login, calendar, "VEVENT", "20240610T070000Z", "20240610T073000Z", data=data)
    text = responses(r.content)[calendar + "floating.ics"][q("C", "calendar-data")][1].text
    assert "SUMMARY:Breakfast wherever I am" in text and "DTSTART" not in text


def test_text_match_on_summary(login, calendar):
    inner = '<C:prop-filter name="SUMMARY"><C:text-match collation="i;ascii-casemap">STANDUP</C:text-match></C:prop-filter>'
    assert names(
        query(login, calendar, "VEVENT", "20240101T000000Z", "20250101T000000Z", inner)
    ) == {"standup.ics"}
    negated = inner.replace("<C:text-match ", '<C:text-match negate-condition="yes" ')
    assert "standup.ics" not in names(
        query(login, calendar, "VEVENT", "20240101T000000Z", "20250101T000000Z", negated)
    )


def test_unsupported_collation_and_invalid_filter_are_403(login, calendar):
    inner = '<C:prop-filter name="SUMMARY"><C:text-match collation="x;unknown">a</C:text-match></C:prop-filter>'
    body = f"""<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{inner}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"""
    r = login.request("REPORT", calendar, body, Depth="1", **XML_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == q("C", "supported-collation")
    bad = body.replace(inner, '<C:time-range start="2024"/>')
    r = login.request("REPORT", calendar, bad, Depth="1", **XML_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == q("C", "valid-filter")


def test_free_busy_query(login, calendar):
    body = """<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
<C:time-range start="20240506T000000Z" end="20240511T000000Z"/></C:free-busy-query>"""
    r = login.request("REPORT", calendar, body, Depth="1", **XML_TYPE)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    busy = [line for line in r.text.splitlines() if line.startswith("FREEBUSY")]
    joined = "\n".join(busy)
    assert "20240506T070000Z/20240506T080000Z" in joined
    assert "20240507T130000Z/20240507T140000Z" in joined
    assert "20240509" not in joined  # the cancelled instance is free


def test_caldav_library_search_agrees(login, calendar):
    with caldav.DAVClient(
        url=login.base_url + "/", username=login.username, password=login.password
    ) as client:
        cal = client.calendar(url=login.url(calendar))
        found = cal.search(
            start=datetime(2024, 5, 7, 13, tzinfo=UTC),
            end=datetime(2024, 5, 7, 14, tzinfo=UTC),
            event=True,
        )
        assert [str(e.url).rsplit("/", 1)[-1] for e in found] == ["standup.ics"]
        todos = cal.search(todo=True, include_completed=True)
        assert [str(t.url).rsplit("/", 1)[-1] for t in todos] == ["todo.ics"]


def test_time_range_query_reads_only_candidates(login):
    """The stored occurrence bounds keep far-away events out of the exact evaluation."""
    from resources.formats.calendar_query import CompFilter, TimeRange
    from resources.objects.calendar_search import candidates
    from resources.store.models import Collection

    path = login.home_path + "years/"
    login.request("MKCALENDAR", path)
    for year in range(2000, 2040):
        event = (
            (DATA / "floating_time_event.ics")
            .read_text()
            .replace("20240610", f"{year}0610")
            .replace("floating@example.com", f"floating-{year}@example.com")
        )
        login.request("PUT", f"{path}{year}.ics", event, **CALENDAR_TYPE)
    # the only collection with this path in this home
    collection = Collection.get(Collection.path == "years")
    week = CompFilter(
        "VCALENDAR",
        comp_filters=(
            CompFilter(
                "VEVENT",
                time_range=TimeRange(
                    datetime(2031, 6, 8, tzinfo=UTC),
                    datetime(2031, 6, 15, tzinfo=UTC),
                ),
            ),
        ),
    )
    assert [row.name for row in candidates(collection.id, week)] == ["2031.ics"]


def test_a_rule_that_never_matches_does_not_stall_queries(login):
    """RRULE:…BYMONTH=2;BYMONTHDAY=30 has no instances; following it walks to year 9999."""
    path = login.home_path + "never/"
    login.request("MKCALENDAR", path)
    body = (
        Path(__file__).parent / "data" / "ical" / "event_rrule_count_never_matching_february_30.ics"
    ).read_bytes()
    assert login.request("PUT", path + "feb30.ics", body, **CALENDAR_TYPE).status_code == 201
    assert names(query(login, path, "VEVENT", "20240101T000000Z", "20240108T000000Z")) == {
        "feb30.ics"
    }
    assert names(query(login, path, "VEVENT", "20260101T000000Z", "20260108T000000Z")) == set()
