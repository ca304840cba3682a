"""Admin lists in a real browser (issue 12 §2): search, sorting and paging of a list,
and the audit log's filters and sentences, at desktop and phone width, in English and
German."""

from __future__ import annotations

from datetime import datetime

import pytest

from davserver.web.admin.i18n import SHOWN_ZONE
from resources.company_directory import phonebook
from resources.organisation.branches import create_branch
from tests.browser.admin_pages import new_account, sign_in, unique
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot

pytest_plugins = ["tests.browser.fixtures"]

SETTINGS = [
    ("en-GB", DESKTOP, "Branch created"),
    ("en-GB", PHONE, "Branch created"),
    ("de-DE", DESKTOP, "Filiale angelegt"),
    ("de-DE", PHONE, "Filiale angelegt"),
]
IDS = ["english-desktop", "english-phone", "german-desktop", "german-phone"]


@pytest.fixture
def signed_in(server, browser, request):
    locale, viewport, _sentence = request.param
    page = new_page(browser, locale=locale, viewport=viewport)
    login, password = new_account()
    sign_in(page, server.base_url, login, password)
    yield page, login
    page.context.close()


def sort_by(page, sort: str) -> None:
    """On a desktop by the column's heading (twice turns it around), on a phone, where
    the table has no headings, by the sort choice next to the search box."""
    if page.viewport_size["width"] > PHONE["width"]:
        heading = page.locator(f'th:has(a[data-sort="{sort.lstrip("-")}"])')
        with page.expect_navigation():
            heading.locator("a").click()
        wanted = "descending" if sort.startswith("-") else "ascending"
        assert heading.get_attribute("aria-sort") == wanted
    else:
        page.select_option("#list-sort", sort)
        with page.expect_navigation():
            page.click("#list-search")


def _rows(page) -> list[str]:
    return [text.strip() for text in page.locator("table.list tbody tr").all_inner_texts()]


@pytest.mark.parametrize("signed_in", SETTINGS, ids=IDS, indirect=True)
def test_search_sort_and_pages_of_the_phonebook(server, signed_in):
    page, _login = signed_in
    tag = unique("Liste")
    phonebook.import_source(
        tag,
        [
            {"first_name": f"P{n:02d}", "last_name": f"{tag} {n:02d}", "phone_work": f"+49 {n}"}
            for n in range(60)
        ],
    )
    page.goto(f"{server.base_url}/admin/phonebook")
    page.fill("#list-q", tag)
    with page.expect_navigation():
        page.click("#list-search")
    assert len(_rows(page)) == 50 and page.locator("#next-page").count() == 1

    sort_by(page, "last_name")
    assert page.input_value("#list-sort") == "last_name"
    assert "P00" in _rows(page)[0] and "P49" in _rows(page)[49]
    with page.expect_navigation():
        page.click("#next-page")
    rows = _rows(page)
    assert len(rows) == 10 and "P50" in rows[0] and "P59" in rows[9]
    assert page.locator("#next-page").count() == 0 and page.locator("#first-page").count() == 1
    assert page.input_value("#list-q") == tag  # the search stays with the page

    sort_by(page, "-last_name")
    assert page.input_value("#list-sort") == "-last_name"
    assert "P59" in _rows(page)[0]
    assert_fits(page, page.viewport_size["width"])
    screenshot(page, f"phonebook-list-{page.viewport_size['width']}")

    page.fill("#list-q", unique("nobody"))
    with page.expect_navigation():
        page.click("#list-search")
    assert len(_rows(page)) == 1 and page.locator("#next-page").count() == 0


@pytest.mark.parametrize("signed_in", SETTINGS, ids=IDS, indirect=True)
def test_the_audit_log_filters_and_speaks_in_sentences(server, signed_in, request):
    page, login = signed_in
    sentence = request.node.callspec.params["signed_in"][2]
    name = unique("Filiale")
    create_branch(name, actor=login)
    create_branch(unique("Filiale"), actor="someone-else")
    page.goto(f"{server.base_url}/admin/audit")
    page.select_option("#f-actor", login)
    page.select_option("#f-action", "branch.create")
    today = datetime.now(SHOWN_ZONE).date().isoformat()  # the admin reads days in its zone
    page.fill("#f-from", today)
    page.fill("#f-until", today)
    with page.expect_navigation():
        page.click("#apply-filters")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert f"{sentence}: {name}" in text and login in text
    assert "branch.create" not in page.inner_text("main")
    assert rows.first.get_attribute("data-action") == "branch.create"
    screenshot(page, f"audit-filtered-{page.viewport_size['width']}")

    page.fill("#f-until", "2001-01-01")
    with page.expect_navigation():
        page.click("#apply-filters")
    assert page.locator("table.audit").count() == 0
