"""Hostile and odd HTTP at the server's edge: every answer complete and readable, what
real clients send accepted, no request able to stall the server for other users.

Raw-socket checks go through tests/raw_http.py: an answer must carry exactly the
body its framing promises, and the connection must serve a second request.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from lxml import etree

from tests.conftest import make_login
from tests.davxml import NS, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event
from tests.raw_http import basic_auth, exchange, request_bytes, send_and_read_complete
from tests.server_harness import start_server

METHODS = [
    "GET",
    "HEAD",
    "PUT",
    "DELETE",
    "PROPFIND",
    "PROPPATCH",
    "REPORT",
    "MKCOL",
    "MKCALENDAR",
    "COPY",
    "MOVE",
    "OPTIONS",
]
CLIMBING = [
    "/dav/calendars/%2e%2e/%2e%2e/etc/passwd",
    "/dav/%2e%2e/",
    "/dav/%2E%2E/",
    "/dav/calendars/x/../../../y",
    "/dav/calendars/x/%2e%2E/%2E%2e/%2e%2e/y",
    "/../etc/passwd",
]
NOT_UTF8 = ["/dav/%ff", "/dav/%c0%ae", "/dav/calendars/u/cal/%ff%fe.ics", "/%ff"]


def port_of(server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def _with_and_without_credentials(login):
    return [{}, {"Authorization": basic_auth(login.username, login.password)}]


@pytest.mark.parametrize("path", CLIMBING)
def test_paths_climbing_above_the_root_get_a_complete_400(server, login, path):
    for headers in _with_and_without_credentials(login):
        for method in METHODS:
            extra = {**headers, "Destination": "/dav/x"} if method in ("COPY", "MOVE") else headers
            answer = send_and_read_complete(port_of(server), request_bytes(method, path, extra))
            assert answer.status == 400, (method, path, answer)
            if method != "HEAD":
                assert b"climbs above" in answer.body, (method, path, answer.body)


@pytest.mark.parametrize("path", NOT_UTF8)
def test_paths_that_are_not_utf8_get_a_complete_400(server, login, path):
    for headers in _with_and_without_credentials(login):
        for method in METHODS:
            answer = send_and_read_complete(port_of(server), request_bytes(method, path, headers))
            assert answer.status == 400, (method, path, answer)
            if method != "HEAD":
                assert b"not valid UTF-8" in answer.body, (method, path, answer.body)


def test_head_answers_never_carry_a_body(server, login):
    auth = {"Authorization": basic_auth(login.username, login.password)}
    for path, headers in [
        ("/nothere", {}),
        ("/dav/calendars/nobody/x/", auth),
        ("/dav/", {}),
        ("/dav/%2e%2e/", {}),
    ]:
        # A body after a HEAD answer would be read as the next answer's status line.
        head, options = exchange(
            port_of(server),
            [request_bytes("HEAD", path, headers), request_bytes("OPTIONS", "/dav/", auth)],
            ["HEAD", "OPTIONS"],
        )
        assert head.status >= 400 and options.status == 200, (path, head, options)


def test_options_decodes_its_path_like_every_other_method(server, login):
    login.request("MKCALENDAR", login.home_path + "anna/")
    auth = {"Authorization": basic_auth(login.username, login.password)}
    encoded = login.home_path + "%61nna/"
    answer = send_and_read_complete(port_of(server), request_bytes("OPTIONS", encoded, auth))
    assert answer.status == 200
    assert "DELETE" in answer.headers["allow"], answer.headers  # the existing calendar's list


def test_sync_collection_with_depth_1_is_answered_as_depth_0(login):
    calendar = login.home_path + "synced/"
    login.request("MKCALENDAR", calendar)
    login.request("PUT", calendar + "a.ics", event(uid="synced-a"), **CALENDAR_TYPE)
    body = (
        '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>'
        "<D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    r = login.request("REPORT", calendar, body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    assert calendar + "a.ics" in responses(r.content)


def test_reports_are_served_at_the_bare_server_url(login):
    body = (
        '<D:expand-property xmlns:D="DAV:"><D:property name="current-user-principal"/>'
        "</D:expand-property>"
    )
    for path in ("/", "/dav/"):
        r = login.http.request(
            "REPORT",
            login.url(path),
            data=body,
            headers={"Content-Type": "application/xml"},
            allow_redirects=False,
        )
        assert r.status_code == 207, (path, r.status_code, r.text[:300])
    search = '<D:principal-property-search xmlns:D="DAV:"/>'
    r = login.http.request(
        "REPORT",
        login.url("/"),
        data=search,
        headers={"Content-Type": "application/xml"},
        allow_redirects=False,
    )
    assert r.status_code != 301 and r.status_code < 500, r.status_code


def test_css_colour_names_are_stored_as_hex(login):
    calendar = login.home_path + "coloured/"
    login.request("MKCALENDAR", calendar)
    body = (
        '<D:propertyupdate xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop>'
        "<A:calendar-color>blue</A:calendar-color></D:prop></D:set></D:propertyupdate>"
    )
    r = login.request("PROPPATCH", calendar, body, **XML_TYPE)
    assert r.status_code == 207 and "403" not in r.text, r.text
    found = login.request(
        "PROPFIND", calendar, propfind_body("A:calendar-color"), Depth="0", **XML_TYPE
    )
    status, value = responses(found.content)[calendar][q("A", "calendar-color")]
    assert (status, value.text) == (200, "#0000FF")
    refused = login.request("PROPPATCH", calendar, body.replace("blue", "not-a-colour"), **XML_TYPE)
    assert "403" in refused.text and "colour" in refused.text


def test_wsgidav_version_is_in_no_answer(login):
    source, target = login.home_path + "from/", login.home_path + "to/"
    login.request("MKCALENDAR", source)
    login.request("MKCALENDAR", target)
    login.request("PUT", source + "a.ics", event(uid="copied"), **CALENDAR_TYPE)
    answers = [
        login.request("COPY", source + "a.ics", Destination=login.url(target + "a.ics")),
        login.request("MOVE", target + "a.ics", Destination=login.url(target + "b.ics")),
        login.request(
            "MOVE", source + "a.ics", Destination=login.url(target + "b.ics"), Overwrite="F"
        ),
        login.request("COPY", source + "missing.ics", Destination=login.url(target + "c.ics")),
        login.request("MKCOL", login.home_path + "plain/"),
    ]
    assert [a.status_code for a in answers] == [201, 201, 412, 404, 201]
    for answer in answers:
        text = answer.text + repr(answer.headers)
        assert "4.4" not in text and "WsgiDAV/" not in text and "html" not in text.lower(), text


def test_well_known_redirect_does_not_reflect_the_host_header(server):
    for path in ("/.well-known/caldav", "/"):
        r = requests.get(
            server.base_url + path, headers={"Host": "evil.example"}, allow_redirects=False
        )
        assert r.status_code == 301
        assert "evil" not in r.headers["Location"] and r.headers["Location"].endswith("/dav/")


def _range_query(start: str, end: str) -> str:
    return (
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter></C:filter>'
        "</C:calendar-query>"
    )


def _free_busy(start: str, end: str) -> str:
    return (
        f'<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{start}" '
        f'end="{end}"/></C:free-busy-query>'
    )


def test_time_ranges_over_all_years_are_answered(login):
    calendar = login.home_path + "everything/"
    login.request("MKCALENDAR", calendar)
    login.request(
        "PUT",
        calendar + "daily.ics",
        event(uid="daily", extra="RRULE:FREQ=DAILY\r\n"),
        **CALENDAR_TYPE,
    )
    login.request(
        "PUT",
        calendar + "early.ics",
        event(
            uid="early",
            start="00010101T000000Z",
            end="00010101T010000Z",
            extra="RRULE:FREQ=WEEKLY;COUNT=500\r\n",
        ),
        **CALENDAR_TYPE,
    )
    r = login.request(
        "REPORT",
        calendar,
        _range_query("00010101T000000Z", "99991231T235959Z"),
        Depth="1",
        **XML_TYPE,
    )
    assert r.status_code == 207, r.text[:300]
    assert {calendar + "daily.ics", calendar + "early.ics"} <= set(responses(r.content))
    busy = login.request(
        "REPORT",
        calendar,
        _free_busy("00010101T000000Z", "99991231T235959Z"),
        Depth="1",
        **XML_TYPE,
    )
    assert busy.status_code == 403 and "at most" in busy.text, (
        busy.text
    )  # refused, not millions of periods
    month = login.request(
        "REPORT",
        calendar,
        _free_busy("20261101T000000Z", "20261201T000000Z"),
        Depth="1",
        **XML_TYPE,
    )
    assert month.status_code == 200 and "FREEBUSY" in month.text
    expand = _range_query("00010101T000000Z", "99991231T235959Z").replace(
        "<D:getetag/>",
        '<D:getetag/><C:calendar-data><C:expand start="00010101T000000Z" end="99991231T235959Z"/>'
        "</C:calendar-data>",
    )
    expanded = login.http.request(
        "REPORT",
        login.url(calendar),
        data=expand,
        timeout=60,
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert expanded.status_code == 207, expanded.text[
        :300
    ]  # not millions of instances: max-instances per object
    assert responses(expanded.content)[calendar + "daily.ics"][q("C", "calendar-data")][0] == 403
    edge = login.request(
        "REPORT",
        calendar,
        _range_query("00010101T000000Z", "00010105T000000Z"),
        Depth="1",
        **XML_TYPE,
    )
    assert edge.status_code == 403 and "outside the dates" in edge.text, edge.text


def _while_others_are_served(server, hostile, seconds: float = 20) -> None:
    """Run `hostile()` in a thread; meanwhile another user's requests are answered."""
    other = make_login(server, "bystander")
    done = threading.Event()
    failures: list[Exception] = []

    def run():
        try:
            hostile()
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(3):
        r = other.http.request(
            "PROPFIND", other.url(other.principal_path), headers={"Depth": "0"}, timeout=10
        )
        assert r.status_code == 207
    assert done.wait(seconds), "the hostile request did not finish"
    worker.join()
    assert not failures, failures


def test_propfind_naming_too_many_properties_is_refused_quickly(server, login):
    names = "".join(f"<X:p{i}/>" for i in range(300_000))  # about 3 MB
    body = f'<D:propfind xmlns:D="DAV:" xmlns:X="urn:x"><D:prop>{names}</D:prop></D:propfind>'

    def hostile():
        r = login.request("PROPFIND", login.home_path, body, Depth="0", **XML_TYPE)
        assert r.status_code == 413 and "at most" in r.text, r.text[:300]

    _while_others_are_served(server, hostile)
    patch = (
        body.replace("propfind", "propertyupdate")
        .replace("<D:prop>", "<D:set><D:prop>")
        .replace("</D:prop>", "</D:prop></D:set>")
    )
    r = login.request("PROPPATCH", login.home_path, patch, **XML_TYPE)
    assert r.status_code == 413 and "at most" in r.text
    calendar = login.home_path + "named/"
    login.request("MKCALENDAR", calendar)
    many = "".join(f"<X:p{i}/>" for i in range(1000))
    multiget = (
        f'<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:x">'
        f"<D:prop>{many}</D:prop><D:href>{calendar}a.ics</D:href></C:calendar-multiget>"
    )
    r = login.request("REPORT", calendar, multiget, Depth="1", **XML_TYPE)
    assert r.status_code == 413 and "at most" in r.text


def test_propfind_within_the_bound_names_every_property(login):
    names = [f"X:p{i}" for i in range(150)]
    body = propfind_body("D:displayname").replace(
        b"<D:displayname/>", "".join(f"<{n}/>" for n in names).encode()
    )
    body = body.replace(b"<D:propfind ", b'<D:propfind xmlns:X="urn:x" ')
    r = login.request("PROPFIND", login.home_path, body, Depth="0", **XML_TYPE)
    assert r.status_code == 207
    assert len(responses(r.content)[login.home_path]) == 150


def test_one_response_with_many_namespaced_elements_serialises_in_linear_time():
    from davserver.dav.multistatus_stream import send_multistatus_stream
    from davserver.dav.xml import qname, sub

    def fill(root):
        response = sub(root, qname("DAV:", "response"))
        prop = sub(response, qname("DAV:", "prop"))
        for i in range(400_000):
            prop.append(etree.Element(f"{{urn:x}}p{i}"))
        del response, prop
        yield

    started = time.monotonic()
    body = b"".join(send_multistatus_stream({}, lambda *a: None, fill))
    assert body.count(b"<ns0:p") == 400_000
    assert time.monotonic() - started < 20  # quadratic removal took minutes here


def test_expand_property_cannot_multiply_without_bound(server, login):
    calendar = login.home_path + "loop/"
    login.request("MKCALENDAR", calendar)
    hrefs = "".join(f"<D:href>{calendar}</D:href>" for _ in range(100))  # a 4-5 KB dead property
    patch = (
        f'<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x"><D:set><D:prop><X:links>{hrefs}</X:links>'
        "</D:prop></D:set></D:propertyupdate>"
    )
    assert login.request("PROPPATCH", calendar, patch, **XML_TYPE).status_code == 207
    nested = '<D:property name="displayname"/>'
    for _ in range(3):
        nested = f'<D:property name="links" namespace="urn:x">{nested}</D:property>'
    report = f'<D:expand-property xmlns:D="DAV:">{nested}</D:expand-property>'

    def hostile():
        r = login.request("REPORT", calendar, report, Depth="0", **XML_TYPE)
        assert r.status_code == 403, r.status_code
        assert etree.fromstring(r.content).find("D:number-of-matches-within-limits", NS) is not None

    _while_others_are_served(server, hostile, seconds=60)
    one_level = (
        '<D:expand-property xmlns:D="DAV:"><D:property name="links" namespace="urn:x">'
        '<D:property name="displayname"/></D:property></D:expand-property>'
    )
    assert login.request("REPORT", calendar, one_level, Depth="0", **XML_TYPE).status_code == 207


def test_oversized_request_headers_get_431(server, login):
    filler = "x" * 1024

    def hostile():
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=20) as conn:
            conn.sendall(b"GET /dav/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            answer = b""
            try:
                for n in range(2048):  # 2 MB of header fields, unless the server stops us first
                    conn.sendall(f"X-Filler-{n}: {filler}\r\n".encode())
            except OSError:
                pass
            try:
                while chunk := conn.recv(65536):
                    answer += chunk
            except OSError:
                pass
            assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]

    _while_others_are_served(server, hostile)


@pytest.fixture
def small_server(fresh_database):
    running = start_server(fresh_database.url, threads=2, request_head_timeout=2)
    yield running
    running.stop()


def test_slow_clients_do_not_hold_the_worker_threads(small_server):
    login = make_login(small_server, "patient")
    slow = [
        socket.create_connection(("127.0.0.1", port_of(small_server)), timeout=10) for _ in range(4)
    ]
    try:
        for conn in slow:  # twice as many slow heads as the server has threads
            conn.sendall(b"GET /dav/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        for _ in range(3):
            time.sleep(0.3)
            for conn in slow:
                conn.sendall(b"a")  # a byte now and then keeps a slow head going
            r = login.http.request(
                "PROPFIND", login.url(login.principal_path), headers={"Depth": "0"}, timeout=5
            )
            assert r.status_code == 207
        time.sleep(2.5)
        answers = []
        for conn in slow:  # past the head deadline: 408, connection closed
            conn.sendall(b"b")
            answers.append(conn.recv(200))
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers
    finally:
        for conn in slow:
            conn.close()
