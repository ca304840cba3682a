"""Imports in a real browser (issue 12 §3, §8): an administrator imports an .ics file
into a resource calendar and a .vcf file into the contacts directory, a user into
their own login's calendar and address book; the page shows the progress, the
count and the skipped objects with the file's lines, in English and German, at
desktop and phone width."""

from __future__ import annotations

import uuid

import pytest

from resources.auth.credentials import create_credential
from resources.organisation.accounts import get_account, update_account
from resources.organisation.branches import default_branch
from resources.organisation.resource_calendars import create_resource
from resources.store.directory import ContactPerson
from tests.browser.admin_pages import new_account, sign_in, unique
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.import_files import CALENDAR_FILE, VCARD_FILE, unique_file
from tests.organisation import build_org

LOCALES = {"en": "en-GB", "de": "de-DE"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
WORDS = {
    "en": {"title": "Import a file", "summary": "2 of 4 objects imported, 2 skipped."},
    "de": {"title": "Datei importieren", "summary": "2 von 4 Objekten importiert, 2 übersprungen."},
}


def upload(page, base_url: str, target: str, name: str, body: bytes) -> None:
    page.goto(f"{base_url}/admin/import")
    page.select_option("#f-target", target)
    page.set_input_files("#f-file", {"name": name, "mimeType": "text/plain", "buffer": body})
    with page.expect_navigation():
        page.click("#start-import")
    page.wait_for_selector("#import-another")


def fits(page, size: dict) -> None:
    assert_fits(page, size["width"])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LOCALES)
def test_admin_imports_ics_into_a_resource_calendar(server, browser, language, size):
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    try:
        sign_in(page, server.base_url, *new_account("admin"))
        room = create_resource("room", unique("Import room"), unique("import-room"))
        page.goto(f"{server.base_url}/admin/import")
        assert page.inner_text("h1") == WORDS[language]["title"]
        fits(page, SIZES[size])
        body, _mark = unique_file(CALENDAR_FILE)
        upload(page, server.base_url, f"resource:{room.slug}", "calendar.ics", body)
        assert room.name in page.inner_text("h1")
        assert page.inner_text("#import-summary") == WORDS[language]["summary"]
        assert page.locator("ol.import-progress li progress").last.get_attribute("value") == "4"
        lines = page.locator("#skipped tbody tr td:first-child").all_inner_texts()
        assert lines == ["27", "40"]
        assert "line 30" in page.locator("#skipped tbody tr").first.inner_text()
        assert page.locator("#import-uids").count() == 1
        fits(page, SIZES[size])
        screenshot(page, f"import-ics-{language}-{size}")
        week = page.goto(f"{server.base_url}/admin/resources/{room.slug}/week?start=2026-12-07")
        assert week.status == 200 and "Imported planning" in page.inner_text(".week")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LOCALES)
def test_admin_imports_vcf_into_the_contacts_directory(server, browser, language, size):
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    try:
        sign_in(page, server.base_url, *new_account("admin"))
        body, mark = unique_file(VCARD_FILE)
        upload(page, server.base_url, "directory", "contacts.vcf", body)
        rows = page.locator("#skipped tbody tr")
        assert rows.locator("td:first-child").all_inner_texts() == ["19", "25"]
        company_reason = rows.nth(1).inner_text()
        assert ("ORG" in company_reason) and (
            ("company" in company_reason) if language == "en" else ("Firma" in company_reason)
        )
        assert ContactPerson.get(ContactPerson.uid == f"import-card-1-{mark}@example.com")
        fits(page, SIZES[size])
        screenshot(page, f"import-vcf-directory-{language}-{size}")
    finally:
        page.context.close()


def user_with_logins() -> tuple[str, str, str]:
    org = build_org()
    password = f"pw-{uuid.uuid4().hex[:12]}"
    account = update_account(org.account_id, {"password": password})
    username = unique("phone")
    create_credential(
        username,
        None,
        account=org.account_id,
        branch=default_branch().id,
        service_classes_=("caldav", "carddav"),
        confirmed=True,
    )
    return get_account(account.id).login, password, username


@pytest.mark.parametrize("language, size", [("en", "desktop"), ("de", "phone")])
def test_user_imports_into_own_calendar_and_book_only(server, browser, language, size):
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    try:
        login, password, username = user_with_logins()
        sign_in(page, server.base_url, login, password)
        offered = (
            page.locator("#f-target option")
            if page.goto(f"{server.base_url}/admin/import")
            else None
        )
        values = offered.evaluate_all("options => options.map(o => o.value)")
        assert "directory" not in values and not any(v.startswith("resource:") for v in values)
        assert all(f"/{username}/" in v for v in values)
        calendar = f"/dav/calendars/{username}/calendar/"
        book = f"/dav/addressbooks/{username}/contacts/"
        assert calendar in values and book in values
        body, _mark = unique_file(CALENDAR_FILE)
        upload(page, server.base_url, calendar, "calendar.ics", body)
        assert page.inner_text("#import-summary") == WORDS[language]["summary"]
        cards, _mark = unique_file(VCARD_FILE)
        upload(page, server.base_url, book, "contacts.vcf", cards)
        assert page.locator("#skipped tbody tr td:first-child").all_inner_texts() == ["19"]
        fits(page, SIZES[size])
        screenshot(page, f"import-user-{language}-{size}")
        page.goto(f"{server.base_url}/admin/import")
        page.select_option("#f-target", calendar)
        page.set_input_files(
            "#f-file", {"name": "contacts.vcf", "mimeType": "text/vcard", "buffer": cards}
        )
        with page.expect_navigation():
            page.click("#start-import")
        assert page.locator("#f-file-error").count() == 1  # a calendar takes an .ics file
    finally:
        page.context.close()
