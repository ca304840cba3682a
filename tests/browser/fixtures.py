"""The admin UI fixtures, registered for every test module by tests/conftest.py: one
Chromium for the whole session, a fresh English page per test, and an administrator
signed in over plain HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, new_page
from tests.browser.http_session import AdminSession
from tests.logins import new_account


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the admin UI tests need Debian's chromium (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    opened = new_page(browser)
    yield opened
    opened.context.close()


@pytest.fixture
def admin_ui(server) -> AdminSession:
    """A new administrator signed in to the admin UI over plain HTTP (no browser)."""
    session = AdminSession(server.base_url)
    session.sign_in(*new_account("admin"))
    return session
