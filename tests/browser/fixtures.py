"""The browser fixtures, loaded once per test session as a plugin by the modules that
drive a browser (`pytest_plugins = ["tests.browser.fixtures"]`): one Chromium for the
whole session, a fresh English page per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, new_page


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
