"""External calendars in a real browser (issue 15 item 6), in German and English: an
administrator enters an account of a Radicale on 127.0.0.1 with a wrong password and
sees the failing check in words and nothing saved; with the right one sees the
calendars found (name, colour, components, writable); picks one, a personal calendar
here and the options (each conflict policy explained); presses "Sync now" and sees the
run end ok with its counts and the pair's state; changes the interval; ends the sync
and deletes the account. Every step is in the audit log with who did it."""

from __future__ import annotations

import uuid

import pytest

from resources.auth.audit import recent
from resources.store.external_calendars import ExternalAccount, SyncPair
from tests.browser.admin_pages import new_account, sign_in
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.caldav_remotes import (
    event,
    local_calendar,
    make_calendar,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    summaries,
)

LOCALES = {"en": "en-GB", "de": "de-DE"}
SIZES = {"en": DESKTOP, "de": PHONE}
WORDS = {
    "en": {
        "title": "External calendars",
        "refused": "The CalDAV server refused the user name or password (HTTP 401).",
        "login": "Signing in",
        "newest": "the version changed last",
        "ok": "ok",
        "counts": "here: 1 added, 0 updated, 0 removed; there: 1 sent, 0 deleted",
        "every": "every 15 minutes",
        "none": "none",
    },
    "de": {
        "title": "Externe Kalender",
        "refused": "Der CalDAV-Server hat Benutzername oder Passwort abgelehnt (HTTP 401).",
        "login": "Anmeldung",
        "newest": "die zuletzt geänderte Fassung",
        "ok": "ok",
        "counts": "hier: 1 hinzugefügt, 0 geändert, 0 entfernt; dort: 1 gesendet, 0 gelöscht",
        "every": "alle 15 Minuten",
        "none": "keiner",
    },
}


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.parametrize("language", LOCALES)
def test_enter_an_account_pick_a_calendar_sync_change_and_end_it(
    server, browser, radicale, login, language
):
    words, tag = WORDS[language], uuid.uuid4().hex[:8]
    remote = make_calendar(radicale, f"/{radicale.username}/{tag}/", f"Praxis {tag}")
    put_event(radicale, f"{remote}there.ics", event(f"there-{tag}", "Booked there"))
    local = local_calendar(login)
    put_event(login, f"{local}here.ics", event(f"here-{tag}", "Booked here"))
    accounts_before = ExternalAccount.select().count()
    admin_login, admin_password = new_account("admin")
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[language])
    try:
        sign_in(page, server.base_url, admin_login, admin_password)
        page.goto(f"{server.base_url}/admin/external-calendars")
        assert page.inner_text("h1") == words["title"]
        click_and_wait(page, "#new-account")
        page.fill('[name="url"]', radicale.base_url + remote)
        page.fill('[name="username"]', radicale.username)
        page.fill('[name="password"]', "wrong-password")
        click_and_wait(page, "#save")
        failed = page.locator("li.check.bad")
        assert failed.count() == 1 and failed.get_attribute("data-check") == "login"
        assert words["login"] in failed.inner_text() and words["refused"] in failed.inner_text()
        assert page.locator("li.check.ok").count() == 2  # the address and reaching the server
        assert ExternalAccount.select().count() == accounts_before
        assert page.locator('[name="password"]').input_value() == ""
        page.fill('[name="password"]', radicale.password)
        click_and_wait(page, "#save")
        row = page.locator("tr.remote-calendar")
        assert row.count() == 1 and f"Praxis {tag}" in row.locator(".calendar-name").inner_text()
        assert "VEVENT" in row.inner_text() and radicale.password not in page.content()
        click_and_wait(page, "tr.remote-calendar a.pick")
        assert page.locator("#f-push_existing").is_checked()
        assert page.locator("#f-conflict-remote_wins").is_checked()
        assert page.locator("#f-interval_minutes").input_value() == "5"
        assert words["newest"] in page.inner_text("#f-conflict-newest_wins-help")
        page.select_option("#f-local_calendar", local)
        page.check("#f-conflict-newest_wins")
        click_and_wait(page, "#save")
        pair = SyncPair.select().order_by(SyncPair.id.desc()).first()
        assert (pair.conflict, pair.interval_minutes, pair.push_existing) == (
            "newest_wins",
            5,
            True,
        )
        assert page.inner_text("#pending-pushes") == "1"  # the appointment already here
        click_and_wait(page, "#sync-now")
        page.wait_for_selector('#runs tbody tr:first-child .run-state[data-state="ok"]')
        first = page.locator("#runs tbody tr").first
        assert first.locator(".run-counts").inner_text() == words["counts"]
        assert page.inner_text("#pending-pushes") == "0"
        assert page.inner_text("#last-error") == words["none"]
        assert page.inner_text("#last-pull") and page.inner_text("#last-push")
        assert summaries(radicale, remote) == {
            f"there-{tag}": "Booked there",
            f"here-{tag}": "Booked here",
        }
        assert_fits(page, SIZES[language]["width"])
        screenshot(page, f"external-sync-{language}")
        click_and_wait(page, "#edit-sync")
        page.fill("#f-interval_minutes", "61")
        click_and_wait(page, "#save")
        assert page.locator("#f-interval_minutes-error").count() == 1
        page.fill("#f-interval_minutes", "15")
        click_and_wait(page, "#save")
        assert page.inner_text("#interval-facts") == words["every"]
        page.once("dialog", lambda dialog: dialog.accept())
        click_and_wait(page, "#delete-sync")
        assert SyncPair.get_or_none(SyncPair.id == pair.id) is None
        account = ExternalAccount.get_by_id(pair.account_id)
        page.goto(f"{server.base_url}/admin/external-calendars/accounts/{account.id}")
        page.once("dialog", lambda dialog: dialog.accept())
        click_and_wait(page, "#delete-account")
        assert ExternalAccount.get_or_none(ExternalAccount.id == account.id) is None
    finally:
        page.context.close()
    done = [(e.actor, e.action) for e in recent(200) if e.actor == admin_login]
    for action in (
        "external_account.create",
        "external_sync.create",
        "external_sync.run",
        "external_sync.change",
        "external_sync.delete",
        "external_account.delete",
    ):
        assert (admin_login, action) in done, (action, done)
    assert all(radicale.password not in e.details for e in recent(200))
