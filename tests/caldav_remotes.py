"""External CalDAV servers for the external calendar tests, on 127.0.0.1: Radicale
(tests/carddav_sources.py starts it; it serves CalDAV too) and a second davserver in a
process of its own; helpers to make calendars and events there and here, and a fault
proxy in front of a remote that can be stopped and started on the same port."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.carddav_sources import DavServer, start_radicale
from tests.server_harness import (
    FreshDatabase,
    add_login_by_command,
    free_port,
    start_server_process,
)

MKCALENDAR = (
    '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set></C:mkcalendar>"
)
ETAG_LISTING = (
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'
)


def event(uid: str, summary: str, day: int = 10, stamp: str = "20260101T000000Z") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//external//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n"
        f"DTSTART:202601{day:02d}T090000Z\r\nDTEND:202601{day:02d}T100000Z\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def make_calendar(server, path: str, name: str = "") -> str:
    body = MKCALENDAR.format(name=name or path.strip("/"))
    made = server.request("MKCALENDAR", path, body, **{"Content-Type": "application/xml"})
    assert made.status_code == 201, (made.status_code, made.text)
    return path


def put_event(server, path: str, body: str, **headers: str):
    put = server.request("PUT", path, body, **{"Content-Type": "text/calendar", **headers})
    assert put.status_code in (201, 204), (put.status_code, put.text)
    return put


def summaries(server, calendar: str) -> dict[str, str]:
    """UID -> SUMMARY of every event in the calendar, read with GETs after a listing."""
    listed = server.request(
        "PROPFIND", calendar, ETAG_LISTING, Depth="1", **{"Content-Type": "application/xml"}
    )
    assert listed.status_code == 207, listed.text
    found = {}
    hrefs = re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", listed.text)
    for href in hrefs:
        if href.rstrip("/").endswith(calendar.rstrip("/")):
            continue
        path = re.sub(r"^https?://[^/]+", "", href)
        body = server.request("GET", path).text
        uid = re.search(r"^UID:(.*?)\r?$", body, re.M)
        summary = re.search(r"^SUMMARY:(.*?)\r?$", body, re.M)
        if uid and summary:
            found[uid.group(1)] = summary.group(1)
    return found


@pytest.fixture(scope="module", name="radicale")
def radicale_fixture(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale-caldav"))
    yield server
    server.stop()


@pytest.fixture(scope="module", name="other_davserver")
def other_davserver_fixture(tmp_path_factory):
    work = tmp_path_factory.mktemp("other-davserver-caldav")
    database = FreshDatabase(str(work))
    add_login_by_command(database.url, "sam", "sam-password-1")
    process = start_server_process(database.url, work, env={"DAVSERVER_SECRET_KEYS": ""})
    yield DavServer(process.base_url, "sam", "sam-password-1", database_url=database.url)
    process.stop()
    database.drop()


class Xandikos(DavServer):
    """Xandikos serves one principal, /user/, and takes any login (it leaves
    authentication to a proxy in front)."""


XANDIKOS_VENV = Path(__file__).resolve().parents[1] / "bench" / ".venv-xandikos"


def xandikos_command() -> Path:
    """bench/.venv-xandikos/bin/xandikos, made from PyPI when it is missing."""
    command = XANDIKOS_VENV / "bin" / "xandikos"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(XANDIKOS_VENV)], check=True, timeout=600)
        pip = [str(XANDIKOS_VENV / "bin" / "pip"), "install", "-q", "xandikos"]
        subprocess.run(pip, check=True, timeout=1200)
    return command


@pytest.fixture(scope="module", name="xandikos")
def xandikos_fixture(tmp_path_factory):
    work = tmp_path_factory.mktemp("xandikos")
    port = free_port()
    command = [
        str(xandikos_command()),
        "serve",
        "-d",
        str(work / "data"),
        "--state-dir",
        str(work / "state"),
        "--defaults",
        "-l",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    log = open(work / "xandikos.log", "wb")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = Xandikos(f"http://127.0.0.1:{port}", "user", "any-password", process)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(server.base_url + "/", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise
            time.sleep(0.1)
    yield server
    server.stop()


def remote_home(server: DavServer) -> str:
    if isinstance(server, Xandikos):
        return "/user/calendars/"
    return "/dav/calendars/sam/" if server.database_url else f"/{server.username}/"


def principal_of(server: DavServer) -> str:
    if isinstance(server, Xandikos):
        return "/user/"
    return "/dav/principals/sam/" if server.database_url else f"/{server.username}/"


def new_remote_calendar(server: DavServer, name: str = "") -> str:
    return make_calendar(server, f"{remote_home(server)}{uuid.uuid4().hex[:10]}/", name)


@dataclass
class Pair:
    """A local calendar of `login`, a remote calendar, and the sync pair of the two."""

    admin: object
    login: object
    local: str  # /dav/... path here
    remote: DavServer
    remote_calendar: str  # path there
    id: int

    def run(self) -> dict:
        answer = self.admin.post(f"/external-syncs/{self.id}/run?wait=30")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def here(self) -> dict[str, str]:
        return summaries(self.login, self.local)

    def there(self) -> dict[str, str]:
        return summaries(self.remote, self.remote_calendar)


def local_calendar(login) -> str:
    path = f"{login.home_path}{uuid.uuid4().hex[:8]}/"
    assert login.request("MKCALENDAR", path).status_code == 201
    return path


def make_pair(admin, login, remote, *, remote_calendar: str = "", local: str = "", **options):
    remote_calendar = remote_calendar or new_remote_calendar(remote)
    local = local or local_calendar(login)
    account = admin.created(
        "/external-accounts",
        {
            "url": remote.base_url + remote_calendar,
            "username": remote.username,
            "password": remote.password,
        },
    )
    url = account["calendars"][0]["url"]
    body = {"account": account["id"], "remote_calendar": url, "local_calendar": local, **options}
    pair = admin.created("/external-syncs", body)
    return Pair(admin, login, local, remote, remote_calendar, pair["id"])
