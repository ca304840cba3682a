"""Recurrence bombs and stalls (RFC 4791 §5.2.8 CALDAV:max-instances, §9.6.5, §9.9).

A write over max-instances is refused; what was stored before the limit (put here
through the domain with a higher limit, as an old database would hold it) is answered
quickly with the limit named, and a heavy request never holds up another login's.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from resources.auth.credentials import find_credential
from resources.errors import TooManyInstances
from resources.formats.calendar_query import (
    CompFilter,
    TimeRange,
    calendar_matches,
    free_busy_periods,
)
from resources.formats.calendar_query.retrieval import expand_calendar
from resources.objects.calendar_collections import by_path
from resources.objects.stored_objects import WriteConditions, put_calendar_object
from resources.organisation.resource_calendars import get_resource, resource_calendar
from tests.davxml import NS, error_condition, propfind_body, q, responses
from tests.organisation import build_org, phone_login
from tests.server_harness import start_server

XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}
ICS_TYPE = {"Content_Type": "text/calendar; charset=utf-8"}
NOW = datetime.now(UTC).replace(microsecond=0)
OLD_CODE = (
    0  # max_instances: store without counting, as a database written before the limit holds it
)
PROMPT = 5  # seconds within which a simple request of another login is answered


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def recurring(
    rule: str, start: datetime = NOW, uid: str | None = None, length: str = "PT1S"
) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid or uuid.uuid4()}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(start)}\r\n"
        f"DURATION:{length}\r\nRRULE:{rule}\r\nSUMMARY:bomb\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def new_calendar(login, name: str = "cal") -> str:
    path = f"{login.home_path}{name}-{uuid.uuid4().hex[:6]}/"
    assert login.request("MKCALENDAR", path).status_code == 201
    return path


def store_old(login, path: str, body: str) -> str:
    """Store `body` in the login's calendar at `path` as if it had been written before
    max-instances existed."""
    owner = find_credential(login.username).id
    collection = by_path(owner, path[len(login.home_path) :].strip("/"))
    name = f"{uuid.uuid4().hex}.ics"
    put_calendar_object(
        collection, name, body.encode(), WriteConditions(), max_size=10**7, max_instances=OLD_CODE
    )
    return path + name


def query_body(start: datetime, end: datetime, *, expand: bool = False) -> str:
    data = (
        f'<C:calendar-data><C:expand start="{stamp(start)}" end="{stamp(end)}"/></C:calendar-data>'
        if expand
        else ""
    )
    return (
        f'<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<D:prop><D:getetag/>{data}</D:prop><C:filter><C:comp-filter name="VCALENDAR">'
        f'<C:comp-filter name="VEVENT"><C:time-range start="{stamp(start)}" end="{stamp(end)}"/>'
        f"</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )


def free_busy_body(start: datetime, end: datetime) -> str:
    return (
        f'<?xml version="1.0"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/></C:free-busy-query>'
    )


def timed(request, *args, **kwargs):
    began = time.monotonic()
    answer = request(*args, **kwargs)
    return answer, time.monotonic() - began


# -- C:max-instances: advertised, and enforced on every write --------------------------------------


def test_calendars_advertise_max_instances(server, login):
    path = new_calendar(login)
    r = login.request("PROPFIND", path, propfind_body("C:max-instances"), Depth="0", **XML_TYPE)
    status, element = responses(r.content)[path][q("C", "max-instances")]
    assert (status, element.text) == (200, str(server.settings.max_instances)) == (200, "10000")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY;COUNT=1000000",  # the bomb of the report: one small PUT
        "FREQ=SECONDLY",  # a series without end counts up to four years after the write
        "FREQ=MINUTELY;INTERVAL=15",
        "FREQ=HOURLY",
        "FREQ=DAILY;COUNT=10001",
        "FREQ=MINUTELY;UNTIL=20300101T000000Z",
    ],
)
def test_a_put_over_max_instances_is_refused(login, rule):
    path = new_calendar(login)
    r = login.request("PUT", path + "bomb.ics", recurring(rule), **ICS_TYPE)
    assert r.status_code == 403, r.text
    assert error_condition(r.content) == q("C", "max-instances")
    assert "10000" in r.text and "max-instances" in r.text
    assert login.request("GET", path + "bomb.ics").status_code == 404


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=DAILY;COUNT=10000",
        "FREQ=HOURLY;COUNT=2000",
        "FREQ=MINUTELY;COUNT=90",
    ],
)
def test_ordinary_rules_are_accepted(login, rule):
    path = new_calendar(login)
    assert (
        login.request(
            "PUT", path + "fine.ics", recurring(rule, NOW - timedelta(days=3000)), **ICS_TYPE
        ).status_code
        == 201
    )


def test_copy_and_move_into_a_calendar_check_max_instances(login):
    source = new_calendar(login, "old")
    target = new_calendar(login, "new")
    href = store_old(login, source, recurring("FREQ=MINUTELY;COUNT=1000000"))
    for method in ("COPY", "MOVE"):
        r = login.request(method, href, Destination=login.url(target + method.lower() + ".ics"))
        assert r.status_code == 403, (method, r.text)
        assert error_condition(r.content) == q("C", "max-instances")
    assert login.request("GET", href).status_code == 200  # the source stays where it was


def test_import_skips_objects_over_max_instances(server, login, tmp_path: Path):
    ok_uid, bomb_uid = f"ok-{uuid.uuid4()}", f"bomb-{uuid.uuid4()}"
    ok, bomb = (
        recurring("FREQ=WEEKLY", uid=ok_uid),
        recurring("FREQ=SECONDLY;COUNT=500000", uid=bomb_uid),
    )
    body = ok.replace("END:VCALENDAR\r\n", "") + bomb[bomb.index("BEGIN:VEVENT") :]
    source = tmp_path / "export.ics"
    source.write_text(body)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "davserver",
            "import",
            "--database",
            server.database_url,
            "--calendar",
            login.home_path + "imported/",
            str(source),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported 1 object(s)")
    assert bomb_uid in run.stdout and "max-instances" in run.stdout


# -- objects stored before the limit: answered quickly, the limit named ---------------------------


def test_time_range_queries_on_an_old_bomb_are_quick(login):
    """dateutil would walk every second from DTSTART to the week asked for."""
    path = new_calendar(login)
    store_old(login, path, recurring("FREQ=SECONDLY", NOW - timedelta(days=60)))
    week = (NOW, NOW + timedelta(days=7))
    r, seconds = timed(login.request, "REPORT", path, query_body(*week), Depth="1", **XML_TYPE)
    assert r.status_code == 207 and seconds < PROMPT, seconds
    assert len(responses(r.content)) == 1  # it has instances in the week: it matches


def test_expanding_an_old_bomb_names_the_limit_instead_of_megabytes(login):
    path = new_calendar(login)
    href = store_old(login, path, recurring("FREQ=MINUTELY;COUNT=1000000", NOW - timedelta(days=1)))
    month = (NOW, NOW + timedelta(days=31))
    r, seconds = timed(
        login.request, "REPORT", path, query_body(*month, expand=True), Depth="1", **XML_TYPE
    )
    assert r.status_code == 207 and seconds < PROMPT and len(r.content) < 100_000, (
        seconds,
        len(r.content),
    )
    status, _ = responses(r.content)[href][q("C", "calendar-data")]
    assert status == 403
    propstat = etree.fromstring(r.content).find(".//D:propstat/D:error/C:max-instances/../..", NS)
    assert "10000" in propstat.findtext("D:responsedescription", namespaces=NS)


def test_expand_over_centuries_is_capped_by_max_instances(login):
    """§9.6.5 sets no window limit; the instance count does: 1,000 years of a daily event."""
    path = new_calendar(login)
    href = path + "daily.ics"
    assert (
        login.request("PUT", href, recurring("FREQ=DAILY", length="PT1H"), **ICS_TYPE).status_code
        == 201
    )
    body = query_body(NOW, NOW.replace(year=NOW.year + 1000), expand=True)
    r, seconds = timed(login.request, "REPORT", path, body, Depth="1", **XML_TYPE)
    assert r.status_code == 207 and seconds < PROMPT, seconds
    assert responses(r.content)[href][q("C", "calendar-data")][0] == 403
    one_year = query_body(NOW, NOW.replace(year=NOW.year + 1), expand=True)
    r = login.request("REPORT", path, one_year, Depth="1", **XML_TYPE)
    status, data = responses(r.content)[href][q("C", "calendar-data")]
    assert status == 200 and data.text.count("BEGIN:VEVENT") in (365, 366)


def test_free_busy_over_an_old_bomb_names_the_limit(login):
    path = new_calendar(login)
    store_old(login, path, recurring("FREQ=MINUTELY;COUNT=1000000", NOW - timedelta(days=1)))
    r, seconds = timed(
        login.request,
        "REPORT",
        path,
        free_busy_body(NOW, NOW + timedelta(days=8)),
        Depth="1",
        **XML_TYPE,
    )
    assert seconds < PROMPT, seconds
    assert r.status_code == 403 and error_condition(r.content) == q("C", "max-instances")
    r = login.request(
        "REPORT", path, free_busy_body(NOW, NOW + timedelta(hours=2)), Depth="1", **XML_TYPE
    )
    assert r.status_code == 200 and "FREEBUSY" in r.text


# -- stalls: a shared room's SECONDLY event, and other logins meanwhile ------------------------------


def test_an_old_secondly_event_in_a_room_does_not_stall_the_room(server):
    org = build_org()
    room = resource_calendar(get_resource(org.slugs["room_on"]).id)
    name = f"{uuid.uuid4().hex}.ics"
    put_calendar_object(
        room,
        name,
        recurring("FREQ=SECONDLY", NOW - timedelta(days=180)).encode(),
        WriteConditions(),
        max_size=10**7,
        max_instances=OLD_CODE,
    )
    phones = [phone_login(server.base_url, org) for _ in range(4)]
    week = query_body(NOW, NOW + timedelta(days=7))
    answers: list = []

    def sync(username, session):
        path = f"/dav/calendars/{username}/{org.slugs['room_on']}/"
        answers.append(
            timed(
                session.request,
                "REPORT",
                server.base_url + path,
                data=week,
                headers={"Depth": "1", "Content-Type": "application/xml"},
            )
        )

    threads = [threading.Thread(target=sync, args=phone) for phone in phones]
    for thread in threads:
        thread.start()
    username, session = phone_login(server.base_url, org)
    r, seconds = timed(
        session.request,
        "PROPFIND",
        f"{server.base_url}/dav/calendars/{username}/",
        data=propfind_body("D:displayname"),
        headers={"Depth": "1"},
    )
    assert r.status_code == 207 and seconds < PROMPT, seconds
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(phones)
    for answer, seconds in answers:
        assert answer.status_code == 207 and seconds < 3 * PROMPT, seconds
        assert any(href.endswith(name) for href in responses(answer.content))


# -- the engine with extreme windows ---------------------------------------------------------------


def _calendar(rule: str, start: datetime):
    from icalendar import Calendar

    return Calendar.from_ical(recurring(rule, start))


def test_the_engine_copes_with_a_window_from_year_1_to_9999():
    calendar = _calendar("FREQ=DAILY", NOW)
    everything = TimeRange(datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
    root = CompFilter("VCALENDAR", comp_filters=(CompFilter("VEVENT", time_range=everything),))
    began = time.monotonic()
    assert calendar_matches(calendar, root, timezone=UTC) is True
    with pytest.raises(TooManyInstances):
        free_busy_periods([calendar], everything.start, everything.end, timezone=UTC)
    with pytest.raises(TooManyInstances):
        expand_calendar(calendar, everything, UTC)
    nothing = TimeRange(datetime(1, 1, 1, tzinfo=UTC), datetime(2, 1, 1, tzinfo=UTC))
    before = CompFilter("VCALENDAR", comp_filters=(CompFilter("VEVENT", time_range=nothing),))
    assert calendar_matches(calendar, before, timezone=UTC) is False
    assert time.monotonic() - began < PROMPT


def test_evenly_spaced_rules_jump_to_the_window():
    """A once-a-minute rule twenty years old is not walked from DTSTART: same instances, at once."""
    calendar = _calendar("FREQ=SECONDLY;INTERVAL=67", NOW - timedelta(days=20 * 365))
    window = TimeRange(NOW, NOW + timedelta(minutes=10))
    began = time.monotonic()
    expanded = expand_calendar(calendar, window, UTC)
    assert time.monotonic() - began < PROMPT
    starts = [event["DTSTART"].dt for event in expanded.walk("VEVENT")]
    first = NOW - timedelta(days=20 * 365)
    assert starts and all((start - first).total_seconds() % 67 == 0 for start in starts)
    assert len(starts) in (8, 9) and all(window.start <= start < window.end for start in starts)


# -- one request's time budget -----------------------------------------------------------------------


def test_a_request_that_runs_out_of_time_is_cut_and_others_are_answered(
    fresh_database, server, login
):
    budgeted = start_server(fresh_database.url, request_time_limit=1, max_instances=100_000)
    try:
        path = new_calendar(login)
        for _ in range(30):
            store_old(login, path, recurring("FREQ=HOURLY;COUNT=20000", NOW))
        body = query_body(NOW, NOW + timedelta(days=800), expand=True)
        r, seconds = timed(
            login.http.request,
            "REPORT",
            budgeted.base_url + path,
            data=body,
            headers={"Depth": "1", "Content-Type": "application/xml"},
        )
        assert r.status_code == 207 and seconds < 4 * PROMPT, seconds
        cut = responses(r.content)[path]
        assert cut["status"][0] == 507
        assert "s for expanding" in etree.fromstring(r.content).findtext(
            ".//D:responsedescription", namespaces=NS
        )
        again = login.http.request(
            "PROPFIND",
            budgeted.base_url + path,
            data=propfind_body("D:getetag"),
            headers={"Depth": "0"},
        )
        assert again.status_code == 207
    finally:
        budgeted.stop()
