"""Admin sessions and sign-in: signing out ends a session for good, the 12-hour limit
in the API, the admin sign-in limit behind a proxy, cross-site POSTs, one password
minimum; and refusals that tell nothing: over-long passwords, and one password
verification for every refused login whatever the reason."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
import requests

from davserver.web.admin_app import build_admin_app
from resources.auth import passwords
from resources.organisation.accounts import create_account
from tests.browser.admin_pages import new_account
from tests.browser.http_session import TOKEN, AdminSession
from tests.organisation import phone_login

COOKIE = "davserver_admin"


def _signed_in(server) -> tuple[AdminSession, str]:
    session = AdminSession(server.base_url)
    assert session.sign_in(*new_account("admin")).status_code == 200
    session.get("/credentials")
    return session, session.http.cookies[COOKIE]


def _with_cookie(cookie: str) -> requests.Session:
    copy = requests.Session()
    copy.cookies.set(COOKIE, cookie)
    return copy


def test_a_copied_cookie_is_dead_after_sign_out(server):
    session, cookie = _signed_in(server)
    token = session.token
    assert session.post("/logout").status_code == 200
    copy = _with_cookie(cookie)
    page = copy.get(f"{server.base_url}/admin/credentials", allow_redirects=False, timeout=30)
    assert page.status_code == 303 and "/admin/login" in page.headers["Location"]
    write = copy.post(
        f"{server.base_url}/api/v1/branches",
        json={"name": f"F-{uuid.uuid4().hex[:8]}"},
        headers={"X-CSRF-Token": token},
        timeout=30,
    )
    assert write.status_code == 401


def test_the_api_refuses_a_session_older_than_12_hours(server):
    from resources.store.login_state import AdminSession as SessionRow

    session, cookie = _signed_in(server)
    assert (
        _with_cookie(cookie).get(f"{server.base_url}/api/v1/branches", timeout=30).status_code
        == 200
    )
    SessionRow.update(started=SessionRow.started - 13 * 3600).execute()
    assert (
        _with_cookie(cookie).get(f"{server.base_url}/api/v1/branches", timeout=30).status_code
        == 401
    )


def test_admin_sign_in_limit_counts_the_address_the_proxy_saw(server):
    client = build_admin_app(
        replace(
            server.settings,
            trust_proxy=True,
            login_failures_per_address=3,
            login_failures_per_user=50,
        ),
        dav_app=None,
    ).test_client()
    token = TOKEN.search(client.get("/login").text).group(1)
    statuses = [
        client.post(
            "/login",
            data={
                "csrf_token": token,
                "login": f"nobody-{n}-{uuid.uuid4().hex[:6]}",
                "password": "wrong-password",
            },
            headers={"X-Forwarded-For": f"198.51.100.{n}, 10.8.0.1"},
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_bodyless_posts_with_basic_credentials_must_say_json(server, admin):
    """What a cross-site form could make a browser with cached Basic credentials send."""
    as_form = {"Content-Type": "application/x-www-form-urlencoded"}
    enabled = admin.http.post(admin.url("/company-book/enable"), headers=as_form, timeout=30)
    assert enabled.status_code == 400 and enabled.json()["error"] == "wrong_content_type"
    copied = admin.http.post(
        admin.url("/phonebook/1/copy-to-manual"), data="", headers=as_form, timeout=30
    )
    assert copied.status_code == 400
    assert admin.post("/company-book/enable").status_code == 200


def test_one_password_minimum_for_api_and_domain(server, admin, org):
    username, _http = phone_login(server.base_url, org)
    short = admin.post(f"/credentials/{username}/password", {"password": "x"})
    assert short.status_code == 422 and "8" in short.json()["message"]
    account = admin.post("/users", {"login": f"u-{uuid.uuid4().hex[:8]}", "password": "1234567"})
    assert account.status_code == 422
    assert (
        admin.post(f"/credentials/{username}/password", {"password": "12345678"}).status_code == 200
    )


LONG = "x" * 5000


def test_over_long_passwords_are_a_normal_counted_refusal_for_known_and_unknown(server, org):
    username, _http = phone_login(server.base_url, org)
    account, _password = new_account("admin")
    for base_path, name in (
        ("/dav/", username),
        ("/dav/", f"nobody-{uuid.uuid4().hex[:8]}"),
        ("/api/v1/branches", account),
        ("/api/v1/branches", f"nobody-{uuid.uuid4().hex[:8]}"),
    ):
        answer = requests.request(
            "PROPFIND" if base_path == "/dav/" else "GET",
            server.base_url + base_path,
            auth=(name, LONG),
            headers={"Depth": "0"},
            timeout=30,
        )
        assert answer.status_code == 401, (base_path, name, answer.status_code)
    for _attempt in range(server.settings.login_failures_per_user - 1):
        requests.request("PROPFIND", server.base_url + "/dav/", auth=(username, LONG), timeout=30)
    assert (
        requests.request(
            "PROPFIND", server.base_url + "/dav/", auth=(username, LONG), timeout=30
        ).status_code
        == 429
    )
    for name in (account, f"nobody-{uuid.uuid4().hex[:8]}"):
        form = AdminSession(server.base_url)
        form.get("/login")
        assert form.post("/login", {"login": name, "password": LONG}).status_code == 401


@pytest.fixture
def verifications(monkeypatch):
    """Counts the real argon2 verifications the in-process server runs."""
    counted = []
    real = passwords._context.verify

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords._context, "verify", counting)
    return counted


def _verifications_of(counted: list, request) -> int:
    before = len(counted)
    assert request().status_code == 401
    return len(counted) - before


def test_every_refused_dav_login_costs_one_verification(server, org, verifications):
    refused = {
        "unconfirmed": phone_login(server.base_url, org, confirmed=False)[0],
        "expired": phone_login(server.base_url, org, valid_until=date.today() - timedelta(days=3))[
            0
        ],
        "not yet valid": phone_login(
            server.base_url, org, valid_from=date.today() + timedelta(days=3)
        )[0],
    }
    for reason, username in refused.items():

        def attempt(name=username):
            return requests.request(
                "PROPFIND", server.base_url + "/dav/", auth=(name, "secret-pw"), timeout=30
            )

        assert [_verifications_of(verifications, attempt) for _ in range(3)] == [1, 1, 1], reason
    unknown = f"nobody-{uuid.uuid4().hex[:8]}"
    assert (
        _verifications_of(
            verifications,
            lambda: requests.request(
                "PROPFIND", server.base_url + "/dav/", auth=(unknown, "secret-pw"), timeout=30
            ),
        )
        == 1
    )


def test_a_deactivated_accounts_right_password_costs_one_verification_every_time(
    server, verifications
):
    login, password = f"gone-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    create_account(login, role="admin", password=password, active=False)

    def attempt():
        return requests.get(
            server.base_url + "/api/v1/branches", auth=(login, password), timeout=30
        )

    assert [_verifications_of(verifications, attempt) for _ in range(3)] == [1, 1, 1]


def test_downloads_with_names_outside_latin1_have_a_body_and_rfc6266_names(
    server, admin, org, login
):
    from urllib.parse import quote

    path = f"/dav/calendars/{login.username}/{quote('日本-kalender')}/"
    assert login.request("MKCALENDAR", path).status_code == 201
    download = login.request("GET", path)
    assert download.status_code == 200 and b"BEGIN:VCALENDAR" in download.content
    disposition = download.headers["Content-Disposition"]
    assert (
        "filename*=UTF-8''%E6%97%A5%E6%9C%AC-kalender.ics" in disposition
        and 'filename="' in disposition
    )
    username = f"日本-{uuid.uuid4().hex[:6]}"
    created = admin.post(
        "/credentials",
        {
            "username": username,
            "user": org.account_id,
            "branch": org.branch_id,
            "service_classes": ["caldav"],
            "confirmed": True,
        },
    )
    assert created.status_code == 201, created.text
    session = AdminSession(server.base_url)
    session.sign_in(*new_account("admin"))
    profile = session.get(f"/credentials/{quote(username)}/profile.mobileconfig")
    assert profile.status_code == 200 and b"<plist" in profile.content
    assert (
        f"filename*=UTF-8''{quote(username)}.mobileconfig" in profile.headers["Content-Disposition"]
    )


def test_user_names_with_control_characters_are_refused_and_profiles_stay_whole(server, admin, org):
    refused = admin.post(
        "/credentials",
        {
            "username": f"bell\x07{uuid.uuid4().hex[:6]}",
            "user": org.account_id,
            "branch": org.branch_id,
            "service_classes": ["caldav"],
        },
    )
    assert refused.status_code == 422
    assert admin.post("/users", {"login": f"esc\x1b{uuid.uuid4().hex[:6]}"}).status_code == 422
    username, _http = phone_login(server.base_url, org, display_name="Front\x01desk")
    session = AdminSession(server.base_url)
    session.sign_in(*new_account("admin"))
    profile = session.get(f"/credentials/{username}/profile.mobileconfig")
    assert profile.status_code == 200 and b"Frontdesk" in profile.content


def test_admin_and_api_answers_carry_security_headers(server, admin):
    for answer in (
        requests.get(f"{server.base_url}/admin/login", timeout=30),
        admin.get("/branches"),
        requests.get(f"{server.base_url}/api/v1/branches", timeout=30),
    ):
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert (
            answer.headers["X-Content-Type-Options"] == "nosniff"
            and answer.headers["Referrer-Policy"]
        )
