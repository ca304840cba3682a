"""davserver behind PgBouncer in transaction mode (issue 17 item 2, the pooling that
spans hosts): with `?prepared_statements=off` in the database URL, two worker processes
of 4 threads each share 2 PostgreSQL connections, and concurrent writes, reads and
syncs all succeed. Runs on the local PostgreSQL on SQLite runs too, like the
several-hosts tests; an unknown URL option is refused by name."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.davxml import responses
from tests.pgbouncer import start_bouncer
from tests.server_harness import (
    FreshDatabase,
    add_login_by_command,
    postgres_url,
    start_server_process,
)
from tests.test_cli import davserver

SYNC_BODY = (
    '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>'
    "<D:prop><D:getetag/></D:prop></D:sync-collection>"
)
MKCALENDAR = '<C:mkcalendar xmlns:C="urn:ietf:params:xml:ns:caldav"/>'


def event(uid: str, summary: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20270105T090000Z\r\n"
        f"DURATION:PT1H\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def bounced(tmp_path):
    """A fresh database behind PgBouncer, and a davserver with 2 workers on it."""
    database = FreshDatabase(str(tmp_path), postgres_url())
    bouncer = start_bouncer(database.url)
    url = bouncer.url(database.name, "prepared_statements=off")
    server = None
    try:
        server = start_server_process(url, tmp_path, "--workers", "2", "--threads", "4")
        add_login_by_command(url, "bounced", "bounced-password-1")
        yield server
    finally:
        if server is not None:
            server.stop()
        bouncer.stop()
        database.drop()


def test_concurrent_clients_through_pgbouncer_in_transaction_mode(bounced):
    base = bounced.base_url
    calendar = f"{base}/dav/calendars/bounced/work/"
    made = requests.request(
        "MKCALENDAR",
        calendar,
        data=MKCALENDAR,
        headers={"Content-Type": "application/xml"},
        auth=("bounced", "bounced-password-1"),
    )
    assert made.status_code == 201, made.text

    def client(number: int) -> list[int]:
        session = requests.Session()
        session.auth = ("bounced", "bounced-password-1")
        statuses = []
        for round_ in range(8):
            uid = f"c{number}-{round_}-{uuid.uuid4().hex[:6]}"
            href = f"{calendar}{uid}.ics"
            put = session.put(
                href, data=event(uid, f"Meeting {uid}"), headers={"Content-Type": "text/calendar"}
            )
            got = session.get(href)
            assert uid in got.text
            listed = session.request("PROPFIND", calendar, headers={"Depth": "1"})
            synced = session.request(
                "REPORT", calendar, data=SYNC_BODY, headers={"Content-Type": "application/xml"}
            )
            statuses += [put.status_code, got.status_code, listed.status_code, synced.status_code]
        return statuses

    with ThreadPoolExecutor(8) as pool:
        found = [status for statuses in pool.map(client, range(8)) for status in statuses]
    assert found.count(201) == 64 and found.count(200) == 64 and found.count(207) == 128
    everything = requests.request(
        "PROPFIND", calendar, headers={"Depth": "1"}, auth=("bounced", "bounced-password-1")
    )
    assert len([href for href in responses(everything.content) if href.endswith(".ics")]) == 64
    assert "Traceback" not in bounced.output()


def test_an_unknown_database_url_option_is_refused_by_name():
    url = postgres_url().split("?")[0] + "?sslmode=require&prepared_statements=off"
    run = davserver("credential", "list", "--database", url)
    assert run.returncode != 0
    assert "unknown option 'sslmode'" in run.stderr and "prepared_statements=off" in run.stderr
    assert "Traceback" not in run.stderr
