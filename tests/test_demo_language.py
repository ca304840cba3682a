"""The demo data speaks one language (issue 12 §6): `davserver serve --demo
--demo-language de|en` fills every name and title in that language, seen in a real
browser at desktop and phone width; another language is refused with a sentence."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest

from resources.organisation.demo import TEXTS
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.server_harness import FreshDatabase, free_port, start_server_process

LOCALES = {"de": "de-DE", "en": "en-GB"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module", params=sorted(LOCALES))
def demo_server(request, tmp_path_factory):
    language = request.param
    folder = tmp_path_factory.mktemp(f"demo-{language}")
    database = FreshDatabase(str(folder))
    server = start_server_process(database.url, folder, "--demo", "--demo-language", language)
    yield language, server
    server.stop()
    database.drop()


def words_of(language: str) -> set[str]:
    texts = TEXTS[language]
    return {
        texts.main_branch[0],
        texts.north_branch[0],
        *texts.rooms,
        texts.team_meeting,
        texts.customer_visit,
        texts.weekly_review,
    }


@pytest.mark.parametrize("size", SIZES)
def test_demo_data_in_one_language(browser, demo_server, size):
    language, server = demo_server
    other = "en" if language == "de" else "de"
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    try:
        page.goto(f"{server.base_url}/admin/login")
        page.fill("#f-login", "admin")
        page.fill("#f-password", "admin")
        with page.expect_navigation():
            page.click("#sign-in")
        shown = []
        for path in ("/branches", "/resources"):
            page.goto(f"{server.base_url}/admin{path}")
            shown.append(page.inner_text("main"))
        monday = date.today() - timedelta(days=date.today().weekday())
        page.goto(f"{server.base_url}/admin/resources/anna/week?start={monday}&with=raum-1")
        shown.append(page.inner_text(".week"))
        screenshot(page, f"demo-{language}-{size}")
        text = "\n".join(shown)
        for word in words_of(language):
            assert word in text, word
        for word in words_of(other) - words_of(language):
            assert word not in text, word
        assert_fits(page, SIZES[size]["width"])
    finally:
        page.context.close()


def test_an_unknown_demo_language_is_refused(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "davserver",
                "serve",
                "--demo",
                "--demo-language",
                "fr",
                "--port",
                str(free_port()),
                "--database",
                database.url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode != 0
        assert "--demo-language must be de or en" in run.stderr
    finally:
        database.drop()
