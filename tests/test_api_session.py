"""The JSON API accepts the admin UI's session (issue 4 §5: "HTTP Basic or the web
session"), and writes with a session need its CSRF token."""

from __future__ import annotations

import uuid

from resources.organisation.accounts import create_account
from tests.browser.http_session import AdminSession


def test_api_with_the_web_session(server):
    login, password = f"webadmin-{uuid.uuid4().hex[:6]}", "web-admin-pw"
    create_account(login, role="admin", password=password)
    browser = AdminSession(server.base_url)
    assert browser.sign_in(login, password).status_code in (200, 302, 303)
    listing = browser.http.get(server.base_url + "/api/v1/branches")
    assert listing.status_code == 200 and "items" in listing.json()
    body = {"name": f"Session branch {uuid.uuid4().hex[:6]}"}
    refused = browser.http.post(server.base_url + "/api/v1/branches", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "csrf"
    created = browser.http.post(
        server.base_url + "/api/v1/branches", json=body, headers={"X-CSRF-Token": browser.token}
    )
    assert created.status_code == 201


def test_a_user_session_is_not_an_admin_one(server):
    login, password = f"websuser-{uuid.uuid4().hex[:6]}", "web-user-pw"
    create_account(login, role="user", password=password)
    browser = AdminSession(server.base_url)
    browser.sign_in(login, password)
    assert browser.http.get(server.base_url + "/api/v1/branches").status_code == 403
    assert browser.http.get(
        server.base_url + "/api/v1/branches", cookies={"davserver_admin": "forged"}
    ).status_code in (401, 403)
