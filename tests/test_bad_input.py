"""Hostile and broken requests: the right 4xx with a message, never a 5xx, and the
stored data unchanged byte for byte."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.hostile_targets import HostileTarget, in_process_target, two_worker_target
from tests.ical import CALENDAR_TYPE, XML_TYPE, event
from tests.raw_http import basic_auth, request_bytes, send_and_read_complete

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol3;</D:displayname></D:prop></D:propfind>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:set></D:propertyupdate>"""


@pytest.fixture(scope="module", params=["one-process", "two-workers"])
def target(request, server, fresh_database, tmp_path_factory) -> HostileTarget:
    """Every hostile case runs against the suite's server and against `--workers 2`."""
    if request.param == "one-process":
        yield in_process_target(server, fresh_database.url)
        return
    two_workers, teardown = two_worker_target(tmp_path_factory.mktemp("hostile"))
    yield two_workers
    teardown()


@pytest.fixture
def seeded(target) -> str:
    """A calendar of the target's login holding one event."""
    calendar = target.login.home_path + f"cal-{uuid.uuid4().hex[:6]}/"
    assert target.login.request("MKCALENDAR", calendar).status_code == 201
    assert (
        target.login.request(
            "PUT", calendar + "a.ics", event(uid="seed"), **CALENDAR_TYPE
        ).status_code
        == 201
    )
    return calendar


def bad_requests(login, calendar):
    """(method, path, body, headers, expected statuses)."""
    home = login.home_path
    cases = [
        ("PROPFIND", calendar, b"<D:propfind xmlns:D='DAV:'><D:prop>", XML_TYPE, {400}),
        ("PROPFIND", calendar, BILLION_LAUGHS, XML_TYPE, {400}),
        ("PROPPATCH", calendar, XXE, XML_TYPE, {400}),
        ("PROPPATCH", calendar, b"<x/>", XML_TYPE, {400}),
        (
            "PROPFIND",
            calendar,
            b"<D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>",
            {"Content_Type": "image/png"},
            {415},
        ),
        (
            "PROPFIND",
            calendar,
            b"<D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>",
            dict(XML_TYPE, Depth="2"),
            {400},
        ),
        ("REPORT", calendar, b"<X:unknown-report xmlns:X='urn:x'/>", XML_TYPE, {403}),
        ("REPORT", calendar, b"", XML_TYPE, {400}),
        ("MKCALENDAR", home + "new/", b"<not-closed", XML_TYPE, {400}),
        ("MKCALENDAR", home + "new2/", b"<D:mkcol xmlns:D='DAV:'/>", XML_TYPE, {400}),
        ("PUT", calendar + "a.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", CALENDAR_TYPE, {403}),
        ("PUT", calendar + "a.ics", b"\xff\xfe\x00garbage", CALENDAR_TYPE, {403}),
        (
            "PUT",
            calendar + "a.ics",
            event(uid="other").encode(),
            {"Content_Type": "application/json"},
            {415},
        ),
        (
            "PUT",
            calendar + "a.ics",
            event(uid="seed").encode(),
            dict(CALENDAR_TYPE, If_Match='"nope"'),
            {412},
        ),
        ("PUT", calendar + "b.ics", event(uid="seed").encode(), CALENDAR_TYPE, {403}),
        (
            "PUT",
            calendar + "a.ics",
            event(uid="seed").encode(),
            dict(CALENDAR_TYPE, Content_Encoding="gzip"),
            {415},
        ),
        ("PUT", calendar, event().encode(), CALENDAR_TYPE, {405}),
        ("PUT", calendar + "../../other/x.ics", event().encode(), CALENDAR_TYPE, {400, 404, 409}),
        (
            "PUT",
            calendar + "%2e%2e/%2e%2e/x.ics",
            event().encode(),
            CALENDAR_TYPE,
            {400, 403, 404, 409},
        ),
        ("PUT", calendar + "a%2Fb.ics", event().encode(), CALENDAR_TYPE, {400, 403, 404, 409}),
        (
            "PUT",
            calendar + "x" * 300 + ".ics",
            event().encode(),
            CALENDAR_TYPE,
            {400, 403, 404, 409, 414},
        ),
        ("GET", calendar + "x" * 5000, None, {}, {400, 404, 414}),
        ("DELETE", home + "..", None, {}, {400, 403, 404, 405}),
        (
            "MOVE",
            calendar + "a.ics",
            None,
            {"Destination": "http://elsewhere.example/dav/x"},
            {400, 403, 409, 502},
        ),
        ("MOVE", calendar + "a.ics", None, {}, {400}),
        ("COPY", calendar, None, {"Destination": login.url(calendar + "sub/")}, {403, 409}),
        ("PROPFIND", "/dav/calendars/../principals/", b"", {"Depth": "0"}, {207, 400, 404}),
        ("ACL", calendar, b"<D:acl xmlns:D='DAV:'/>", XML_TYPE, {403}),
        ("POST", calendar, b"x", {}, {405}),
        ("BREW", calendar, b"", {}, {405, 501}),
    ]
    return cases


def _bomb(rule: str) -> bytes:
    return event(uid=f"bomb-{uuid.uuid4().hex[:6]}", extra=f"RRULE:{rule}\r\n").encode()


def _range_query(start: str, end: str, expand: bool = False) -> bytes:
    data = (
        f'<C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data>'
        if expand
        else ""
    )
    return (
        f'<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>{data}'
        f'</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter></C:filter>'
        f"</C:calendar-query>"
    ).encode()


def _many_properties(count: int) -> bytes:
    names = "".join(f"<X:p{n}/>" for n in range(count))
    return (
        f"<D:propfind xmlns:D='DAV:' xmlns:X='urn:x'><D:prop>{names}</D:prop></D:propfind>".encode()
    )


def _expand_property_bomb() -> bytes:
    inner = "<D:property name='current-user-principal'>" * 40 + "</D:property>" * 40
    return f"<D:expand-property xmlns:D='DAV:'>{inner}</D:expand-property>".encode()


def hostile_requests(login, calendar):
    """The classes the hardening issue names, as (method, path, body, headers, expected
    statuses); each is sent on a raw kept-alive connection and must come back complete."""
    home = login.home_path
    return [
        # Paths that climb above a root, literally or percent-encoded in any case.
        ("GET", "/dav/calendars/%2e%2e/%2e%2e/etc/passwd", None, {}, {400}),
        ("PROPFIND", "/dav/%2E%2e/", None, {"Depth": "0"}, {400}),
        ("DELETE", "/dav/calendars/x/../../../y", None, {}, {400}),
        (
            "MOVE",
            calendar + "%2e%2e/%2E%2E/%2e%2e/%2e%2e/%2e%2e/a.ics",
            None,
            {"Destination": calendar + "b.ics"},
            {400},
        ),
        # Invalid UTF-8 in the percent-encoding.
        ("GET", "/dav/%ff", None, {}, {400}),
        ("PROPFIND", "/dav/%c0%ae/", None, {"Depth": "0"}, {400}),
        ("PUT", calendar + "%ff%fe.ics", event().encode(), CALENDAR_TYPE, {400}),
        # Recurrence bombs are refused with C:max-instances.
        (
            "PUT",
            calendar + "minutely.ics",
            _bomb("FREQ=MINUTELY;COUNT=1000000"),
            CALENDAR_TYPE,
            {403},
        ),
        ("PUT", calendar + "secondly.ics", _bomb("FREQ=SECONDLY"), CALENDAR_TYPE, {403}),
        # Windows and expansions over all the years are answered, not computed for minutes.
        (
            "REPORT",
            calendar,
            _range_query("00010101T000000Z", "99991231T235959Z"),
            dict(XML_TYPE, Depth="1"),
            {207},
        ),
        (
            "REPORT",
            calendar,
            _range_query("00010101T000000Z", "99991231T235959Z", expand=True),
            dict(XML_TYPE, Depth="1"),
            {207, 403, 507},
        ),
        # Requests that would cost quadratic or cubic time are bounded.
        ("PROPFIND", calendar, _many_properties(5000), dict(XML_TYPE, Depth="0"), {400, 403, 413}),
        (
            "REPORT",
            login.principal_path,
            _expand_property_bomb(),
            dict(XML_TYPE, Depth="0"),
            {207, 400, 403},
        ),
        # What real clients send.
        (
            "REPORT",
            calendar,
            b"<D:sync-collection xmlns:D='DAV:'><D:sync-token/><D:sync-level>1</D:sync-level>"
            b"<D:prop><D:getetag/></D:prop></D:sync-collection>",
            dict(XML_TYPE, Depth="1"),
            {207},
        ),
        ("REPORT", "/", _expand_property_bomb(), dict(XML_TYPE, Depth="0"), {207, 400, 403}),
        (
            "OPTIONS",
            home.replace(
                login.username,
                login.username[:1] + "%" + login.username[1:2].encode().hex() + login.username[2:],
            ),
            None,
            {},
            {200},
        ),
    ]


def _send_raw(
    target: HostileTarget,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict,
    authorization: str | None,
):
    fields = {name.replace("_", "-"): value for name, value in headers.items()}
    if authorization:
        fields["Authorization"] = authorization
    return send_and_read_complete(
        target.port, request_bytes(method, path, fields, body or b""), timeout=60
    )


def test_hostile_requests_get_complete_answers_and_change_nothing(target, seeded):
    login = target.login
    before = target.snapshot()
    for method, path, body, headers, expected in hostile_requests(login, seeded):
        for authorization in (basic_auth(login.username, login.password), None):
            answer = _send_raw(target, method, path, body, headers, authorization)
            assert answer.status < 500, (method, path, answer.status, answer.body[:300])
            if authorization:
                assert answer.status in expected, (method, path, answer.status, answer.body[:300])
            else:
                assert answer.status in expected | {401}, (method, path, answer.status)
    assert target.snapshot() == before


def test_a_long_password_is_an_ordinary_refusal(target):
    """Over 4,096 characters: the same 401 for a known and an unknown user, never a 500."""
    statuses = set()
    for username in (target.login.username, f"nobody-{uuid.uuid4().hex[:6]}"):
        answer = send_and_read_complete(
            target.port,
            request_bytes(
                "PROPFIND",
                "/dav/",
                {"Depth": "0", "Authorization": basic_auth(username, "x" * 5000)},
            ),
        )
        statuses.add(answer.status)
    assert statuses == {401}


def test_bad_requests_get_4xx_and_change_nothing(target, seeded):
    login = target.login
    before = target.snapshot()
    for method, path, body, headers, expected in bad_requests(login, seeded):
        r = login.request(method, path, body, **headers)
        assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
        assert r.status_code in expected, (method, path, r.status_code, r.text[:300])
    assert target.snapshot() == before


def test_body_over_the_limit_is_413_without_reading_it(server, target, seeded):
    login = target.login
    limit = server.settings.max_request_size  # the same default for both targets
    host, port = target.base_url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        request = (
            f"PROPFIND {seeded} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {limit + 1}\r\nDepth: 0\r\n"
            f"Authorization: Basic {_basic(login)}\r\n\r\n"
        ).encode()
        conn.sendall(request + b"<D:propfind xmlns:D='DAV:'>")
        status_line = conn.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line


def _basic(login) -> str:
    import base64

    return base64.b64encode(f"{login.username}:{login.password}".encode()).decode()


def test_every_corpus_file_put_never_gives_5xx(target):
    login = target.login
    import pathlib

    calendar = login.home_path + "corpus/"
    login.request("MKCALENDAR", calendar)
    files = sorted(pathlib.Path(__file__).parent.joinpath("data", "ical").glob("*.ics"))
    assert files
    for n, path in enumerate(files):
        r = login.request("PUT", f"{calendar}{n}.ics", path.read_bytes(), **CALENDAR_TYPE)
        assert r.status_code in (201, 403), (path.name, r.status_code, r.text[:300])
