"""Signing in to the admin UI over HTTP: cookie flags, CSRF refusal, throttled
sign-in, roles, sign-out, sessions ending when the account changes, the language."""

from __future__ import annotations

from dataclasses import replace

from davserver.web.admin_app import build_admin_app
from resources.organisation.accounts import find_account, update_account
from tests.browser.admin_pages import new_account, unique
from tests.browser.http_session import TOKEN, AdminSession


def test_session_cookie_is_httponly_and_samesite_lax_without_secure_over_http(server):
    response = AdminSession(server.base_url).get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie
    assert "Secure" not in cookie


def _test_client(server, **overrides):
    return build_admin_app(replace(server.settings, **overrides), dav_app=None).test_client()


def test_session_cookie_is_secure_behind_tls(server):
    behind_proxy = _test_client(server, trust_proxy=True)
    assert (
        "Secure"
        in behind_proxy.get("/login", headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    )
    untrusted = _test_client(server, trust_proxy=False)
    assert (
        "Secure"
        not in untrusted.get("/login", headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    )
    over_tls = _test_client(server, trust_proxy=False)
    assert "Secure" in over_tls.get("/login", base_url="https://localhost").headers["Set-Cookie"]


def test_post_without_or_with_a_wrong_csrf_token_is_refused(admin_ui):
    name = unique("Filiale")
    missing = admin_ui.post(
        "/branches/new", {"name": name, "timezone": "Europe/Berlin"}, with_token=False
    )
    assert missing.status_code == 400
    assert "Form refused" in missing.text and "reload the page" in missing.text
    wrong = admin_ui.post(
        "/branches/new", {"name": name, "timezone": "Europe/Berlin", "csrf_token": "forged"}
    )
    assert wrong.status_code == 400
    assert name not in admin_ui.get("/branches").text


def test_sign_in_needs_the_csrf_token_too(server):
    login, password = new_account("admin")
    session = AdminSession(server.base_url)
    session.get("/login")
    assert (
        session.post("/login", {"login": login, "password": password}, with_token=False).status_code
        == 400
    )


def test_sign_in_attempts_are_throttled(server):
    client = _test_client(server, login_failures_per_user=3)
    login, password = new_account("admin")
    token = TOKEN.search(client.get("/login").text).group(1)
    for _attempt in range(3):
        refused = client.post(
            "/login", data={"csrf_token": token, "login": login, "password": "wrong"}
        )
        assert refused.status_code == 401
        assert "not right" in refused.text
    throttled = client.post(
        "/login", data={"csrf_token": token, "login": login, "password": password}
    )
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in throttled.text


def test_pages_need_sign_in_and_return_there_afterwards(server):
    session = AdminSession(server.base_url)
    first = session.get("/credentials", allow_redirects=False)
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/admin/login?next=/admin/credentials")
    login, password = new_account("admin")
    session.get("/login")
    landed = session.post(
        "/login", {"login": login, "password": password, "next": "/admin/credentials"}
    )
    assert landed.url.endswith("/admin/credentials")
    elsewhere = session.post(
        "/login", {"login": login, "password": password, "next": "//evil.example/x"}
    )
    assert elsewhere.url.startswith(server.base_url)


def test_plain_users_see_only_my_account(server):
    session = AdminSession(server.base_url)
    landed = session.sign_in(*new_account("user"))
    assert landed.url.endswith("/admin/me")
    for path in ("/dashboard", "/credentials", "/resources", "/audit", "/connections"):
        refused = session.get(path)
        assert refused.status_code == 403
        assert "For administrators only" in refused.text
    assert session.post("/branches/new", {"name": unique("Filiale")}).status_code == 403
    assert session.post("/connections/upload", {"name": unique("CSV")}).status_code == 403


def test_sign_out_ends_the_session(admin_ui):
    assert admin_ui.get("/dashboard").status_code == 200
    admin_ui.post("/logout")
    assert admin_ui.get("/dashboard", allow_redirects=False).status_code == 303


def test_session_ends_when_the_account_is_deactivated(server):
    login, password = new_account("admin")
    session = AdminSession(server.base_url)
    session.sign_in(login, password)
    update_account(find_account(login).id, {"active": False})
    assert session.get("/dashboard", allow_redirects=False).status_code == 303


def test_language_follows_accept_language_and_the_switch(server):
    german = AdminSession(server.base_url, **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    page = german.get("/login")
    assert '<html lang="de">' in page.text and "Anmelden" in page.text
    english = AdminSession(server.base_url, **{"Accept-Language": "en-US"})
    assert "Sign in" in english.get("/login").text
    english.post("/language", {"language": "de", "next": "/admin/login"})
    assert "Anmelden" in english.get("/login").text


def test_user_changes_own_sign_in_password(server):
    login, password = new_account("user")
    session = AdminSession(server.base_url)
    session.sign_in(login, password)
    session.get("/me")
    wrong = session.post(
        "/me/password",
        {
            "current_password": "nope",
            "password": "new-password-1",
            "password_repeat": "new-password-1",
        },
    )
    assert wrong.status_code == 422 and 'id="f-current_password-error"' in wrong.text
    changed = session.post(
        "/me/password",
        {
            "current_password": password,
            "password": "new-password-1",
            "password_repeat": "new-password-1",
        },
    )
    assert changed.url.endswith("/admin/me") and "is changed" in changed.text
    assert AdminSession(server.base_url).sign_in(login, "new-password-1").url.endswith("/admin/me")
