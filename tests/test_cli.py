"""The command line as an operator uses it: serve (with demo data), credential add,
--version, settings precedence and one-line errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import requests

from davserver import __version__
from davserver.config import load_settings
from tests.browser.http_session import AdminSession
from tests.davxml import propfind_body, q, responses
from tests.server_harness import FreshDatabase, free_port


def davserver(*args, stdin: str | None = None, env: dict | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "davserver", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_version():
    run = davserver("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"davserver {__version__}"


def test_bad_flag_is_one_line_error():
    run = davserver("serve", "--port", "not-a-number")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "invalid int value" in run.stderr


def test_unreachable_database_is_one_line_error():
    run = davserver(
        "serve",
        "--port",
        str(free_port()),
        "--database",
        "postgresql://nobody:secret@127.0.0.1:1/none",
    )
    assert run.returncode == 1
    assert run.stderr.startswith(
        "davserver: error: cannot open database postgresql://nobody:***@127.0.0.1:1/none"
    )
    assert run.stderr.count("\n") == 1 and "secret" not in run.stderr


def test_taken_port_is_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = davserver("serve", "--port", str(port), "--database", f"sqlite:///{tmp_path}/x.db")
    assert run.returncode == 1
    assert run.stderr.strip() == f"davserver: error: port {port} on 127.0.0.1 is already in use"


def test_precedence_flag_over_environment_over_file_over_default(tmp_path):
    config = tmp_path / "davserver.toml"
    config.write_text('port = 1111\nhost = "0.0.0.0"\nthreads = 3\n')
    environ = {"DAVSERVER_PORT": "2222", "DAVSERVER_HOST": "127.0.0.2"}
    settings = load_settings(flags={"config": str(config), "port": 3333}, environ=environ)
    assert (settings.port, settings.host, settings.threads) == (3333, "127.0.0.2", 3)
    assert settings.database == "sqlite:///davserver.db"


def test_credential_add_with_password_from_stdin_and_generated(tmp_path):
    database = f"sqlite:///{tmp_path}/cred.db"
    given = davserver("credential", "add", "alice", "--database", database, stdin="s3cret-pw\n")
    assert given.returncode == 0, given.stderr
    generated = davserver("credential", "add", "bob", "--database", database, stdin="")
    assert generated.returncode == 0 and "shown only once" in generated.stdout
    taken = davserver("credential", "add", "ALICE", "--database", database, stdin="x-password\n")
    assert taken.returncode == 1 and "taken" in taken.stderr


def test_serve_demo_gives_a_phone_ready_calendar(tmp_path):
    database = FreshDatabase(str(tmp_path))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "davserver",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--database",
            database.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = _wait_for_line(process, "listening on")
        assert "anna-phone / demo" in banner and "for trying only" in banner
        base = f"http://127.0.0.1:{port}"
        assert f"admin / admin: signs in to the admin UI at {base}/admin/" in banner
        assert AdminSession(base).sign_in("admin", "admin").url == f"{base}/admin/dashboard"
        home = "/dav/calendars/anna-phone/"
        r = requests.request(
            "PROPFIND",
            base + home,
            data=propfind_body("D:displayname"),
            auth=("anna-phone", "demo"),
            headers={"Depth": "1", "Content-Type": "application/xml"},
        )
        names = sorted(
            p[q("D", "displayname")][1].text
            for h, p in responses(r.content).items()
            if h not in (home, home + "inbox/", home + "outbox/")  # RFC 6638 mailboxes
        )
        assert names == ["Anna Berger", "Raum 1"]
        export = requests.get(base + home + "anna/", auth=("anna-phone", "demo")).text
        assert export.count("BEGIN:VEVENT") == 3 and "RRULE:FREQ=WEEKLY" in export
        refused = requests.request(
            "PROPFIND", base + "/dav/", auth=("ben-phone", "demo"), headers={"Depth": "0"}
        )
        assert refused.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        database.drop()


def _wait_for_line(process, marker: str, timeout: float = 30) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(
        f"server did not start: {''.join(seen)} {process.stderr.read() if process.poll() is not None else ''}"
    )


def test_credential_passwd_list_test_and_admin_add(tmp_path):
    database = f"sqlite:///{tmp_path}/admin.db"
    assert (
        davserver(
            "credential",
            "add",
            "carla",
            "--database",
            database,
            "--unconfirmed",
            stdin="pw1-password\n",
        ).returncode
        == 0
    )
    listing = davserver("credential", "list", "--database", database)
    assert "carla" in listing.stdout and " no " in listing.stdout
    passwd = davserver("credential", "passwd", "carla", "--database", database, stdin="")
    assert passwd.returncode == 0 and "shown only once" in passwd.stdout
    test = davserver("credential", "test", "carla", "--resource", "nowhere", "--database", database)
    assert test.returncode == 1
    assert "✗ confirmed" in test.stdout and "✗ resource_exists" in test.stdout
    admin = davserver("admin", "add", "boss", "--database", database, stdin="boss-password\n")
    assert admin.returncode == 0
    missing = davserver("admin", "add", "boss2", "--database", database, stdin="")
    assert missing.returncode == 1 and "needs a password" in missing.stderr
