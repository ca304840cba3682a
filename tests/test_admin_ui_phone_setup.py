"""Getting a login onto a phone over HTTP: the generated password shown once, the QR
code, the configuration profile (CalDAV, and CardDAV where the login has it), the
dashboard's refused sign-ins with their reason, and the audit log."""

from __future__ import annotations

import plistlib
import re

import requests

from resources.auth.credentials import create_credential
from tests.browser.admin_pages import new_account, unique
from tests.browser.http_session import AdminSession
from tests.organisation import phone_login


def test_generated_password_is_shown_once_and_works(server, admin_ui, org):
    username, _http = phone_login(server.base_url, org, password=None)
    shown = admin_ui.post(f"/credentials/{username}/password", {"mode": "generate"})
    assert shown.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code id="generated-password">([^<]+)</code>', shown.text).group(1)
    assert password not in admin_ui.get(f"/credentials/{username}").text
    url = f"{server.base_url}/dav/calendars/{username}/{org.slugs['room_on']}/"
    answer = requests.request(
        "PROPFIND", url, headers={"Depth": "0"}, auth=(username, password), timeout=30
    )
    assert answer.status_code == 207


def test_typed_password_and_test_with_it(server, admin_ui, org):
    username, _http = phone_login(server.base_url, org, password=None)
    admin_ui.post(
        f"/credentials/{username}/password",
        {"mode": "set", "password": "typed-secret-1", "password_repeat": "typed-secret-1"},
    )
    tested = admin_ui.post(
        f"/credentials/{username}/test",
        {"resource": org.slugs["own_person"], "password": "typed-secret-1"},
    )
    assert 'id="test-result" class="passed"' in tested.text
    wrong = admin_ui.post(
        f"/credentials/{username}/test", {"resource": org.slugs["own_person"], "password": "nope"}
    )
    assert re.search(r'class="check bad" data-check="password"', wrong.text)


def test_url_panel_names_the_reason_for_resources_the_login_cannot_see(server, admin_ui, org):
    username, _http = phone_login(server.base_url, org)
    page = admin_ui.get(f"/credentials/{username}?resource={org.slugs['room_off']}").text
    assert "Sync is not switched on" in page
    german = AdminSession(server.base_url, **{"Accept-Language": "de"})
    german.sign_in(*new_account("admin"))
    page = german.get(f"/credentials/{username}?resource={org.slugs['other_person']}").text
    assert "ist der Kalender einer anderen Person" in page


def test_qr_code_is_svg_of_the_resource_url(server, admin_ui, org):
    username, _http = phone_login(server.base_url, org)
    qr = admin_ui.get(f"/credentials/{username}/qr.svg?resource={org.slugs['room_on']}")
    assert qr.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in qr.text and f"/dav/calendars/{username}/{org.slugs['room_on']}/" in qr.text


def test_profile_has_caldav_and_carddav_only_where_the_login_has_it(server, admin_ui, org):
    caldav_only, _http = phone_login(server.base_url, org)
    profile = plistlib.loads(
        admin_ui.get(f"/credentials/{caldav_only}/profile.mobileconfig").content
    )
    assert [p["PayloadType"] for p in profile["PayloadContent"]] == ["com.apple.caldav.account"]
    payload = profile["PayloadContent"][0]
    assert payload["CalDAVHostName"] == "127.0.0.1" and payload["CalDAVUseSSL"] is False
    assert payload["CalDAVPrincipalURL"] == f"/dav/principals/{caldav_only}/"
    both, _http = phone_login(server.base_url, org, service_classes_=("caldav", "carddav"))
    response = admin_ui.get(f"/credentials/{both}/profile.mobileconfig")
    assert response.headers["Content-Type"] == "application/x-apple-aspen-config"
    assert "attachment" in response.headers["Content-Disposition"]
    types = [p["PayloadType"] for p in plistlib.loads(response.content)["PayloadContent"]]
    assert types == ["com.apple.caldav.account", "com.apple.carddav.account"]


def test_dashboard_lists_refused_sign_ins_with_the_reason(server, admin_ui, org):
    username = unique("phone")
    create_credential(
        username, "right-password", account=org.account_id, branch=org.branch_id, confirmed=False
    )
    url = f"{server.base_url}/dav/calendars/{username}/"
    assert (
        requests.request("PROPFIND", url, auth=(username, "right-password"), timeout=30).status_code
        == 401
    )
    dashboard = admin_ui.get("/dashboard").text
    assert re.search(
        rf">{username}</a></td>\s*<td[^>]*>The login has not been confirmed by an administrator",
        dashboard,
    )


def test_audit_log_shows_who_changed_what(server, admin_ui, org):
    username, _http = phone_login(server.base_url, org, password=None)
    admin_ui.post(f"/credentials/{username}/password", {"mode": "generate"})
    log = admin_ui.get("/audit").text
    assert "credential.password" in log and username in log
