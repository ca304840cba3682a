"""Hostile and broken requests: the right 4xx with a message, never a 5xx, and the
stored data unchanged byte for byte."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.hostile_targets import HostileTarget, in_process_target, two_worker_target
from tests.ical import CALENDAR_TYPE, XML_TYPE, event

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
    assert target.login.request("PUT", calendar + "a.ics", event(uid="seed"), **CALENDAR_TYPE).status_code == 201
    return calendar


def bad_requests(login, calendar):
    """(method, path, body, headers, expected statuses)."""
    home = login.home_path
    cases = [
        ("PROPFIND", calendar, b"<D:propfind xmlns:D='DAV:'><D:prop>", XML_TYPE, {400}),
        ("PROPFIND", calendar, BILLION_LAUGHS, XML_TYPE, {400}),
        ("PROPPATCH", calendar, XXE, XML_TYPE, {400}),
        ("PROPPATCH", calendar, b"<x/>", XML_TYPE, {400}),
        ("PROPFIND", calendar, b"<D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>", {"Content_Type": "image/png"}, {415}),
        ("PROPFIND", calendar, b"<D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>", dict(XML_TYPE, Depth="2"), {400}),
        ("REPORT", calendar, b"<X:unknown-report xmlns:X='urn:x'/>", XML_TYPE, {403}),
        ("REPORT", calendar, b"", XML_TYPE, {400}),
        ("MKCALENDAR", home + "new/", b"<not-closed", XML_TYPE, {400}),
        ("MKCALENDAR", home + "new2/", b"<D:mkcol xmlns:D='DAV:'/>", XML_TYPE, {400}),
        ("PUT", calendar + "a.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", CALENDAR_TYPE, {403}),
        ("PUT", calendar + "a.ics", b"\xff\xfe\x00garbage", CALENDAR_TYPE, {403}),
        ("PUT", calendar + "a.ics", event(uid="other").encode(), {"Content_Type": "application/json"}, {415}),
        ("PUT", calendar + "a.ics", event(uid="seed").encode(), dict(CALENDAR_TYPE, If_Match='"nope"'), {412}),
        ("PUT", calendar + "b.ics", event(uid="seed").encode(), CALENDAR_TYPE, {403}),
        ("PUT", calendar + "a.ics", event(uid="seed").encode(), dict(CALENDAR_TYPE, Content_Encoding="gzip"), {415}),
        ("PUT", calendar, event().encode(), CALENDAR_TYPE, {405}),
        ("PUT", calendar + "../../other/x.ics", event().encode(), CALENDAR_TYPE, {400, 404, 409}),
        ("PUT", calendar + "%2e%2e/%2e%2e/x.ics", event().encode(), CALENDAR_TYPE, {400, 403, 404, 409}),
        ("PUT", calendar + "a%2Fb.ics", event().encode(), CALENDAR_TYPE, {400, 403, 404, 409}),
        ("PUT", calendar + "x" * 300 + ".ics", event().encode(), CALENDAR_TYPE, {400, 403, 404, 409, 414}),
        ("GET", calendar + "x" * 5000, None, {}, {400, 404, 414}),
        ("DELETE", home + "..", None, {}, {400, 403, 404, 405}),
        ("MOVE", calendar + "a.ics", None, {"Destination": "http://elsewhere.example/dav/x"}, {400, 403, 409, 502}),
        ("MOVE", calendar + "a.ics", None, {}, {400}),
        ("COPY", calendar, None, {"Destination": login.url(calendar + "sub/")}, {403, 409}),
        ("PROPFIND", "/dav/calendars/../principals/", b"", {"Depth": "0"}, {207, 400, 404}),
        ("ACL", calendar, b"<D:acl xmlns:D='DAV:'/>", XML_TYPE, {403}),
        ("POST", calendar, b"x", {}, {405}),
        ("BREW", calendar, b"", {}, {405, 501}),
    ]
    return cases


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
