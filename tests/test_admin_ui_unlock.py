"""Lifting a login's failed sign-in lock from its page in a real browser: the lock
panel with the time it ends, the Unlock button, the phone signing in again and the
audit log naming the administrator."""

from __future__ import annotations

import requests

from resources.auth.audit import recent
from tests.browser.admin_pages import new_account, sign_in
from tests.browser.chromium import screenshot
from tests.organisation import phone_login


def _propfind(base: str, username: str, password: str) -> int:
    return requests.request(
        "PROPFIND", f"{base}/dav/", auth=(username, password), headers={"Depth": "0"}, timeout=30
    ).status_code


def test_the_unlock_button_lets_the_phone_in_again(server, page, org):
    username, _http = phone_login(server.base_url, org)
    for _attempt in range(server.settings.login_failures_per_user):
        assert _propfind(server.base_url, username, "wrong") == 401
    assert _propfind(server.base_url, username, "secret-pw") == 429
    admin_login, password = new_account("admin")
    sign_in(page, server.base_url, admin_login, password)
    page.goto(f"{server.base_url}/admin/credentials/{username}")
    assert "Too many wrong passwords" in page.inner_text("#lock-panel")
    screenshot(page, "credential-locked")
    with page.expect_navigation():
        page.click("#unlock-login")
    assert "is unlocked" in page.inner_text("main")
    assert page.locator("#lock-panel").count() == 0
    assert _propfind(server.base_url, username, "secret-pw") == 207
    entry = recent(5)[0]
    assert (entry.action, entry.target, entry.actor) == ("credential.unlock", username, admin_login)
