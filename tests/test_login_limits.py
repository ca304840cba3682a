"""Failed-login limits that stop guessing without locking a company out: the address
behind a trusted proxy, known addresses passing a user-name lock, the lock shown by
the connection test (API and command line), lifting it (API, command line, audit
log), and the administrator's own tests never counting."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from dataclasses import replace

import pytest
import requests

from davserver.app import build_app
from davserver.server import make_server
from resources.auth.audit import recent
from resources.auth.credentials import get_credential
from tests.organisation import phone_login
from tests.server_harness import free_port

PROPFIND = {"Depth": "0", "Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def proxied(server):
    """A second server on the same database, behind a (pretend) trusted nginx, with small limits."""
    port = free_port()
    settings = replace(
        server.settings,
        port=port,
        trust_proxy=True,
        login_failures_per_user=4,
        login_failures_per_address=3,
    )
    running = make_server(build_app(settings), settings)
    running.prepare()
    thread = threading.Thread(target=running.serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    running.stop()
    thread.join(timeout=10)


def _propfind(base: str, username: str, password: str, **headers: str) -> int:
    return requests.request(
        "PROPFIND",
        f"{base}/dav/",
        auth=(username, password),
        headers={**PROPFIND, **headers},
        timeout=30,
    ).status_code


def _guess_name() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}"


def test_behind_a_trusted_proxy_the_forwarded_address_counts_not_the_proxys(proxied, server, org):
    username, _http = phone_login(server.base_url, org)
    guesser = {"X-Real-IP": "10.9.0.1", "X-Forwarded-For": "10.9.0.1"}
    assert [_propfind(proxied, _guess_name(), "wrong", **guesser) for _ in range(3)] == [401] * 3
    assert _propfind(proxied, _guess_name(), "wrong", **guesser) == 429
    assert _propfind(proxied, username, "secret-pw", **{"X-Real-IP": "10.9.0.2"}) == 207


def test_the_client_controlled_first_forwarded_entry_is_not_believed(proxied):
    statuses = [
        _propfind(proxied, _guess_name(), "wrong", **{"X-Forwarded-For": f"192.0.2.{n}, 10.9.1.1"})
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_wrong_passwords_from_elsewhere_do_not_lock_out_a_known_phone(proxied, server, org):
    username, _http = phone_login(server.base_url, org)
    phone = {"X-Real-IP": "10.9.2.1"}
    assert _propfind(proxied, username, "secret-pw", **phone) == 207
    guessers = [{"X-Real-IP": f"10.9.3.{n}"} for n in range(4)]
    assert [_propfind(proxied, username, "wrong", **g) for g in guessers] == [401] * 4
    assert _propfind(proxied, username, "secret-pw", **phone) == 207
    assert _propfind(proxied, username, "secret-pw", **{"X-Real-IP": "10.9.3.9"}) == 429


def _lock_out(server, username: str) -> None:
    for _attempt in range(server.settings.login_failures_per_user):
        assert _propfind(server.base_url, username, "wrong") == 401
    assert _propfind(server.base_url, username, "secret-pw") == 429


def _failing(result: dict) -> list[dict]:
    return [c for c in result["checks"] if not c["ok"]]


def test_the_connection_test_reports_a_lock_out_and_the_admin_lifts_it(server, admin, org):
    username, _http = phone_login(server.base_url, org)
    _lock_out(server, username)
    result = admin.post(
        f"/credentials/{username}/test",
        {"resource": org.slugs["own_person"], "password": "secret-pw"},
    ).json()
    failing = _failing(result)
    assert [c["check"] for c in failing] == ["not_locked_out"]
    assert failing[0]["locked_until"] and "locked out" in failing[0]["message"]
    unlocked = admin.post(f"/credentials/{username}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["unlocked"] is True
    entry = recent(5)[0]
    assert (entry.action, entry.target, entry.actor) == ("credential.unlock", username, admin.login)
    assert _propfind(server.base_url, username, "secret-pw") == 207


def _davserver(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "davserver", *args, "--database", server.database_url],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_the_command_line_reports_the_lock_and_unlocks(server, org):
    username, _http = phone_login(server.base_url, org)
    _lock_out(server, username)
    tested = _davserver(
        server, "credential", "test", username, "--resource", org.slugs["own_person"]
    )
    assert tested.returncode == 1, tested.stdout + tested.stderr
    assert "✗ not_locked_out" in tested.stdout and "All checks passed" not in tested.stdout
    unlocked = _davserver(server, "credential", "unlock", username)
    assert unlocked.returncode == 0, unlocked.stderr
    assert recent(5)[0].action == "credential.unlock" and recent(5)[0].actor == "command line"
    assert _propfind(server.base_url, username, "secret-pw") == 207
    again = _davserver(
        server, "credential", "test", username, "--resource", org.slugs["own_person"]
    )
    assert again.returncode == 0 and "All checks passed" in again.stdout


def test_the_admins_test_attempts_never_count_nor_set_last_used(server, admin, org):
    username, _http = phone_login(server.base_url, org)
    for _attempt in range(server.settings.login_failures_per_user + 1):
        wrong = admin.post(
            f"/credentials/{username}/test", {"resource": org.slugs["own_person"], "password": "no"}
        )
        assert [c["check"] for c in _failing(wrong.json())] == ["password"]
    right = admin.post(
        f"/credentials/{username}/test",
        {"resource": org.slugs["own_person"], "password": "secret-pw"},
    ).json()
    assert right["ok"] is True
    assert get_credential(username).last_used is None
    assert _propfind(server.base_url, username, "secret-pw") == 207
