"""The URL panel and the connection test in a real browser (issue 12 items 5 and 6), at
desktop and phone width, in English and German: a refused resource hides the QR code
and the URL line, a CardDAV-only login shows its address book URLs with QR codes and is
tested with CardDAV, the .mobileconfig follows the chosen resource, the test result
follows POST-redirect-GET, CardDAV integrations have their own screen, switches that
take data off every phone ask first, the labels, the password hint and the menu."""

from __future__ import annotations

import plistlib
from urllib.parse import urlsplit

import pytest

from resources.auth.credentials import create_credential, find_credential
from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.resource_calendars import find_resource
from tests.browser.admin_pages import sign_in
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.logins import new_account, unique
from tests.organisation import build_org, phone_login

LOOKS = {
    "en-desktop": ("en-GB", DESKTOP),
    "en-phone": ("en-GB", PHONE),
    "de-desktop": ("de-DE", DESKTOP),
    "de-phone": ("de-DE", PHONE),
}
WORDS = {
    "en": {
        "logins": "Service logins",
        "service_class": "Service class",
        "short_name": "short name",
        "keep": "Leave empty to keep the current password.",
        "book": "Company address book",
    },
    "de": {
        "logins": "Servicezugangsdaten",
        "service_class": "Serviceklasse",
        "short_name": "Kurzname",
        "keep": "Leer lassen, um das bisherige Passwort zu behalten.",
        "book": "Firmenadressbuch",
    },
}


@pytest.fixture(scope="module")
def org(server):
    return build_org()


@pytest.fixture(params=list(LOOKS), ids=list(LOOKS))
def look(request) -> tuple[str, str, dict]:
    """(name, language, viewport) of one of the four looks."""
    locale, viewport = LOOKS[request.param]
    return request.param, locale[:2], viewport


@pytest.fixture
def admin_page(server, browser, look):
    name, _language, viewport = look
    page = new_page(browser, locale=LOOKS[name][0], viewport=viewport)
    sign_in(page, server.base_url, *new_account("admin"))
    yield page
    page.context.close()


def _visible(page, selector: str) -> bool:
    return page.locator(selector).is_visible()


def _images_all_load(page) -> bool:
    return page.evaluate(
        "Array.from(document.querySelectorAll('#url-panel img'))"
        ".every(i => i.hidden || (i.complete && i.naturalWidth > 0))"
    )


def _wait_for_images(page) -> None:
    for _ in range(100):
        if _images_all_load(page):
            return
        page.wait_for_timeout(50)
    raise AssertionError("an image of the URL panel did not load")


def _no_sideways_scroll(page, look) -> None:
    assert_fits(page, look[2]["width"])


def test_refused_resource_hides_qr_url_and_profile(server, admin_page, org, look):
    page = admin_page
    username, _http = phone_login(server.base_url, org)
    page.goto(f"{server.base_url}/admin/credentials/{username}?resource={org.slugs['room_on']}")
    assert _visible(page, "#resource-qr") and _visible(page, "#url-line")
    page.select_option("#resource-choice", org.slugs["room_off"])
    assert not _visible(page, "#resource-qr")
    assert not _visible(page, "#url-line")
    assert not _visible(page, "#profile-download")
    assert _visible(page, "#resource-refusal")
    screenshot(page, f"url-panel-refused-{look[0]}")
    page.select_option("#resource-choice", org.slugs["room_on"])
    assert _visible(page, "#resource-qr") and _visible(page, "#url-line")
    assert not _visible(page, "#resource-refusal")
    assert page.get_attribute("#profile-download", "href").endswith(
        f"?resource={org.slugs['room_on']}"
    )
    _wait_for_images(page)
    # Opened with a refused resource: nothing broken or empty is shown either.
    page.goto(f"{server.base_url}/admin/credentials/{username}?resource={org.slugs['room_off']}")
    assert not _visible(page, "#resource-qr") and not _visible(page, "#url-line")
    assert page.get_attribute("#resource-qr", "src") is None
    _no_sideways_scroll(page, look)


def test_carddav_only_login_shows_address_book_urls_and_tests_carddav(
    server, admin_page, org, look
):
    page = admin_page
    username, _http = phone_login(server.base_url, org, service_classes_=("carddav",))
    page.goto(f"{server.base_url}/admin/credentials/{username}")
    assert page.locator("#resource-choice").count() == 0 and _visible(page, "#no-calendar")
    urls = [u.strip() for u in page.locator(".book-url code").all_inner_texts()]
    assert urls == [
        f"{server.base_url}/dav/addressbooks/{username}/contacts/",
        f"{server.base_url}/dav/addressbooks/{username}/company/",
    ]
    assert page.locator(".book-url img.qr").count() == 2
    _wait_for_images(page)
    assert WORDS[look[1]]["book"] in page.inner_text("#url-panel")
    qr = page.request.get(
        server.base_url + page.locator(".book-url img.qr").nth(1).get_attribute("src")
    )
    assert qr.ok and f"/dav/addressbooks/{username}/company/" in qr.text()
    page.fill("#f-test-password", "secret-pw")
    with page.expect_navigation():
        page.click("#run-test")
    assert page.locator("#test-result.passed").count() == 1
    assert page.get_attribute("#test-result", "data-service") == "carddav"
    checks = page.locator("li.check").evaluate_all("items => items.map(i => i.dataset.check)")
    assert checks[-4:] == ["options", "addressbook", "company_book", "password"]
    assert "CalDAV" not in page.inner_text("#test-result")
    screenshot(page, f"carddav-login-{look[0]}")
    _no_sideways_scroll(page, look)


def test_both_services_choose_what_to_test(server, admin_page, org, look):
    page = admin_page
    username, _http = phone_login(server.base_url, org, service_classes_=("caldav", "carddav"))
    page.goto(f"{server.base_url}/admin/credentials/{username}?resource={org.slugs['room_on']}")
    assert page.locator(".book-url").count() == 2 and _visible(page, "#resource-qr")
    page.check("input[name=service][value=carddav]")
    with page.expect_navigation():
        page.click("#run-test")
    assert page.get_attribute("#test-result", "data-service") == "carddav"
    assert page.is_checked("input[name=service][value=carddav]")
    page.check("input[name=service][value=caldav]")
    with page.expect_navigation():
        page.click("#run-test")
    assert page.get_attribute("#test-result", "data-service") == "caldav"
    assert page.locator('li.check[data-check="propfind"]').count() == 1


def test_test_result_follows_post_redirect_get(server, admin_page, org, look):
    page = admin_page
    username, _http = phone_login(server.base_url, org)
    start = f"{server.base_url}/admin/credentials/{username}?resource={org.slugs['room_on']}"
    page.goto(start)
    page.fill("#f-test-password", "secret-pw")
    with page.expect_navigation():
        page.click("#run-test")
    result_url = page.url
    path = urlsplit(result_url)
    assert path.path == f"/admin/credentials/{username}/test"
    assert f"resource={org.slugs['room_on']}" in path.query
    assert page.locator("#test-result.passed").count() == 1
    assert page.locator('li.check.ok[data-check="password"]').count() == 1
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.reload()
    assert posts == [] and page.locator("#test-result.passed").count() == 1
    assert page.locator('li.check.ok[data-check="password"]').count() == 1
    page.go_back()
    assert page.url == start and page.locator("#test-result").count() == 0
    page.go_forward()
    assert page.locator("#test-result.passed").count() == 1 and posts == []
    # The address opens directly in a new tab; a wrong password is named there too.
    other = page.context.new_page()
    other.goto(result_url)
    assert other.locator("#test-result.passed").count() == 1
    other.close()
    page.goto(start)
    page.fill("#f-test-password", "wrong-password")
    with page.expect_navigation():
        page.click("#run-test")
    assert page.locator('li.check.bad[data-check="password"]').count() == 1
    page.reload()
    assert page.locator('li.check.bad[data-check="password"]').count() == 1


def test_mobileconfig_follows_the_chosen_resource(server, admin_page, org, look):
    page = admin_page
    username, _http = phone_login(server.base_url, org)
    page.goto(f"{server.base_url}/admin/credentials/{username}")
    page.select_option("#resource-choice", org.slugs["own_person"])
    assert find_resource(org.slugs["own_person"]).name in page.inner_text("#profile-download")
    with page.expect_download() as waiting:
        page.click("#profile-download")
    profile = plistlib.loads(open(waiting.value.path(), "rb").read())
    (caldav,) = profile["PayloadContent"]
    assert caldav["CalDAVPrincipalURL"] == f"/dav/calendars/{username}/{org.slugs['own_person']}/"
    page.select_option("#resource-choice", org.slugs["room_on"])
    with page.expect_download() as waiting:
        page.click("#profile-download")
    room = plistlib.loads(open(waiting.value.path(), "rb").read())
    assert room["PayloadContent"][0]["CalDAVPrincipalURL"].endswith(f"/{org.slugs['room_on']}/")
    assert room["PayloadUUID"] != profile["PayloadUUID"]
    refused = page.request.get(
        f"{server.base_url}/admin/credentials/{username}/profile.mobileconfig"
        f"?resource={org.slugs['room_off']}"
    )
    assert refused.status == 404


def test_carddav_integration_has_its_own_screen(server, admin_page, org, look):
    page = admin_page
    login = unique("fritz")
    create_account(login, employee=org.employee_id)
    page.goto(f"{server.base_url}/admin/credentials")
    with page.expect_navigation():
        page.click("#carddav-integrations")
    with page.expect_navigation():
        page.click("#new-integration")
    page.locator("#f-account").select_option(label=login)
    with page.expect_navigation():
        page.click("#save")
    username = f"{login}-carddav"
    password = page.inner_text("#generated-password").strip()
    url = page.inner_text("#integration-url").strip()
    assert url == f"{server.base_url}/dav/addressbooks/{username}/company/"
    assert len(password) >= 16
    _wait_until_loaded(page, "#integration-qr")
    screenshot(page, f"carddav-integration-{look[0]}")
    page.goto(f"{server.base_url}/admin/carddav-integrations")
    assert url in page.inner_text("table.list")
    page.click(f"text={username}")
    assert page.inner_text("#integration-url").strip() == url
    assert page.locator("#generated-password").count() == 0
    page.click("#integration-settings")
    assert _visible(page, "#integration-note")
    assert page.locator(".book-url code").all_inner_texts() == [url]
    _no_sideways_scroll(page, look)


def _wait_until_loaded(page, selector: str) -> None:
    for _ in range(100):
        if page.evaluate(
            f"(() => {{ const i = document.querySelector('{selector}');"
            " return i.complete && i.naturalWidth > 0; })()"
        ):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{selector} did not load")


def test_switching_sync_off_asks_first(server, admin_page, org, look):
    page = admin_page
    slug = org.slugs["room_on"]
    page.goto(f"{server.base_url}/admin/resources")
    switch = page.locator(f"form[action$='/resources/{slug}/sync'] button")
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    switch.click()
    page.wait_for_timeout(200)
    assert asked and find_resource(slug).name in asked[0]
    assert find_resource(slug).sync_allowed
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        switch.click()
    assert not find_resource(slug).sync_allowed
    asked.clear()
    page.on("dialog", lambda dialog: asked.append(dialog.message) or dialog.accept())
    with page.expect_navigation():
        page.locator(f"form[action$='/resources/{slug}/sync'] button").click()
    assert asked == [] and find_resource(slug).sync_allowed  # switching on asks nothing


def test_labels_one_name_per_thing(server, admin_page, org, look):
    page = admin_page
    words = WORDS[look[1]]
    page.goto(f"{server.base_url}/admin/credentials")
    assert page.inner_text("h1").strip() == words["logins"]
    assert words["logins"] in page.locator("nav.menu").inner_text()
    assert page.title().startswith(words["logins"])
    page.goto(f"{server.base_url}/admin/credentials/new")
    assert words["service_class"] in page.inner_text("#f-service_classes legend")
    name = f"Filiale {unique('Nord')}" if look[1] == "de" else f"Branch {unique('North')}"
    branch = create_branch(name)
    page.goto(f"{server.base_url}/admin/branches/{branch.id}")
    assert page.inner_text("h1").strip() == name
    page.goto(f"{server.base_url}/admin/resources/new")
    page.fill("#f-name", unique("Raum"))
    page.fill("#f-slug", org.slugs["room_on"])
    page.locator("#f-kind").select_option("room")
    with page.expect_navigation():
        page.click("#save")
    assert words["short_name"] in page.inner_text("#f-slug-error")
    assert "slug" not in page.inner_text("main").replace(org.slugs["room_on"], "")


def test_keep_password_hint_only_where_there_is_one(server, admin_page, org, look):
    page = admin_page
    keep = WORDS[look[1]]["keep"]
    page.goto(f"{server.base_url}/admin/accounts/new")
    assert keep not in page.inner_text("main")
    without = create_account(unique("nopw"))
    page.goto(f"{server.base_url}/admin/accounts/{without.id}")
    assert keep not in page.inner_text("main")
    with_password = create_account(unique("pw"), password="a-password-1")
    page.goto(f"{server.base_url}/admin/accounts/{with_password.id}")
    assert keep in page.inner_text("main")
    described = page.get_attribute("#f-password", "aria-describedby") or ""
    assert all(page.locator(f"#{i}").count() == 1 for i in described.split())


def test_menu_is_one_line_at_phone_width(server, admin_page, look):
    page = admin_page
    page.goto(f"{server.base_url}/admin/credentials")
    links = page.locator("nav.menu a")
    tops = set(links.evaluate_all("items => items.map(i => Math.round(i.offsetTop))"))
    if look[2] is PHONE:
        assert max(tops) - min(tops) <= 4, tops  # one line (the current item has a border)
        height = page.evaluate("document.querySelector('nav.menu').getBoundingClientRect().height")
        assert height < 60
        current = page.locator("nav.menu a[aria-current]")
        assert current.is_visible()
    _no_sideways_scroll(page, look)
    screenshot(page, f"menu-{look[0]}")


def test_cli_and_ui_create_logins_in_the_same_state(server, admin_page, org, look, tmp_path):
    import subprocess
    import sys

    page = admin_page
    username = unique("ui-phone")
    page.goto(f"{server.base_url}/admin/credentials/new")
    page.fill("#f-username", username)
    page.locator("#f-account").select_option(str(org.account_id))
    page.locator("#f-branch").select_option(str(org.branch_id))
    with page.expect_navigation():
        page.click("#save")
    assert find_credential(username).confirmed is False
    database = f"sqlite:///{tmp_path}/cli.db"

    def add(*extra: str) -> bool:
        name = unique("cli")
        done = subprocess.run(
            [sys.executable, "-m", "davserver", "credential", "add", name, *extra]
            + ["--database", database],
            input="cli-password-1\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        listing = subprocess.run(
            [sys.executable, "-m", "davserver", "credential", "list", "--database", database],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        (line,) = [row for row in listing.splitlines() if row.startswith(name)]
        return line.split()[2] == "yes"

    if look[0] != "en-desktop":
        return  # the command line has no look: once is enough
    assert add() is False
    assert add("--confirmed") is True
    assert add("--unconfirmed") is False


def test_self_service_page_shares_the_panel(server, browser, org, look):
    """A user's own login page: refused resources are not offered, the QR codes load."""
    login, password = unique("self"), "self-password-1"
    create_account(login, password=password, employee=org.employee_id)
    from resources.store.organisation import UserAccount

    account = UserAccount.get(UserAccount.login == login)
    username = unique("own")
    create_credential(
        username,
        "secret-pw",
        account=account.id,
        branch=org.branch_id,
        service_classes_=("caldav", "carddav"),
        confirmed=True,
    )
    page = new_page(browser, locale=LOOKS[look[0]][0], viewport=look[2])
    try:
        sign_in(page, server.base_url, login, password)
        page.goto(f"{server.base_url}/admin/me/logins/{username}")
        assert page.locator(".book-url").count() == 2
        _wait_for_images(page)
        assert page.get_attribute("#profile-download", "href").endswith(
            "?resource=" + page.locator("#resource-choice").input_value()
        )
        _no_sideways_scroll(page, look)
    finally:
        page.context.close()


def _dismissed_then_accepted(page, click, *, changed) -> str:
    """Click once and say no (nothing changes), then again and say yes; the question."""
    asked: list[str] = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    click()
    page.wait_for_timeout(200)
    assert asked and not changed()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        click()
    assert changed()
    return asked[0]


def test_export_switch_and_unticking_in_forms_ask_first(server, admin_page, org, look):
    from resources.company_directory import directory
    from resources.store.directory import ContactPerson

    page = admin_page
    company = directory.create_company(name=unique("Kunde GmbH"), category="customer")
    anna = directory.create_contact(
        company.id, first_name="Anna", last_name=unique("Kunde"), export_carddav=True
    )
    page.goto(f"{server.base_url}/admin/directory/contacts")
    question = _dismissed_then_accepted(
        page,
        lambda: page.locator(f"form[action$='/contacts/{anna.id}/export'] button").click(),
        changed=lambda: not ContactPerson.get_by_id(anna.id).export_carddav,
    )
    assert anna.last_name in question
    directory.update_contact(anna.id, {"export_carddav": True})
    page.goto(f"{server.base_url}/admin/directory/contacts/{anna.id}")

    def untick_and_save():
        page.uncheck("#f-export_carddav")
        page.click("#save")

    _dismissed_then_accepted(
        page, untick_and_save, changed=lambda: not ContactPerson.get_by_id(anna.id).export_carddav
    )
    slug = org.slugs["room_on"]
    page.goto(f"{server.base_url}/admin/resources/{slug}")

    def untick_sync():
        page.uncheck("#f-sync_allowed")
        page.click("#save")

    try:
        question = _dismissed_then_accepted(
            page, untick_sync, changed=lambda: not find_resource(slug).sync_allowed
        )
        assert find_resource(slug).name in question
    finally:
        from resources.organisation.resource_calendars import set_sync_allowed

        set_sync_allowed(slug, True)
