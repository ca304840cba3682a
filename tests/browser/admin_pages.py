"""Driving admin pages in the browser: signing in, filling a form by field names
(text, selects by visible label, checkboxes) and saving it."""

from __future__ import annotations

import pytest

from tests.browser.http_session import AdminSession
from tests.logins import new_account, unique

__all__ = ["admin", "create_through_form", "fill_form", "new_account", "save", "sign_in", "unique"]


def sign_in(page, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login")
    page.fill("#f-login", login)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("#sign-in")


def fill_form(page, values: dict) -> None:
    """Text by value, selects by option label, checkboxes by True/False."""
    for name, value in values.items():
        field = page.locator(f'form.record [name="{name}"]')
        tag = field.first.evaluate(
            "element => element.tagName.toLowerCase() + ':' + (element.type || '')"
        )
        if tag.startswith("select"):
            field.select_option(label=value)
        elif tag.endswith(":checkbox") and isinstance(value, bool):
            field.set_checked(value)
        else:
            field.fill(value)


def save(page) -> None:
    with page.expect_navigation():
        page.click("#save")


def create_through_form(page, base_url: str, path: str, values: dict) -> None:
    page.goto(f"{base_url}/admin{path}")
    fill_form(page, values)
    save(page)


@pytest.fixture
def admin(admin_ui: AdminSession) -> AdminSession:
    """Only for test modules that still import it, where it shadows the JSON API's `admin`:
    new tests ask for `admin_ui` (tests/browser/fixtures.py) instead."""
    return admin_ui
