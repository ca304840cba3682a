"""Several hosts on one PostgreSQL (issue 17 item 1): two `davserver serve` instances,
each with 2 workers, on different ports and one database, as behind a load balancer.
Nothing one host keeps in memory contradicts the other: a password change, a switched
off login, a lock and an unlock take effect on the other host at once; an admin session
made on one works on the other and ends on both; a connector run triggered on both at
once runs once; the external calendar outbox is sent once; pruning runs once; several
processes upgrade a fresh database at once (PostgreSQL and one SQLite file); and when a
host holding a lease is killed, the other takes over once the lease runs out.

The two hosts run on the PostgreSQL of DAVSERVER_TEST_DATABASE_URL, else on the local
one every machine of ours has, in a database of their own.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from cryptography.fernet import Fernet

from davserver.maintenance import INTERVAL_SECONDS
from resources.store.schema import SCHEMA_VERSION
from tests.browser.http_session import AdminSession
from tests.caldav_remotes import (
    event,
    make_pair,
    new_remote_calendar,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    summaries,
)
from tests.carddav_sources import DavProxy, DavServer
from tests.logins import Login, unique
from tests.server_harness import FreshDatabase, ServerProcess, postgres_url, start_server_process
from tests.source_server import SourceServer
from tests.test_cli import davserver
from tests.test_connector_processes import slow_csv, sql, wait_for
from tests.worker_processes import children_of

PER_USER = 4
BOSS, BOSS_PASSWORD = "boss", "boss-password-1"
PROPFIND_BODY = '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'


def host_env(keys: str) -> dict[str, str]:
    return {
        "DAVSERVER_SECRET_KEYS": keys,  # every host on one database needs the same keys
        "DAVSERVER_CONNECTOR_POLL_SECONDS": "1",
        "DAVSERVER_CONNECTOR_LEASE_SECONDS": "4",
        "DAVSERVER_MAINTENANCE_POLL_SECONDS": "1",
        "DAVSERVER_LOGIN_FAILURES_PER_USER": str(PER_USER),
    }


def start_at_once(url: str, log_dir, count: int, *arguments: str, **options) -> list[ServerProcess]:
    """`count` servers on one database, started at the same moment."""
    with ThreadPoolExecutor(count) as pool:
        started = [
            pool.submit(start_server_process, url, log_dir, *arguments, **options)
            for _ in range(count)
        ]
    failed = [future.exception() for future in started if future.exception()]
    if failed:  # stop the ones that did start, then tell why one did not
        for future in started:
            if not future.exception():
                future.result().stop()
        raise failed[0]
    return [future.result() for future in started]


class Cluster:
    def __init__(self, database: FreshDatabase, hosts: list[ServerProcess]) -> None:
        self.database = database
        self.url = database.url
        self.hosts = hosts

    @property
    def a(self) -> ServerProcess:
        return self.hosts[0]

    @property
    def b(self) -> ServerProcess:
        return self.hosts[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    work = tmp_path_factory.mktemp("several-hosts")
    database = FreshDatabase(str(work), postgres_url())
    env = host_env(Fernet.generate_key().decode())
    hosts: list[ServerProcess] = []
    try:
        made = davserver(
            "admin", "add", BOSS, "--database", database.url, stdin=BOSS_PASSWORD + "\n", env=env
        )
        assert made.returncode == 0, made.stderr
        hosts = start_at_once(
            database.url,
            work,
            2,
            *("--workers", "2", "--threads", "3", "--trust-proxy"),
            env=env,
            own_process_group=True,
        )
        yield Cluster(database, hosts)
    finally:
        for host in hosts:
            host.stop()
        database.drop()


def api(host: ServerProcess, method: str, path: str, body=None) -> requests.Response:
    headers = {"Content-Type": "application/json"}  # bodyless POSTs too (against CSRF)
    return requests.request(
        method,
        f"{host.base_url}/api/v1{path}",
        json=body,
        headers=headers,
        auth=(BOSS, BOSS_PASSWORD),
        timeout=30,
    )


def created(host: ServerProcess, path: str, body: dict) -> dict:
    answer = api(host, "POST", path, body)
    assert answer.status_code == 201, (answer.status_code, answer.text)
    return answer.json()


def new_phone(host: ServerProcess) -> tuple[str, str]:
    """A confirmed CalDAV login made through `host`'s API: (user name, password)."""
    branch = created(host, "/branches", {"name": unique("Branch")})["id"]
    user = created(host, "/users", {"login": unique("erika")})["id"]
    username, password = unique("phone"), f"pw-{uuid.uuid4().hex}"
    created(
        host,
        "/credentials",
        {
            "username": username,
            "user": user,
            "branch": branch,
            "confirmed": True,
            "password": password,
        },
    )
    return username, password


def propfind(host: ServerProcess, username: str, password: str, address: str = "") -> int:
    """The status of one sign-in on a new connection (the kernel picks the worker)."""
    headers = {"Depth": "0", "Content-Type": "application/xml"}
    if address:
        headers["X-Forwarded-For"] = address
    return requests.request(
        "PROPFIND",
        f"{host.base_url}/dav/",
        data=PROPFIND_BODY,
        headers=headers,
        auth=(username, password),
        timeout=30,
    ).status_code


def statuses(host: ServerProcess, username: str, password: str, times: int = 4) -> set[int]:
    return {propfind(host, username, password) for _ in range(times)}


def test_both_hosts_answer_the_health_check(cluster):
    for host in cluster.hosts:
        answer = requests.get(f"{host.base_url}/health", timeout=30)
        assert (answer.status_code, answer.text) == (200, "ok\n")
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_password_change_or_switch_off_on_one_host_holds_on_the_other_at_once(cluster):
    username, old = new_phone(cluster.a)
    # Both hosts' workers have verified (and cached) the old password.
    assert statuses(cluster.a, username, old) == statuses(cluster.b, username, old) == {207}
    new = f"pw-{uuid.uuid4().hex}"
    changed = api(cluster.a, "POST", f"/credentials/{username}/password", {"password": new})
    assert changed.status_code == 200, changed.text
    assert statuses(cluster.b, username, old) == {401}
    assert statuses(cluster.b, username, new) == {207}
    switched_off = api(cluster.a, "PATCH", f"/credentials/{username}", {"confirmed": False})
    assert switched_off.status_code == 200, switched_off.text
    assert statuses(cluster.b, username, new) == {401}


def test_failed_logins_on_both_hosts_lock_and_an_unlock_on_one_frees_the_other(cluster):
    username, password = new_phone(cluster.a)
    for attempt in range(PER_USER):
        host = cluster.hosts[attempt % 2]
        assert propfind(host, username, "wrong", f"203.0.113.{attempt + 1}") == 401
    # The limit counted the failures of both hosts: a new address is refused on each.
    assert propfind(cluster.a, username, password, "198.51.100.1") == 429
    assert propfind(cluster.b, username, password, "198.51.100.2") == 429
    unlocked = api(cluster.a, "POST", f"/credentials/{username}/unlock")
    assert unlocked.status_code == 200, unlocked.text
    assert propfind(cluster.b, username, password, "198.51.100.3") == 207


def test_an_admin_session_from_one_host_works_on_the_other_and_ends_on_both(cluster):
    on_a = AdminSession(cluster.a.base_url)
    assert on_a.sign_in(BOSS, BOSS_PASSWORD).status_code == 200
    on_a.get("/credentials")
    on_b = AdminSession(cluster.b.base_url)
    on_b.http.cookies.update(on_a.http.cookies)
    assert on_b.get("/credentials").status_code == 200
    assert on_b.token == on_a.token  # the CSRF token travels in the signed cookie
    name = unique("Branch")
    form = on_b.post("/branches/new", {"name": name, "timezone": "Europe/Berlin"})
    assert form.status_code == 200, form.text
    listed = api(cluster.a, "GET", "/branches", None).json()["items"]
    assert name in {branch["name"] for branch in listed}
    through_api = on_b.http.post(
        f"{cluster.b.base_url}/api/v1/branches",
        json={"name": unique("Branch")},
        headers={"X-CSRF-Token": on_a.token},
        timeout=30,
    )
    assert through_api.status_code == 201, through_api.text
    assert on_a.post("/logout").status_code == 200
    gone = on_b.http.get(f"{cluster.b.base_url}/admin/credentials", allow_redirects=False)
    assert gone.status_code == 303 and "/admin/login" in gone.headers["Location"]
    refused = on_b.http.get(f"{cluster.b.base_url}/api/v1/branches", timeout=30)
    assert refused.status_code == 401


@pytest.fixture(scope="module")
def files():
    source = SourceServer().start()
    yield source
    source.stop()


CSV = b"id,last_name,phone_work\n1,Weber,+49 30 1\n2,Koch,+49 30 2\n3,Fuchs,+49 30 3\n"


def new_connection(host: ServerProcess, files: SourceServer, path: str) -> int:
    url = files.put(path, CSV)
    body = {"name": unique("CSV"), "type": "csv-url", "settings": {"url": url}}
    return created(host, "/connections", body)["id"]


def run_of(host: ServerProcess, run_id: int) -> dict:
    return api(host, "GET", f"/runs/{run_id}").json()


def test_a_connector_run_triggered_on_both_hosts_at_once_runs_once(cluster, files):
    path = f"/{unique('book')}.csv"
    connection = new_connection(cluster.a, files, path)
    files.put(path, CSV, seconds_between_chunks=0.5)  # running long enough to overlap
    files.requests.clear()
    start = threading.Barrier(2)

    def trigger(host: ServerProcess) -> requests.Response:
        start.wait()
        return api(host, "POST", f"/connections/{connection}/run")

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(trigger, cluster.hosts))
    assert sorted(answer.status_code for answer in answers) == [202, 409], answers
    run_ids = {answer.json().get("id") or answer.json()["run"]["id"] for answer in answers}
    assert len(run_ids) == 1, [answer.json() for answer in answers]
    run_id = run_ids.pop()
    done = wait_for(lambda: run_of(cluster.b, run_id)["state"] in ("ok", "failed"), 30)
    assert done and run_of(cluster.b, run_id)["state"] == "ok", run_of(cluster.b, run_id)
    assert run_of(cluster.b, run_id)["added"] == 3
    runs = api(cluster.b, "GET", f"/connections/{connection}/runs").json()["items"]
    assert [run["id"] for run in runs] == [run_id]
    assert [p for _method, p in files.requests if p == path] == [path]  # fetched once


@pytest.fixture(scope="module")
def remote(radicale):
    proxy = DavProxy(radicale.base_url).start()
    yield proxy, DavServer(proxy.base_url, radicale.username, radicale.password)
    proxy.stop()


def test_the_outbox_of_both_hosts_is_sent_once(cluster, radicale, remote):
    proxy, through = remote
    username, password = new_phone(cluster.a)
    admin = ApiOn(cluster.a)
    here = [Login(host.base_url, username, password, requests.Session()) for host in cluster.hosts]
    for login in here:
        login.http.auth = (username, password)
    calendar = new_remote_calendar(radicale)
    pair = make_pair(admin, here[0], through, remote_calendar=calendar, interval_minutes=60)
    assert pair.run()["run"]["ok"]
    proxy.requests.clear()
    wanted = {}
    for number in range(6):
        put_event(here[number % 2], f"{pair.local}h{number}.ics", event(f"host-{number}", "Once"))
        wanted[f"host-{number}"] = "Once"
    wait_for(lambda: summaries(radicale, calendar) == wanted, 30)
    time.sleep(3)  # a process that would push again has had its rounds (every 2 s)
    puts = [path for method, path, _ in proxy.requests if method == "PUT"]
    assert len(puts) == 6 and len(set(puts)) == 6, puts


class ApiOn:
    """What tests.caldav_remotes.make_pair needs of an API client, on one host."""

    def __init__(self, host: ServerProcess) -> None:
        self.host = host

    def created(self, path: str, body: dict) -> dict:
        return created(self.host, path, body)

    def post(self, path: str, body=None) -> requests.Response:
        return api(self.host, "POST", path, body)


def report(host: ServerProcess, username: str, password: str, path: str, token: str):
    body = (
        '<sync-collection xmlns="DAV:"><sync-token>'
        f"{token}</sync-token><sync-level>1</sync-level><prop><getetag/></prop>"
        "</sync-collection>"
    )
    return requests.request(
        "REPORT",
        f"{host.base_url}{path}",
        data=body,
        headers={"Content-Type": "application/xml"},
        auth=(username, password),
        timeout=30,
    )


def job(cluster: Cluster) -> tuple[int, float]:
    rows = sql(
        cluster.url, "SELECT claims, next_due FROM job_lease WHERE name = 'prune sync history'"
    )
    return rows[0] if rows else (0, 0.0)


def test_history_is_pruned_once_by_one_host_after_a_dead_holders_lease(cluster):
    username, password = new_phone(cluster.a)
    path = f"/dav/calendars/{username}/{uuid.uuid4().hex[:8]}/"
    auth = (username, password)
    assert requests.request("MKCALENDAR", cluster.a.base_url + path, auth=auth).status_code == 201
    first = report(cluster.a, username, password, path, "")
    token = re.search(r"sync-token>([^<]+)<", first.text)
    assert first.status_code == 207 and token, first.text
    put = requests.put(
        cluster.a.base_url + path + "old.ics",
        data=event("old-change", "Long ago"),
        headers={"Content-Type": "text/calendar"},
        auth=auth,
    )
    assert put.status_code == 201
    wait_for(lambda: job(cluster)[0] >= 1, 30)  # the hosts' first look, when they started
    claims, _due = job(cluster)
    sql(cluster.url, 'UPDATE "change" SET changed = changed - 400 * 86400')
    # Due now, but held by a host that died while pruning, for 2 more seconds.
    dead_until = time.time() + 2
    sql(
        cluster.url,
        "UPDATE job_lease SET next_due = 0, holder = 'killed-host:1:0', "
        f"lease_until = {dead_until} WHERE name = 'prune sync history'",
    )
    wait_for(lambda: job(cluster)[1] > time.time(), 30)
    taken_over = job(cluster)[1] - INTERVAL_SECONDS  # when the new holder finished
    assert taken_over >= dead_until
    time.sleep(3)  # each host's maintenance looked a few more times (every second)
    assert job(cluster)[0] == claims + 1
    refused = report(cluster.b, username, password, path, token.group(1))
    assert refused.status_code == 403 and "valid-sync-token" in refused.text, refused.text


def test_several_processes_upgrade_a_fresh_database_at_once(tmp_path):
    """On the engine of this test run: one SQLite file, or the PostgreSQL of
    DAVSERVER_TEST_DATABASE_URL (the hosts above use PostgreSQL in either run)."""
    database = FreshDatabase(str(tmp_path))
    try:
        servers = start_at_once(
            database.url, tmp_path, 3, "--log-level", "INFO", env={"DAVSERVER_SECRET_KEYS": ""}
        )
        try:
            for server in servers:
                assert requests.get(f"{server.base_url}/health", timeout=30).status_code == 200
        finally:
            for server in servers:
                server.stop()
        upgraded = [s for s in servers if "schema upgraded from version 0" in s.output()]
        assert len(upgraded) == 1, [s.output() for s in servers]
        assert sql(database.url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    finally:
        database.drop()


def test_when_the_host_holding_a_run_dies_the_other_takes_over_after_the_lease(cluster, files):
    """Last in this module: it kills one of the two hosts."""
    path = f"/{unique('book')}.csv"
    connection = new_connection(cluster.a, files, path)
    files.put(path, slow_csv(), seconds_between_chunks=0.5)  # about 20 s
    run_id = api(cluster.a, "POST", f"/connections/{connection}/run").json()["id"]
    wait_for(lambda: run_of(cluster.a, run_id)["state"] == "running", 30)
    owner = sql(cluster.url, f"SELECT lease_owner FROM connector_run WHERE id = {run_id}")[0][0]
    worker = int(owner.split(":")[1])
    holder = next(host for host in cluster.hosts if worker in children_of(host.pid))
    survivor = next(host for host in cluster.hosts if host is not holder)
    os.killpg(holder.pid, signal.SIGKILL)  # the whole host at once: supervisor and workers
    holder.process.wait(timeout=30)
    wait_for(lambda: run_of(survivor, run_id)["state"] == "failed", 30)
    assert "stopped before it ended" in run_of(survivor, run_id)["message"]
    files.put(path, CSV)
    again = api(survivor, "POST", f"/connections/{connection}/run").json()["id"]
    wait_for(lambda: run_of(survivor, again)["state"] in ("ok", "failed"), 30)
    assert (run_of(survivor, again)["state"], run_of(survivor, again)["added"]) == ("ok", 3)
