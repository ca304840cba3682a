"""The phonebook and the company book in a real browser (issue 12 item 4), at desktop
and phone width, in English and German: a synced entry copied to manual and the copy
edited, a second copy refused, the company book switched off and on, the installation
language, and each step checked in the book as a phone reads it over CardDAV."""

from __future__ import annotations

import pytest

from davserver.web.admin.i18n import catalog
from resources.company_directory import directory, phonebook
from resources.company_directory.book_language import set_installation_language
from resources.store.directory import ContactPerson, PhonebookEntry
from tests import company_book_reading as book
from tests.browser.admin_pages import fill_form, new_account, save, sign_in, unique
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.conftest import make_login

LAYOUTS = [
    pytest.param((viewport, locale), id=f"{name}-{locale[:2]}")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE))
    for locale in ("en-GB", "de-DE")
]


def words(locale: str, message: str, **values: object) -> str:
    """The UI's sentence in the page's language, as the catalog has it."""
    text = catalog(locale[:2]).gettext(message)
    return text % values if values else text


@pytest.fixture
def admin_page(server, browser, request):
    viewport, locale = request.param
    opened = new_page(browser, locale=locale, viewport=viewport)
    sign_in(opened, server.base_url, *new_account("admin"))
    yield opened, viewport, locale
    opened.context.close()


@pytest.fixture
def book_restored():
    yield
    directory.enable_company_book()
    set_installation_language("en")


@pytest.mark.parametrize("admin_page", LAYOUTS, indirect=True)
def test_copy_to_manual_then_edit_the_copy(server, admin_page):
    page, viewport, locale = admin_page
    base = f"{server.base_url}/admin"
    login = make_login(server, "phone")
    source, tag = unique("CRM"), unique("Sync")
    phonebook.import_source(
        source,
        [{"first_name": "Sven", "last_name": tag, "phone_work": "+49 30 1", "external_id": "7"}],
    )
    synced = PhonebookEntry.get((PhonebookEntry.origin == source) & (PhonebookEntry.source == "S"))
    assert len(book.cards_with(login, tag)) == 1

    page.goto(f"{base}/phonebook")
    row = page.locator(f"#entry-{synced.id}")
    assert row.locator(".marker.S").is_visible()
    copy_button = row.locator("button.copy-entry")
    assert copy_button.inner_text() == words(locale, "Copy to manual")
    assert_fits(page, viewport["width"])
    with page.expect_navigation():
        copy_button.click()
    copy = PhonebookEntry.get((PhonebookEntry.source == "M") & (PhonebookEntry.last_name == tag))
    assert page.url.endswith(f"/admin/phonebook/{copy.id}")
    assert page.inner_text("h1") == words(locale, "Edit manual entry")
    assert words(
        locale,
        "%(name)s is copied into a manual entry; it stays when the next sync runs.",
        name=f"Sven {tag}",
    ) in page.inner_text("main")
    [card] = book.cards_with(login, tag)
    assert "X-DAVSERVER-SOURCE:M" in card  # one card: the copy stands in for the synced one

    fill_form(page, {"phone_work": "+49 30 999", "company": "Taxi Süd"})
    assert_fits(page, viewport["width"])
    screenshot(page, f"phonebook-edit-{viewport['width']}-{locale}")
    save(page)
    assert words(locale, "The manual entry is saved.") in page.inner_text("main")
    [card] = book.cards_with(login, tag)
    assert "TEL;TYPE=WORK,VOICE:+49 30 999" in card and "ORG:Taxi Süd" in card

    page.goto(f"{base}/phonebook")
    row = page.locator(f"#entry-{synced.id}")
    assert row.locator("button.copy-entry").count() == 0
    assert words(locale, "the phones show its manual copy") in row.inner_text()
    assert words(locale, "copy of a synced entry") in page.inner_text(f"#entry-{copy.id}")
    assert_fits(page, viewport["width"])
    screenshot(page, f"phonebook-list-{viewport['width']}-{locale}")

    # A second copy from a page opened before the first one: nothing new is made.
    page.evaluate(
        """([action]) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            form.appendChild(document.querySelector('input[name=csrf_token]').cloneNode());
            document.body.appendChild(form);
            form.submit();
        }""",
        [f"/admin/phonebook/{synced.id}/copy"],
    )
    page.wait_for_url(f"**/admin/phonebook/{copy.id}")
    assert words(
        locale, "%(name)s has a manual copy already; no second one was made.", name=f"Sven {tag}"
    ) in page.inner_text("main")
    assert PhonebookEntry.select().where(PhonebookEntry.last_name == tag).count() == 2
    assert len(book.cards_with(login, tag)) == 1

    answer = page.goto(f"{base}/phonebook/{synced.id}")
    assert answer.status == 409
    assert words(
        locale,
        "A synced (S) entry is changed at its source; copy it to manual to edit it here.",
    ) in page.inner_text("main")


@pytest.mark.parametrize("admin_page", LAYOUTS, indirect=True)
def test_company_book_off_and_on_and_its_language(server, admin_page, book_restored):
    page, viewport, locale = admin_page
    base = f"{server.base_url}/admin"
    login = make_login(server, "phone")
    directory.enable_company_book()
    company = directory.create_company(
        name=unique("Kunde GmbH"), category="customer", phone="+49 30 9000"
    )
    page.goto(f"{base}/directory/contacts/new?company={company.id}")
    doctor = unique("Doktor")
    assert page.locator('form.record [name="export_carddav"]').is_checked()
    fill_form(
        page,
        {"salutation": "Frau", "title": "Dr.", "first_name": "Eva", "last_name": doctor},
    )
    fill_form(page, {"phone_work": "+49 30 9001"})
    assert_fits(page, viewport["width"])
    save(page)
    [card] = book.cards_with(login, doctor)
    assert book.field(card, "N") == [f"{doctor};Eva;;Frau Dr.;"] and "ROLE" not in card
    assert "TEL;TYPE=WORK,VOICE,MAIN:+49 30 9000" in card

    quiet = directory.create_contact(company.id, first_name="Uwe", last_name=unique("Leise"))
    assert len(book.cards_with(login, quiet.last_name)) == 1
    page.goto(f"{base}/directory/contacts/{quiet.id}")
    fill_form(page, {"export_carddav": False})
    page.once("dialog", lambda dialog: dialog.accept())  # "Stop exporting ...?" (issue 12 item 6)
    save(page)
    assert book.cards_with(login, quiet.last_name) == []

    page.goto(f"{base}/directory/companies")
    off_button = page.locator("#disable-book")
    assert off_button.inner_text() == words(locale, "Switch the company address book off")
    assert_fits(page, viewport["width"])
    before = book.ctag(login)
    with page.expect_navigation():
        off_button.click()
    assert page.locator("#enable-book").is_visible()
    assert book.cards_with(login, doctor) == [] and book.ctag(login) != before
    screenshot(page, f"company-book-off-{viewport['width']}-{locale}")

    with page.expect_navigation():
        page.click("#enable-book")
    assert page.locator("#disable-book").is_visible()
    assert len(book.cards_with(login, doctor)) == 1
    assert book.cards_with(login, quiet.last_name) == []  # switched off by hand: stays off
    assert not ContactPerson.get_by_id(quiet.id).export_carddav

    page.select_option("#f-installation-language", "de")
    with page.expect_navigation():
        page.click("#save-language")
    assert words(
        locale,
        "The installation language is %(language)s; the phones get the cards in it.",
        language="Deutsch",
    ) in page.inner_text("main")
    assert book.field(book.cards_with(login, doctor)[0], "CATEGORIES") == ["Kunde"]
    assert_fits(page, viewport["width"])
    screenshot(page, f"company-book-language-{viewport['width']}-{locale}")
    page.select_option("#f-installation-language", "en")
    with page.expect_navigation():
        page.click("#save-language")
    assert book.field(book.cards_with(login, doctor)[0], "CATEGORIES") == ["Customer"]
