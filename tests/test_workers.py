"""`davserver serve --workers N`: N processes answering on one port over one store,
supervised by a parent that stops them on SIGTERM and replaces one that dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import requests

from davserver.connection_rotation import REQUESTS_PER_CONNECTION
from tests.davxml import propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event
from tests.server_harness import (
    FreshDatabase,
    add_login_by_command,
    free_port,
    start_server_process,
)
from tests.worker_processes import (
    connection_to_each_worker,
    holder_of,
    process_exists,
    thread_count,
    wait_for_workers,
)

USERNAME, PASSWORD = "worker-test", "worker-test-password"
CALENDAR = f"/dav/calendars/{USERNAME}/shared/"
FAILURES_PER_USER = 4  # configured for all processes together: 2 per worker


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    fresh = FreshDatabase(str(tmp_path_factory.mktemp("workers-db")))
    add_login_by_command(fresh.url, USERNAME, PASSWORD)
    yield fresh
    fresh.drop()


@pytest.fixture(scope="module")
def two_workers(database, tmp_path_factory):
    server = start_server_process(
        database.url,
        tmp_path_factory.mktemp("workers-log"),
        "--workers",
        "2",
        "--threads",
        "4",
        env={"DAVSERVER_LOGIN_FAILURES_PER_USER": str(FAILURES_PER_USER)},
    )
    made = requests.request(
        "MKCALENDAR", server.base_url + CALENDAR, auth=(USERNAME, PASSWORD), timeout=30
    )
    assert made.status_code == 201, made.text
    yield server
    assert server.stop() == 0, server.output()


def connections(server, username: str = USERNAME, password: str = PASSWORD) -> dict:
    """{worker pid: a connection that worker holds}, for the server's 2 workers."""
    return connection_to_each_worker(
        server.port, wait_for_workers(server.pid, 2), username, password
    )


def sync_token(connection) -> str:
    answer = connection.request(
        "PROPFIND", CALENDAR, propfind_body("D:sync-token"), Depth="0", **XML_TYPE
    )
    assert answer.status == 207
    return responses(answer.body)[CALENDAR][q("D", "sync-token")][1].text


def changes_since(connection, token: str) -> list[str]:
    body = (
        f'<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    answer = connection.request("REPORT", CALENDAR, body, Depth="0", **XML_TYPE)
    assert answer.status == 207
    return sorted(responses(answer.body))


def write_and_read_back(base_url: str, client: int) -> list[str]:
    """PUT, GET and multiget of this client's own objects; a line per wrong answer."""
    wrong = []
    with requests.Session() as session:
        session.auth = (USERNAME, PASSWORD)
        hrefs = []
        for n in range(8):
            uid = f"client{client}-{n}-{uuid.uuid4().hex[:6]}"
            href = f"{CALENDAR}{uid}.ics"
            put = session.put(
                base_url + href,
                data=event(uid, summary=f"client {client} #{n}"),
                headers={"If-None-Match": "*", "Content-Type": CALENDAR_TYPE["Content_Type"]},
                timeout=30,
            )
            got = session.get(base_url + href, timeout=30)
            if (
                put.status_code != 201
                or got.status_code != 200
                or got.headers.get("ETag") != put.headers.get("ETag")
                or f"UID:{uid}" not in got.text
            ):
                wrong.append(
                    f"{href}: PUT {put.status_code} {put.headers.get('ETag')}, GET {got.status_code} "
                    f"{got.headers.get('ETag')}"
                )
            hrefs.append(href)
        multiget = (
            '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>'
            "</D:prop>" + "".join(f"<D:href>{h}</D:href>" for h in hrefs) + "</C:calendar-multiget>"
        )
        answer = session.request(
            "REPORT",
            base_url + CALENDAR,
            data=multiget,
            timeout=30,
            headers={"Depth": "1", "Content-Type": XML_TYPE["Content_Type"]},
        )
        if answer.status_code != 207 or sorted(responses(answer.content)) != sorted(hrefs):
            wrong.append(f"multiget: {answer.status_code}")
    return wrong


def test_concurrent_requests_are_all_answered_and_both_workers_answer(two_workers):
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [
            pool.submit(partial(write_and_read_back, two_workers.base_url), client)
            for client in range(16)
        ]
        wrong = [line for answer in answers for line in answer.result(timeout=120)]
    assert wrong == []
    held = connections(two_workers)
    assert len(held) == 2
    for pid, connection in held.items():
        answer = connection.request(
            "PROPFIND", CALENDAR, propfind_body("D:getetag"), Depth="1", **XML_TYPE
        )
        assert answer.status == 207 and len(responses(answer.body)) == 16 * 8 + 1
        assert holder_of(connection.socket, list(held)) == pid


def test_a_write_through_one_worker_is_seen_at_once_through_the_other(two_workers):
    first, second = connections(two_workers).values()
    token = sync_token(second)
    href = f"{CALENDAR}{uuid.uuid4().hex}.ics"
    put = first.request(
        "PUT", href, event(summary="written by one worker"), If_None_Match="*", **CALENDAR_TYPE
    )
    assert put.status == 201
    read = second.request("GET", href)
    assert (
        read.status == 200
        and read.headers["ETag"] == put.headers["ETag"]
        and b"written by one worker" in read.body
    )
    assert changes_since(second, token) == [href]
    update = second.request(
        "PUT",
        href,
        event(summary="changed by the other"),
        If_Match=put.headers["ETag"],
        **CALENDAR_TYPE,
    )
    assert update.status == 204
    again = first.request("GET", href)
    assert again.headers["ETag"] == update.headers["ETag"] != put.headers["ETag"]
    assert b"changed by the other" in again.body
    stale = first.request(
        "PUT", href, event(summary="lost update"), If_Match=put.headers["ETag"], **CALENDAR_TYPE
    )
    assert stale.status == 412


def test_the_failed_login_limit_holds_across_workers(two_workers):
    """The 2 workers count in the shared database: 4 configured failures in all, then 429."""
    held = connections(two_workers, f"guess-{uuid.uuid4().hex[:8]}", "wrong").values()
    statuses = [[c.request("PROPFIND", CALENDAR, Depth="0").status for _ in range(3)] for c in held]
    assert statuses == [[401, 401, 401], [401, 429, 429]]


def test_maintenance_runs_in_exactly_one_worker(two_workers):
    """The maintenance thread is the one thread a worker can have more than the others."""
    counts = sorted(thread_count(pid) for pid in connections(two_workers))
    assert counts[1] == counts[0] + 1


def test_a_killed_worker_is_replaced_and_serving_goes_on(two_workers):
    workers = wait_for_workers(two_workers.pid, 2)
    with_maintenance = max(workers, key=thread_count)
    os.kill(with_maintenance, signal.SIGKILL)
    replaced = wait_for_workers(two_workers.pid, 2, not_among=(with_maintenance,))
    held = connection_to_each_worker(two_workers.port, replaced, USERNAME, PASSWORD)
    for connection in held.values():
        answer = connection.request(
            "PROPFIND", CALENDAR, propfind_body("D:sync-token"), Depth="0", **XML_TYPE
        )
        assert answer.status == 207
    (newcomer,), (survivor,) = set(replaced) - set(workers), set(replaced) & set(workers)
    assert thread_count(newcomer) == thread_count(survivor) + 1  # the maintenance came back with it
    assert "worker 0 was killed by SIGKILL" in two_workers.output()


@pytest.mark.parametrize(
    "ctrl_c", [False, True], ids=["SIGTERM to the parent", "SIGINT to the process group"]
)
def test_a_signal_stops_the_parent_and_every_worker(database, tmp_path, ctrl_c):
    """Ctrl-C in a terminal signals every process of the group: each worker gets SIGINT twice."""
    server = start_server_process(
        database.url, tmp_path, "--workers", "2", own_process_group=ctrl_c
    )
    workers = wait_for_workers(server.pid, 2)
    idle = connection_to_each_worker(
        server.port, workers, USERNAME, PASSWORD
    )  # kept open meanwhile
    if ctrl_c:
        os.killpg(server.pid, signal.SIGINT)
    else:
        server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0, server.output()
    assert not [pid for pid in workers if process_exists(pid)]
    assert "Traceback" not in server.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.base_url + "/", timeout=5)
    assert all(closed_by_server(connection) for connection in idle.values())


def closed_by_server(connection) -> bool:
    try:
        return connection.socket.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("flag, env", [("0", {}), ("-2", {}), (None, {"DAVSERVER_WORKERS": "0"})])
def test_fewer_than_one_worker_is_a_one_line_error(flag, env):
    arguments = ["serve", "--port", str(free_port())] + (["--workers", flag] if flag else [])
    run = subprocess.run(
        [sys.executable, "-m", "davserver", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert run.returncode == 1
    assert run.stderr == "davserver: error: setting 'workers' must be at least 1\n"


def test_keep_alive_connections_are_handed_back_every_100_requests(two_workers):
    """With several workers a connection is closed after REQUESTS_PER_CONNECTION answers,
    so clients spread over the workers again; the client reconnects without noticing."""
    with requests.Session() as session:
        answers = [
            session.request(
                "OPTIONS", two_workers.base_url + "/dav/", auth=(USERNAME, PASSWORD), timeout=30
            )
            for _ in range(2 * REQUESTS_PER_CONNECTION + 10)
        ]
    assert all(answer.status_code == 200 for answer in answers)
    closing = [
        n
        for n, answer in enumerate(answers)
        if answer.headers.get("Connection", "").lower() == "close"
    ]
    gaps = [later - earlier for earlier, later in zip([-1, *closing], closing, strict=False)]
    assert len(closing) >= 2 and all(gap <= REQUESTS_PER_CONNECTION for gap in gaps), closing
