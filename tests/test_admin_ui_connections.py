"""Connections in a real browser (issue 13 §7 and the CSV upload of §4): an administrator
makes a csv-url connection against a local file server with Basic auth, sees a failed
check and nothing saved, then a passing test that offers the file's header fields for
the mapping; presses play and sees the run end ok with its counts; sees a failing
source's run with its message and a run's skipped rows; uploads a CSV file and finds
its entries in the phonebook; edits and deletes a connection. German and English, at
desktop and phone width. A run loop like every server process's takes the queued runs."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors.connections import create_connection
from resources.connectors.run_worker import RunWorker
from resources.store.connectors import Connection, ConnectorRun
from resources.store.directory import PhonebookEntry
from tests.browser.admin_pages import new_account, sign_in
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.source_server import SourceServer

LOCALES = {"en": "en-GB", "de": "de-DE"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
WORDS = {
    "en": {
        "title": "Connections",
        "ok": "ok",
        "failed": "run failed",
        "refused": "refused the user name or password",
        "counts": "2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped",
        "set": "set",
        "again": "type it again to save it",
        "no phone": "no phone number",
    },
    "de": {
        "title": "Verbindungen",
        "ok": "ok",
        "failed": "fehlgeschlagen",
        "refused": "Benutzernamen oder das Passwort abgelehnt",
        "counts": "2 hinzugefügt, 0 geändert, 0 entfernt, 0 unverändert, 0 übersprungen",
        "set": "gesetzt",
        "again": "zum Speichern erneut eingeben",
        "no phone": "keine Telefonnummer",
    },
}
USER, PASSWORD = "files", "s3cret-files"


@pytest.fixture(scope="module")
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture(scope="module")
def run_loop(server):
    """The loop every server process runs (davserver/connector_runs.py), polling often."""
    worker = RunWorker(HttpxSourceClient, poll_seconds=0.2).start()
    yield worker
    worker.stop()


def mark() -> str:
    return uuid.uuid4().hex[:8]


def german_csv(tag: str, *, broken_row: bool = False) -> bytes:
    """A file whose header names two fields in its own words (Nachname, Telefon; codes are read in lower case)."""
    rows = [
        "id,first_name,Nachname,company,Telefon,email",
        f"a1,Anna,Adler-{tag},Firma {tag},+49 30 1111,anna@example.com",
        f"b2,Bernd,Brandt-{tag},Firma {tag},+49 30 2222,bernd@example.com",
    ]
    if broken_row:
        rows.append(f"c3,Carla,Clausen-{tag},Firma {tag},,carla@example.com")
    return ("\n".join(rows) + "\n").encode()


def phonebook_csv(tag: str) -> bytes:
    return (
        "id,first_name,last_name,company,phone_work\n"
        f"u1,Uta,Upload-{tag},Hochgeladen {tag},+49 40 1234\n"
        f"u2,Udo,Upload-{tag},Hochgeladen {tag},+49 40 5678\n"
    ).encode()


def open_page(browser, server, language: str, size: str):
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    sign_in(page, server.base_url, *new_account("admin"))
    return page


def fits(page, size: str) -> None:
    assert_fits(page, SIZES[size]["width"])


def wait_for_state(page, state: str, selector: str = "#runs tbody tr:first-child .run-state"):
    """The page reloads itself while a run is under way; wait until it shows `state`."""
    page.wait_for_selector(f'{selector}[data-state="{state}"]', timeout=20000)


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def saved_connection(name: str, url: str, **parts) -> Connection:
    connection, _outcome = create_connection(
        name,
        "csv-url",
        "phonebook",
        {"url": url, "username": USER, "password": PASSWORD},
        HttpxSourceClient(),
        actor="test",
        **parts,
    )
    return connection


def start_form(page, base_url: str, name: str, url: str, password: str) -> None:
    page.goto(f"{base_url}/admin/connections")
    click_and_wait(page, "#new-connection")
    click_and_wait(page, "#type-csv-url")
    page.fill('[name="name"]', name)
    page.fill('[name="settings.url"]', url)
    page.fill('[name="settings.username"]', USER)
    page.fill('[name="settings.password"]', password)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LOCALES)
def test_make_test_map_save_and_run_a_csv_url_connection(
    server, browser, files, run_loop, language, size
):
    words, tag = WORDS[language], mark()
    url = files.put(f"/people-{tag}.csv", german_csv(tag), username=USER, password=PASSWORD)
    page = open_page(browser, server, language, size)
    try:
        page.goto(f"{server.base_url}/admin/connections")
        assert page.inner_text("h1") == words["title"]
        assert page.locator("nav.menu a[aria-current=page]").inner_text() == words["title"]
        name = f"People {tag}"
        start_form(page, server.base_url, name, url, "wrong")
        click_and_wait(page, "#run-test")
        assert page.locator("#test-result.failed").count() == 1
        failed = page.locator("li.check.bad")
        assert failed.count() == 1 and failed.get_attribute("data-check") == "answer"
        assert words["refused"] in failed.inner_text()
        page.fill('[name="settings.password"]', "wrong")
        click_and_wait(page, "#save")
        assert page.locator("#test-result.failed li.check.bad").count() == 1
        assert Connection.get_or_none(Connection.name == name) is None
        page.fill('[name="settings.password"]', PASSWORD)
        click_and_wait(page, "#run-test")
        assert page.locator("#test-result.passed").count() == 1
        assert page.locator("li.check.bad").count() == 0
        typed = page.locator('[name="settings.password"]')
        assert typed.input_value() == "" and PASSWORD not in page.content()
        assert typed.get_attribute("placeholder") == words["again"]
        offered = page.locator("#f-mapping-last_name option[data-found]").all_inner_texts()
        assert offered == ["id", "first_name", "nachname", "company", "telefon", "email"]
        page.select_option("#f-mapping-last_name", "nachname")
        page.select_option("#f-mapping-phone_work", "telefon")
        page.fill("#f-defaults-phone_mobile", "+49 30 9999")
        page.fill('[name="settings.password"]', PASSWORD)
        fits(page, size)
        screenshot(page, f"connection-form-{language}-{size}")
        click_and_wait(page, "#save")
        connection = Connection.get(Connection.name == name)
        assert json.loads(connection.mapping) == {"last_name": "nachname", "phone_work": "telefon"}
        assert PASSWORD not in page.content()
        click_and_wait(page, "#run-now")
        wait_for_state(page, "ok")
        assert (
            page.locator("#runs tbody tr").first.locator(".run-counts").inner_text()
            == words["counts"]
        )
        fits(page, size)
        screenshot(page, f"connection-ran-{language}-{size}")
        entry = PhonebookEntry.get(PhonebookEntry.last_name == f"Adler-{tag}")
        assert (entry.source, entry.phone_work, entry.phone_mobile) == (
            "S",
            "+49 30 1111",
            "+49 30 9999",
        )
        page.goto(f"{server.base_url}/admin/phonebook?q=Brandt-{tag}")
        assert f"Brandt-{tag}" in page.inner_text("table.list")
    finally:
        page.context.close()


@pytest.mark.parametrize("language, size", [("en", "desktop"), ("de", "phone")])
def test_a_failing_source_shows_the_failed_run_with_its_message(
    server, browser, files, run_loop, language, size
):
    tag = mark()
    path = f"/failing-{tag}.csv"
    connection = saved_connection(
        f"Failing {tag}",
        files.put(path, phonebook_csv(tag), username=USER, password=PASSWORD),
    )
    files.put(path, b"", status=500)
    page = open_page(browser, server, language, size)
    try:
        page.goto(f"{server.base_url}/admin/connections")
        row = f"#connection-{connection.id}"
        assert page.locator(f"{row} .never").count() == 1
        click_and_wait(page, f"{row} button.play")
        wait_for_state(page, "failed", f"{row} .run-state")
        assert WORDS[language]["failed"] == page.locator(f"{row} .run-state").inner_text()
        assert "500" in page.locator(f"{row} .run-message").inner_text()
        fits(page, size)
        screenshot(page, f"connections-list-{language}-{size}")
        click_and_wait(page, f"{row} a.run-link")
        assert "500" in page.inner_text("#run-message")
        assert PhonebookEntry.select().where(PhonebookEntry.origin == connection.name).count() == 0
        screenshot(page, f"connection-failed-{language}-{size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("language, size", [("en", "phone"), ("de", "desktop")])
def test_rows_a_run_skipped_are_shown_with_their_lines(
    server, browser, files, run_loop, language, size
):
    tag = mark()
    url = files.put(f"/rows-{tag}.csv", german_csv(tag, broken_row=True))
    connection, _outcome = create_connection(
        f"Rows {tag}",
        "csv-url",
        "phonebook",
        {"url": url},
        HttpxSourceClient(),
        mapping={"last_name": "nachname", "phone_work": "telefon"},
        actor="test",
    )
    page = open_page(browser, server, language, size)
    try:
        page.goto(f"{server.base_url}/admin/connections/{connection.id}")
        click_and_wait(page, "#run-now")
        wait_for_state(page, "ok")
        preview = page.locator("#runs ul.row-errors-preview li").all_inner_texts()
        assert len(preview) == 1 and "4" in preview[0] and WORDS[language]["no phone"] in preview[0]
        click_and_wait(page, "#runs a.row-errors-link")
        lines = page.locator("#row-errors tr.row-error td:first-child").all_inner_texts()
        assert lines == ["4"]
        assert WORDS[language]["no phone"] in page.inner_text("#row-errors")
        fits(page, size)
        screenshot(page, f"connection-row-errors-{language}-{size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LOCALES)
def test_an_uploaded_csv_file_fills_the_phonebook(server, browser, run_loop, language, size):
    tag = mark()
    page = open_page(browser, server, language, size)
    try:
        page.goto(f"{server.base_url}/admin/connections")
        click_and_wait(page, "#upload-csv")
        page.fill('[name="name"]', f"Upload {tag}")
        page.set_input_files(
            "#f-file", {"name": "empty.csv", "mimeType": "text/csv", "buffer": b"\n"}
        )
        click_and_wait(page, "#start-upload")
        assert page.locator("#test-result.failed li.check.bad").count() == 1
        assert Connection.get_or_none(Connection.name == f"Upload {tag}") is None
        page.set_input_files(
            "#f-file", {"name": "book.csv", "mimeType": "text/csv", "buffer": phonebook_csv(tag)}
        )
        click_and_wait(page, "#start-upload")
        wait_for_state(page, "ok")
        fits(page, size)
        page.goto(f"{server.base_url}/admin/phonebook?q=Upload-{tag}")
        assert page.locator("table.list tbody tr").count() == 2
        assert f"Hochgeladen {tag}" in page.inner_text("table.list")
        connection = Connection.get(Connection.name == f"Upload {tag}")
        page.goto(f"{server.base_url}/admin/connections/{connection.id}")
        click_and_wait(page, "#upload-file")
        one_left = phonebook_csv(tag).decode().splitlines()[:2]
        page.set_input_files(
            "#f-file",
            {"name": "book.csv", "mimeType": "text/csv", "buffer": "\n".join(one_left).encode()},
        )
        click_and_wait(page, "#start-upload")
        wait_for_state(page, "ok")
        assert page.locator("#runs tbody tr").count() == 2
        assert PhonebookEntry.select().where(PhonebookEntry.origin == connection.name).count() == 1
        screenshot(page, f"connection-upload-{language}-{size}")
    finally:
        page.context.close()


@pytest.mark.parametrize("language, size", [("de", "desktop"), ("en", "phone")])
def test_edit_keeps_the_stored_password_and_delete_takes_the_entries(
    server, browser, files, run_loop, language, size
):
    tag = mark()
    url = files.put(f"/edit-{tag}.csv", phonebook_csv(tag), username=USER, password=PASSWORD)
    connection = saved_connection(f"Edit {tag}", url)
    page = open_page(browser, server, language, size)
    try:
        page.goto(f"{server.base_url}/admin/connections/{connection.id}")
        click_and_wait(page, "#edit-connection")
        password = page.locator('[name="settings.password"]')
        assert password.input_value() == ""
        assert password.get_attribute("placeholder") == WORDS[language]["set"]
        page.fill('[name="name"]', f"Edited {tag}")
        page.fill('[name="priority"]', "7")
        page.check("#f-scope-chosen")
        chosen = page.locator("#f-scope-users label").first.inner_text().strip()
        page.locator("#f-scope-users input").first.check()
        click_and_wait(page, "#save")
        assert page.inner_text("#scope-facts") in chosen
        changed = Connection.get_by_id(connection.id)
        assert (changed.name, changed.priority, changed.scope_everyone) == (
            f"Edited {tag}",
            7,
            False,
        )
        click_and_wait(page, "#run-now")
        wait_for_state(page, "ok")  # the stored password still opens the file
        assert PhonebookEntry.select().where(PhonebookEntry.origin == changed.name).count() == 2
        click_and_wait(page, "#edit-connection")
        page.fill('[name="settings.url"]', files.url(f"/nothing-{tag}.csv"))
        click_and_wait(page, "#save")
        assert page.locator("#test-result.failed li.check.bad").count() == 1
        assert Connection.get_by_id(connection.id).settings == changed.settings
        page.goto(f"{server.base_url}/admin/connections/{connection.id}")
        page.once("dialog", lambda dialog: dialog.accept())
        click_and_wait(page, "#delete-connection")
        assert Connection.get_or_none(Connection.id == connection.id) is None
        assert ConnectorRun.select().where(ConnectorRun.connection == connection.id).count() == 0
        assert PhonebookEntry.select().where(PhonebookEntry.origin == changed.name).count() == 0
        assert page.locator(f"#connection-{connection.id}").count() == 0
    finally:
        page.context.close()


def finished_run(connection_id: int, timeout: float = 20.0) -> ConnectorRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = (
            ConnectorRun.select()
            .where(ConnectorRun.connection == connection_id)
            .order_by(ConnectorRun.id.desc())
            .first()
        )
        if run is not None and run.state in ("ok", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError("the run did not end in time")


def test_an_upload_connection_takes_its_settings_for_the_next_file(admin_ui):
    tag = mark()
    admin_ui.get("/connections/upload")
    made = admin_ui.post(
        "/connections/upload",
        {"name": f"Semicolons {tag}", "settings.delimiter": "auto", "settings.encoding": "auto"},
        files={"file": ("book.csv", phonebook_csv(tag), "text/csv")},
    )
    assert made.status_code == 200 and "Semicolons" in made.text
    connection = Connection.get(Connection.name == f"Semicolons {tag}")
    assert finished_run(connection.id).state == "ok"
    form = admin_ui.get(f"/connections/{connection.id}/edit")
    assert 'id="run-test"' not in form.text and 'name="settings.delimiter"' in form.text
    saved = admin_ui.post(
        f"/connections/{connection.id}/edit",
        {
            "name": connection.name,
            "interval_minutes": "0",
            "priority": "0",
            "enabled": "1",
            "scope": "everyone",
            "settings.delimiter": "semicolon",
            "settings.encoding": "utf-8",
        },
    )
    assert saved.status_code == 200, saved.text
    assert json.loads(Connection.get_by_id(connection.id).settings)["delimiter"] == "semicolon"
    semicolons = phonebook_csv(tag).decode().replace(",", ";").replace("u2;", "u3;").encode()
    admin_ui.get(f"/connections/{connection.id}/upload")
    admin_ui.post(
        f"/connections/{connection.id}/upload",
        {},
        files={"file": ("book.csv", semicolons, "text/csv")},
    )
    run = finished_run(connection.id)
    assert (run.state, run.added, run.removed, run.unchanged) == ("ok", 1, 1, 1)
    played = admin_ui.post(f"/connections/{connection.id}/run")
    assert "runs when a file is uploaded" in played.text


def test_the_play_button_needs_the_form_token_and_answers_a_second_press(admin_ui, files):
    tag = mark()
    path = f"/token-{tag}.csv"
    connection = saved_connection(
        f"Token {tag}", files.put(path, phonebook_csv(tag), username=USER, password=PASSWORD)
    )
    # slow, so that a run loop (if one is going) is still at it when play is pressed again
    files.put(path, phonebook_csv(tag), username=USER, password=PASSWORD, seconds_between_chunks=3)
    admin_ui.get("/connections")
    refused = admin_ui.post(f"/connections/{connection.id}/run", with_token=False)
    assert refused.status_code == 400
    assert ConnectorRun.select().where(ConnectorRun.connection == connection.id).count() == 0
    first = admin_ui.post(f"/connections/{connection.id}/run", {"back": "list"})
    assert first.url.endswith("/admin/connections") and "is queued" in first.text
    second = admin_ui.post(f"/connections/{connection.id}/run")
    assert "queued or running already" in second.text
    assert ConnectorRun.select().where(ConnectorRun.connection == connection.id).count() == 1


def test_an_upload_without_a_file_or_with_a_taken_name_makes_nothing(admin_ui):
    tag = mark()
    admin_ui.get("/connections/upload")
    no_file = admin_ui.post("/connections/upload", {"name": f"Nothing {tag}"})
    assert no_file.status_code == 400 and 'id="f-file-error"' in no_file.text
    upload = {"file": ("book.csv", phonebook_csv(tag), "text/csv")}
    first = admin_ui.post("/connections/upload", {"name": f"Once {tag}"}, files=upload)
    assert first.status_code == 200
    taken = admin_ui.post("/connections/upload", {"name": f"Once {tag}"}, files=upload)
    assert taken.status_code == 422 and 'id="f-name-error"' in taken.text
    assert Connection.select().where(Connection.name.startswith(f"Nothing {tag}")).count() == 0
    assert Connection.select().where(Connection.name == f"Once {tag}").count() == 1
    finished_run(Connection.get(Connection.name == f"Once {tag}").id)
