"""Large multistatus answers are sent as they are built (chunked), complete and
well-formed, and the connection stays usable; small ones keep Content-Length."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.davxml import NS, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event

EVENTS = 700
DESCRIPTION = "DESCRIPTION:" + "Agenda and notes for the weekly planning round. " * 20 + "\r\n"


@pytest.fixture(scope="module")
def big_calendar(server):
    from tests.conftest import make_login

    login = make_login(server)
    path = login.home_path + "big/"
    assert login.request("MKCALENDAR", path).status_code == 201
    bodies = {}
    for number in range(EVENTS):
        day = 1 + number % 28
        body = event(
            uid=f"big-{number}",
            summary=f"Planning {number}",
            start=f"202612{day:02d}T090000Z",
            end=f"202612{day:02d}T100000Z",
            extra=DESCRIPTION,
        )
        assert login.request("PUT", f"{path}{number}.ics", body, **CALENDAR_TYPE).status_code == 201
        bodies[f"{path}{number}.ics"] = body
    return login, path, bodies


def streamed(response) -> bool:
    return (
        "Content-Length" not in response.headers
        and response.headers.get("Transfer-Encoding") == "chunked"
    )


def query_body(start: str, end: str) -> str:
    return (
        f'<C:calendar-query xmlns:D="DAV:" xmlns:C="{NS["C"]}"><D:prop><D:getetag/><C:calendar-data/></D:prop>'
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter></C:filter>'
        "</C:calendar-query>"
    )


def test_a_query_matching_every_object_is_streamed_and_complete(big_calendar):
    login, path, bodies = big_calendar
    response = login.request(
        "REPORT", path, query_body("20261201T000000Z", "20270101T000000Z"), Depth="1", **XML_TYPE
    )
    assert response.status_code == 207 and streamed(response)
    found = responses(response.content)
    assert set(found) == set(bodies)
    for href, props in found.items():
        status, data = props[q("C", "calendar-data")]
        assert status == 200 and data.text.replace("\r\n", "\n") == bodies[href].replace(
            "\r\n", "\n"
        )
    assert response.headers.get("Connection", "").lower() != "close"
    # The same connection serves the next request.
    assert (
        login.request(
            "PROPFIND", path, propfind_body("D:getetag"), Depth="0", **XML_TYPE
        ).status_code
        == 207
    )


def test_a_small_answer_keeps_content_length(big_calendar):
    login, path, _ = big_calendar
    response = login.request(
        "REPORT", path, query_body("20261201T000000Z", "20261202T000000Z"), Depth="1", **XML_TYPE
    )
    assert response.status_code == 207 and not streamed(response)
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert len(responses(response.content)) == len(range(0, EVENTS, 28))  # the events on 1 December


def test_allprop_propfind_of_every_member_is_streamed(big_calendar):
    login, path, bodies = big_calendar
    etags = {href: login.request("GET", href).headers["ETag"] for href in list(bodies)[:20]}
    response = login.request(
        "PROPFIND",
        path,
        '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
        Depth="1",
        **XML_TYPE,
    )
    assert response.status_code == 207 and streamed(response)
    found = responses(response.content)
    assert set(found) == set(bodies) | {path}
    for href, etag in etags.items():
        assert found[href][q("D", "getetag")][1].text == etag


def test_initial_sync_in_limited_rounds_sees_every_member_once(big_calendar):
    login, path, bodies = big_calendar
    seen, token, rounds = [], "", 0
    while True:
        rounds += 1
        body = (
            f'<D:sync-collection xmlns:D="DAV:" xmlns:C="{NS["C"]}"><D:sync-token>{token}</D:sync-token>'
            "<D:sync-level>1</D:sync-level><D:limit><D:nresults>150</D:nresults></D:limit>"
            "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
        )
        response = login.request("REPORT", path, body, Depth="0", **XML_TYPE)
        assert response.status_code == 207
        found = responses(response.content)
        truncated = found.pop(path, {}).get("status", (None,))[0] == 507
        seen.extend(found)
        token = etree.fromstring(response.content).findtext("D:sync-token", namespaces=NS)
        if not truncated:
            break
    assert rounds == 5 and sorted(seen) == sorted(bodies)
