"""Driving admin pages in the browser: signing in, filling a form by field names
(text, selects by visible label, checkboxes) and saving it."""

from __future__ import annotations

import uuid

import pytest

from resources.organisation.accounts import create_account
from tests.browser.http_session import AdminSession


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_account(role: str = "admin", **options) -> tuple[str, str]:
    """A signed-in-able account with a unique login; returns (login, password)."""
    login, password = unique(role), f"pw-{uuid.uuid4().hex[:12]}"
    create_account(login, role=role, password=password, **options)
    return login, password


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
def admin(server) -> AdminSession:
    """A new administrator signed in to the admin UI over plain HTTP (no browser)."""
    session = AdminSession(server.base_url)
    session.sign_in(*new_account("admin"))
    return session
