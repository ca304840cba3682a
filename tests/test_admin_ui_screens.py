"""Every admin screen over HTTP: each renders in German and English, bad input of
every kind is answered with a readable page (never a 500), and refusals appear next
to the field they concern."""

from __future__ import annotations

import json
import re
import time

import pytest

from resources.auth.credentials import find_credential
from resources.organisation.resource_calendars import find_resource
from resources.store.connectors import Connection, ConnectorRun
from resources.store.database import write_transaction
from tests.browser.admin_pages import new_account, unique
from tests.browser.http_session import AdminSession
from tests.organisation import phone_login

SCREENS = (
    "/dashboard",
    "/branches",
    "/branches/new",
    "/employees",
    "/employees/new",
    "/accounts",
    "/accounts/new",
    "/groups",
    "/groups/new",
    "/resources",
    "/resources/new",
    "/credentials",
    "/credentials/new",
    "/directory/companies",
    "/directory/companies?category=supplier",
    "/directory/companies/new",
    "/directory/contacts",
    "/directory/contacts?category=customer",
    "/directory/contacts/new",
    "/phonebook",
    "/phonebook?source=S",
    "/phonebook/new",
    "/connections",
    "/connections?q=Screens&sort=-name",
    "/connections/new",
    "/connections/new?type=csv-url",
    "/connections/new?type=vcard-url",
    "/connections/new?type=carddav",
    "/connections/new?type=no-such-type",
    "/connections/upload",
    "/audit",
    "/audit?page=2",
    "/me",
)


def saved_connection_with_a_run() -> tuple[int, int]:
    """A connection row and a finished run of it with a skipped row (for its screens)."""
    now = time.time()
    with write_transaction():
        connection = Connection.create(
            name=unique("Screens CSV"),
            type="csv-url",
            target="phonebook",
            settings=json.dumps({"url": "http://127.0.0.1:9/book.csv", "username": "u"}),
            secrets=json.dumps({}),
            created=now,
            modified=now,
        )
        run = ConnectorRun.create(
            connection=connection.id,
            state="ok",
            queued=now,
            started=now,
            finished=now,
            added=1,
            skipped=1,
            errors=json.dumps([{"line": 3, "message": "The record has no phone number."}]),
        )
    return connection.id, run.id


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_screen_renders(server, org, language):
    session = AdminSession(server.base_url, **{"Accept-Language": language})
    session.sign_in(*new_account("admin"))
    username, _http = phone_login(server.base_url, org)
    slug = org.slugs["own_person"]
    connection_id, run_id = saved_connection_with_a_run()
    for path in SCREENS + (
        f"/connections/{connection_id}",
        f"/connections/{connection_id}/edit",
        f"/connections/{connection_id}/runs/{run_id}",
        f"/connections/{connection_id}/upload",
        f"/credentials/{username}",
        f"/resources/{slug}",
        f"/resources/{slug}/week",
        f"/branches/{org.branch_id}",
        f"/employees/{org.employee_id}",
        f"/accounts/{org.account_id}",
    ):
        response = session.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.text
        assert 'for="' in response.text or "<table" in response.text or "counts" in response.text, (
            path
        )


def _field_error(response, field: str) -> str:
    found = re.search(rf'<p class="error" id="f-{field}-error">([^<]*)</p>', response.text)
    assert found, f"no error next to {field}"
    return found.group(1)


def test_refusals_appear_next_to_their_field(admin_ui, org):
    taken = find_resource(org.slugs["room_on"])
    bad_slug = admin_ui.post(
        "/resources/new",
        {"kind": "room", "name": "Raum", "slug": "Not A Slug", "colour": "#3A7BD5"},
    )
    assert bad_slug.status_code == 422
    assert "lower-case letters" in _field_error(bad_slug, "slug")
    duplicate = admin_ui.post(
        "/resources/new", {"kind": "room", "name": "Raum", "slug": taken.slug, "colour": "#3A7BD5"}
    )
    assert "is taken" in _field_error(duplicate, "slug")
    person = admin_ui.post(
        "/resources/new", {"kind": "person", "name": "P", "slug": unique("p"), "colour": "#3A7BD5"}
    )
    assert "needs an employee" in _field_error(person, "employee")
    missing = admin_ui.post("/branches/new", {"name": "", "timezone": "Europe/Berlin"})
    assert "fill in" in _field_error(missing, "name")
    zone = admin_ui.post("/branches/new", {"name": unique("Filiale"), "timezone": "Mars/Olympus"})
    assert "IANA time zone" in _field_error(zone, "timezone")


def test_credential_form_checks_dates_window_and_unique_username(admin_ui, org):
    existing, _http = phone_login(admin_ui.base.rsplit("/admin", 1)[0], org)
    base = {
        "kind": "individual",
        "account": str(org.account_id),
        "branch": str(org.branch_id),
        "service_classes": "caldav",
    }
    bad_date = admin_ui.post(
        "/credentials/new", {**base, "username": unique("phone"), "valid_from": "31.12.2024"}
    )
    assert "2024-05-31" in _field_error(bad_date, "valid_from")
    window = admin_ui.post(
        "/credentials/new",
        {
            **base,
            "username": unique("phone"),
            "valid_from": "2025-02-01",
            "valid_until": "2025-01-01",
        },
    )
    assert "must not be before" in _field_error(window, "valid_until")
    taken = admin_ui.post("/credentials/new", {**base, "username": existing.upper()})
    assert "is taken" in _field_error(taken, "username")
    no_class = admin_ui.post(
        "/credentials/new",
        {**{k: v for k, v in base.items() if k != "service_classes"}, "username": unique("phone")},
    )
    assert _field_error(no_class, "service_classes")


def test_username_stays_as_saved(admin_ui, org):
    username, _http = phone_login(admin_ui.base.rsplit("/admin", 1)[0], org)
    page = admin_ui.get(f"/credentials/{username}")
    assert re.search(rf'id="f-username" name="username" value="{username}" readonly', page.text)
    admin_ui.post(
        f"/credentials/{username}",
        {
            "username": "renamed",
            "kind": "individual",
            "account": str(org.account_id),
            "branch": str(org.branch_id),
            "service_classes": "caldav",
            "confirmed": "1",
        },
    )
    assert find_credential(username) is not None and find_credential("renamed") is None


BAD_REQUESTS = (
    ("GET", "/branches/999999", None),
    ("GET", "/branches/abc", None),
    ("GET", "/resources/no-such-resource/week", None),
    ("GET", "/resources/{slug}/week?start=2024-13-45", None),
    ("GET", "/resources/{slug}/week?start=0001-01-01", None),
    ("GET", "/credentials/no-such-login", None),
    ("GET", "/credentials/{username}/qr.svg?resource=no-such", None),
    ("GET", "/credentials/{username}/qr.svg?resource={other}", None),
    ("GET", "/audit?page=-3", None),
    ("GET", "/audit?page=99999999999999999999", None),
    ("POST", "/employees/new", {"first_name": "A", "home_branch": "not-a-number"}),
    ("POST", "/employees/new", {"first_name": "A", "email": "no-at-sign"}),
    ("POST", "/accounts/new", {"login": "has space", "role": "user"}),
    ("POST", "/accounts/new", {"login": unique("x"), "role": "emperor"}),
    ("POST", "/groups/new", {"name": unique("g"), "members": "999999"}),
    ("POST", "/resources/new", {"kind": "spaceship", "name": "X", "slug": "x-1"}),
    ("POST", "/resources/new", {"kind": "room", "name": "X", "slug": unique("x"), "colour": "red"}),
    ("POST", "/resources/{slug}/sync", {}),
    (
        "POST",
        "/credentials/{username}/password",
        {"mode": "set", "password": "short", "password_repeat": "short"},
    ),
    ("POST", "/credentials/{username}/test", {"resource": "no-such"}),
    ("POST", "/credentials/no-such/test", {"resource": "x"}),
    ("POST", "/directory/contacts/999999/export", {"export_carddav": "1"}),
    ("POST", "/directory/companies/new", {"name": "", "category": "alien"}),
    ("POST", "/directory/contacts/new", {"company": "999999"}),
    ("POST", "/phonebook/new", {"first_name": "Only a name"}),
    ("POST", "/phonebook/999999/copy", {}),
    ("POST", "/employees/999999/delete", {}),
    ("GET", "/connections?after=not-a-cursor", None),
    ("GET", "/connections?sort=nonsense", None),
    ("GET", "/connections/999999", None),
    ("GET", "/connections/abc", None),
    ("GET", "/connections/999999/edit", None),
    ("GET", "/connections/999999/runs/1", None),
    ("POST", "/connections/999999/run", {}),
    ("POST", "/connections/999999/edit", {"name": "x"}),
    ("POST", "/connections/999999/delete", {}),
    ("POST", "/connections/999999/upload", {}),
    ("POST", "/connections/new?type=no-such-type", {"name": "x"}),
    ("POST", "/connections/new", {"name": "x"}),
    (
        "POST",
        "/connections/new?type=csv-url",
        {"name": "x", "priority": "many", "scope": "chosen", "scope_users": "abc"},
    ),
    (
        "POST",
        "/connections/new?type=csv-url",
        {"name": "x", "settings.url": "ftp://x", "interval_minutes": "7"},
    ),
    (
        "POST",
        "/connections/new?type=csv-url",
        {"name": "x", "settings.url": "http://127.0.0.1:9/", "settings.delimiter": "space"},
    ),
    ("POST", "/connections/new?type=csv-url", {"name": "x", "mapping.last_name": "a" * 3000}),
    ("POST", "/connections/new?type=csv-url", {"action": "test", "settings.url": "nonsense"}),
    ("POST", "/connections/upload", {"name": "x"}),
    ("POST", "/nowhere", {}),
    ("DELETE", "/branches", None),
)


@pytest.mark.parametrize("method, path, data", BAD_REQUESTS)
def test_bad_input_gets_a_readable_answer_never_a_500(admin_ui, org, method, path, data):
    username, _http = phone_login(admin_ui.base.rsplit("/admin", 1)[0], org)
    path = path.format(
        slug=org.slugs["own_person"], username=username, other=org.slugs["other_person"]
    )
    if method == "GET":
        response = admin_ui.get(path)
    elif method == "POST":
        response = admin_ui.post(path, data)
    else:
        response = admin_ui.http.request(
            method, admin_ui.base + path, data={"csrf_token": admin_ui.token}, timeout=30
        )
    assert response.status_code < 500, (path, response.status_code)
    assert "<h1>" in response.text


def test_an_oversized_form_is_refused_in_words(admin_ui):
    response = admin_ui.post("/branches/new", {"name": "x", "address": "a" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_sync_switch_in_the_list(admin_ui, org):
    slug = org.slugs["room_off"]
    assert admin_ui.post(f"/resources/{slug}/sync", {"sync_allowed": "1"}).status_code == 200
    assert find_resource(slug).sync_allowed
    listed = admin_ui.get("/resources")
    assert re.search(rf'id="resource-{slug}".*?switch on', listed.text, re.S)
    admin_ui.post(f"/resources/{slug}/sync", {"sync_allowed": "0"})
    assert not find_resource(slug).sync_allowed


def test_deleting_a_branch_in_use_says_why(admin_ui, org):
    response = admin_ui.post(f"/branches/{org.branch_id}/delete")
    assert "still used by" in response.text
