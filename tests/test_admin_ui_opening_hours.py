"""A branch's opening hours on its admin page, in the browser in German and English:
written freely (German or English days), kept in their normal form, and a value that
cannot be read refused next to the field in the page's language. What they do to
free-busy is tested in tests/test_free_busy_outbox.py."""

from __future__ import annotations

import pytest

from resources.organisation.branches import create_branch, get_branch
from tests.browser.admin_pages import fill_form, new_account, save, sign_in, unique
from tests.browser.chromium import new_page

WORDS = {
    "de-DE": ("Öffnungszeiten", "lässt sich nicht als Öffnungszeiten lesen"),
    "en-GB": ("Opening hours", "cannot be read as opening hours"),
}


@pytest.mark.parametrize("locale", sorted(WORDS))
def test_opening_hours_on_the_branch_page(server, browser, locale):
    label, refusal = WORDS[locale]
    branch = create_branch(unique("Filiale"))
    page = new_page(browser, locale=locale)
    sign_in(page, server.base_url, *new_account("admin"))
    page.goto(f"{server.base_url}/admin/branches/{branch.id}")
    assert page.locator('label[for="f-opening_hours"]').inner_text().strip().startswith(label)
    fill_form(page, {"opening_hours": "Di 9:00-12:00; mo-fr 8:00-12:00, 13:00-17:30"})
    save(page)
    assert get_branch(branch.id).opening_hours == "Mo-Fr 08:00-12:00,13:00-17:30"
    page.goto(f"{server.base_url}/admin/branches/{branch.id}")
    assert page.input_value("#f-opening_hours") == "Mo-Fr 08:00-12:00,13:00-17:30"
    fill_form(page, {"opening_hours": "Mo 18:00-08:00"})
    page.click("#save")
    error = page.locator("#f-opening_hours-error")
    assert refusal in error.inner_text() and "Mo 18:00-08:00" in error.inner_text()
    assert page.get_attribute("#f-opening_hours", "aria-invalid") == "true"
    assert get_branch(branch.id).opening_hours == "Mo-Fr 08:00-12:00,13:00-17:30"  # unchanged
