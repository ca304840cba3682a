"""My account in a real browser (issue 6 §3): a plain user sees only their own logins,
sets a login's password (the phone then signs in with it), gets the URL, QR code and
configuration profile, and switches the language."""

from __future__ import annotations

import plistlib
import uuid

import requests

from resources.auth.credentials import create_credential
from resources.organisation.accounts import get_account, update_account
from tests.browser.admin_pages import sign_in, unique
from tests.browser.chromium import screenshot
from tests.organisation import build_org

PROPFIND = b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>'


def user_with_login(classes: tuple[str, ...] = ("caldav", "carddav")):
    """A plain user account with a password, and a confirmed login without one."""
    org = build_org()
    password = f"pw-{uuid.uuid4().hex[:12]}"
    account = update_account(org.account_id, {"password": password})
    username = unique("phone")
    create_credential(
        username,
        None,
        account=org.account_id,
        branch=org.branch_id,
        service_classes_=classes,
        confirmed=True,
    )
    return org, get_account(account.id).login, password, username


def test_user_sets_own_login_password_and_gets_the_url(server, page):
    org, login, password, username = user_with_login()
    sign_in(page, server.base_url, login, password)
    assert page.url.endswith("/admin/me")
    assert page.locator("nav.menu a", has_text="Branches").count() == 0
    screenshot(page, "my-account")

    page.click(f"text={username}")
    options = page.locator("#resource-choice option")
    offered = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert org.slugs["own_person"] in offered and org.slugs["room_on"] in offered
    assert org.slugs["other_person"] not in offered and org.slugs["room_off"] not in offered
    page.select_option("#resource-choice", org.slugs["own_person"])
    url = page.inner_text("#resource-url").strip()
    assert url == f"{server.base_url}/dav/calendars/{username}/{org.slugs['own_person']}/"

    new_password = f"phone-{uuid.uuid4().hex[:10]}"
    page.fill("#f-password", new_password)
    page.fill("#f-password_repeat", new_password)
    with page.expect_navigation():
        page.click("#set-password")
    assert "is set" in page.inner_text(".notice.ok")
    screenshot(page, "my-login")
    answer = requests.request(
        "PROPFIND",
        url,
        data=PROPFIND,
        headers={"Depth": "0"},
        auth=(username, new_password),
        timeout=30,
    )
    assert answer.status_code == 207

    with page.expect_download() as download:
        page.click("#profile-download")
    profile = plistlib.loads(open(download.value.path(), "rb").read())
    types = [payload["PayloadType"] for payload in profile["PayloadContent"]]
    assert types == ["com.apple.caldav.account", "com.apple.carddav.account"]
    assert profile["PayloadContent"][0]["CalDAVUsername"] == username


def test_user_cannot_open_admin_pages_and_switches_language(server, page):
    _org, login, password, _username = user_with_login(("caldav",))
    sign_in(page, server.base_url, login, password)
    response = page.goto(f"{server.base_url}/admin/credentials")
    assert response.status == 403
    assert "For administrators only" in page.inner_text("h1")
    page.goto(f"{server.base_url}/admin/me")
    with page.expect_navigation():
        page.click("form.language button[value=de]")
    assert page.inner_text("h1") == "Mein Konto"
    screenshot(page, "my-account-de")


def test_mismatched_passwords_are_shown_next_to_the_field(server, page):
    _org, login, password, username = user_with_login(("caldav",))
    sign_in(page, server.base_url, login, password)
    page.goto(f"{server.base_url}/admin/me/logins/{username}")
    page.fill("#f-password", "long-enough-1")
    page.fill("#f-password_repeat", "long-enough-2")
    with page.expect_navigation():
        page.click("#set-password")
    assert "not the same" in page.inner_text("#f-password_repeat-error")
