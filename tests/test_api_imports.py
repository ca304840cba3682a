"""POST /api/v1/import over real HTTP (issue 12 §3): .ics into personal and resource
calendars, .vcf into a personal address book and the contacts directory, skip reasons
with the file's line numbers, UIDs for objects without one, who may import where,
refusals with their status, the audit entry, and the events seen by a CalDAV client."""

from __future__ import annotations

import uuid

import caldav
import pytest
import requests

from resources.auth.credentials import create_credential, find_credential
from resources.objects.calendar_collections import by_path
from resources.organisation.branches import default_branch
from resources.organisation.resource_calendars import create_resource
from resources.store.directory import Company, ContactPerson
from tests.api_helpers import api_as, unique
from tests.import_files import CALENDAR_FILE, VCARD_FILE, many_events, unique_file


@pytest.fixture
def admin(server):
    return api_as(server, "admin")


def phone_of(account_login: str, classes=("caldav", "carddav")) -> tuple[str, str]:
    """A confirmed login with a password for the account named `account_login`."""
    from resources.organisation.accounts import find_account

    username, password = unique("phone"), f"pw-{uuid.uuid4().hex}"
    create_credential(
        username,
        password,
        account=find_account(account_login).id,
        branch=default_branch().id,
        service_classes_=classes,
        confirmed=True,
    )
    return username, password


def post_file(api, target: str, body: bytes, content_type: str) -> requests.Response:
    return api.http.post(
        api.url("/import"),
        params={"target": target},
        data=body,
        headers={"Content-Type": content_type},
        timeout=60,
    )


def test_ics_into_a_personal_calendar_reports_lines_and_is_seen_by_caldav(server, admin):
    owner = api_as(server, "user")
    username, password = phone_of(owner.login)
    body, mark = unique_file(CALENDAR_FILE)
    target = f"/dav/calendars/{username}/work/"
    answer = post_file(admin, target, body, "text/calendar")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert list(report) == ["imported", "skipped"]
    assert report["imported"] == 2
    assert [s["line"] for s in report["skipped"]] == [27, 40]
    assert "line 30" in report["skipped"][0]["message"]
    assert "more than one DTSTART" in report["skipped"][0]["message"]
    assert report["skipped"][1]["message"].startswith("Line 43:")

    with caldav.DAVClient(
        url=f"{server.base_url}/dav/calendars/{username}/work/",
        username=username,
        password=password,
    ) as client:
        calendar = client.calendar(url=f"{server.base_url}/dav/calendars/{username}/work/")
        texts = [event.data for event in calendar.events()]
    assert len(texts) == 2
    assert any(f"Imported planning {mark}" in text for text in texts)
    without = next(text for text in texts if "Imported without UID" in text)
    assert "UID:" in without and "METHOD" not in without

    again = post_file(admin, target, body, "text/calendar").json()
    assert again["imported"] == 0  # the made-up UID is the same the second time
    held = [s for s in again["skipped"] if "already holds" in s["message"]]
    assert [s["line"] for s in held] == [20, 34]


def test_ics_into_a_resource_calendar_by_name(server, admin):
    room = create_resource("room", "Import room", unique("import-room"), sync_allowed=False)
    body, _mark = unique_file(CALENDAR_FILE)
    answer = post_file(admin, f"resource:{room.slug}", body, "text/calendar")
    assert answer.status_code == 200 and answer.json()["imported"] == 2
    listed = admin.get(f"/resources/{room.slug}/events?start=2026-12-07&end=2026-12-13").json()
    assert sorted(item["summary"][:17] for item in listed["items"]) == [
        "Imported planning",
        "Imported without ",
    ]


def test_vcf_into_a_personal_book_and_into_the_directory(server, admin):
    owner = api_as(server, "user")
    username, password = phone_of(owner.login, ("carddav",))
    body, mark = unique_file(VCARD_FILE)
    book = f"/dav/addressbooks/{username}/contacts/"
    answer = post_file(owner, book, body, "text/vcard")
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 3
    (skipped,) = answer.json()["skipped"]
    assert skipped["line"] == 19 and "FN" in skipped["message"]
    listing = requests.request(
        "PROPFIND", server.base_url + book, auth=(username, password), headers={"Depth": "1"}
    )
    assert listing.text.count(".vcf</D:href>") == 3

    into_directory = post_file(admin, "directory", body, "text/vcard").json()
    assert into_directory["imported"] == 2
    assert [s["line"] for s in into_directory["skipped"]] == [19, 25]
    assert "ORG" in into_directory["skipped"][1]["message"]
    company = Company.get(Company.name == f"Importwerk {mark} GmbH")
    clara = ContactPerson.get(ContactPerson.uid == f"import-card-1-{mark}@example.com")
    assert (clara.company_id, clara.first_name, clara.last_name) == (company.id, "Clara", "Import")
    assert (clara.title, clara.department, clara.position) == ("Dr.", "Einkauf", "Buyer")
    assert (clara.phone_work, clara.phone_mobile) == ("+49 30 1234", "+49 170 5678")
    entries = admin.get("/audit?limit=20").json()["items"]
    assert any(
        e["action"] == "directory.import"
        and e["actor"] == admin.login
        and "imported=2" in e["details"]
        for e in entries
    )
    assert any(e["action"] == "addressbook.import" and e["target"] == book for e in entries)


def test_who_may_import_where(server, admin):
    owner, stranger = api_as(server, "user"), api_as(server, "user")
    username, _password = phone_of(owner.login)
    body, _mark = unique_file(CALENDAR_FILE)
    target = f"/dav/calendars/{username}/mine/"
    assert post_file(stranger, target, body, "text/calendar").status_code == 404
    assert post_file(owner, target, body, "text/calendar").json()["imported"] == 2
    refused = post_file(owner, "directory", unique_file(VCARD_FILE)[0], "text/vcard")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    room = create_resource("room", "Hidden room", unique("hidden"), sync_allowed=False)
    hidden = post_file(owner, f"/dav/calendars/{username}/{room.slug}/", body, "text/calendar")
    assert hidden.status_code == 404
    unsigned = requests.post(
        admin.url("/import"),
        params={"target": target},
        data=body,
        headers={"Content-Type": "text/calendar"},
    )
    assert unsigned.status_code == 401


def test_refusals_have_a_status_and_a_sentence(server, admin):
    owner = api_as(server, "user")
    username, _password = phone_of(owner.login)
    calendar = f"/dav/calendars/{username}/work/"
    body, _mark = unique_file(CALENDAR_FILE)
    assert post_file(admin, "", body, "text/calendar").status_code == 400
    wrong = post_file(admin, calendar, body, "application/octet-stream")
    assert wrong.status_code == 400  # Basic sign-in: a form's content type is refused first
    swapped = post_file(admin, calendar, unique_file(VCARD_FILE)[0], "text/vcard")
    assert swapped.status_code == 415 and "text/calendar" in swapped.json()["message"]
    assert by_path(find_credential(username).id, "work") is None  # nothing made for it
    assert post_file(admin, "/dav/nowhere/", body, "text/calendar").status_code == 404
    assert (
        post_file(admin, "/dav/calendars/nobody-here/x/", body, "text/calendar").status_code == 404
    )
    garbage = post_file(admin, calendar, bytes(range(256)) * 50, "text/calendar")
    assert garbage.status_code == 200 and garbage.json()["imported"] == 0
    assert garbage.json()["skipped"]
    half = post_file(admin, calendar, body[: len(body) // 2], "text/calendar")
    assert half.status_code == 200
    assert any("not closed" in s["message"] for s in half.json()["skipped"])


def test_a_large_file_is_imported_in_batches(server, admin):
    owner = api_as(server, "user")
    username, _password = phone_of(owner.login)
    mark = uuid.uuid4().hex[:8]
    answer = post_file(
        admin, f"/dav/calendars/{username}/bulk/", many_events(1800, mark), "text/calendar"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"imported": 1800, "skipped": []}


def test_an_import_that_stopped_halfway_is_completed_by_importing_again(server, admin):
    """Batches are transactions: what a stopped import stored are whole objects, and the
    same file imported again adds exactly the rest."""
    owner = api_as(server, "user")
    username, _password = phone_of(owner.login)
    mark = uuid.uuid4().hex[:8]
    whole = many_events(700, mark)
    cut = whole.index(f"UID:many-{mark}-550@".encode()) - len(b"BEGIN:VEVENT\r\n")
    first_part = whole[:cut] + b"END:VCALENDAR\r\n"  # as far as a stopped import got
    target = f"/dav/calendars/{username}/resumed/"
    assert post_file(admin, target, first_part, "text/calendar").json()["imported"] == 550
    again = post_file(admin, target, whole, "text/calendar").json()
    assert again["imported"] == 150
    assert len(again["skipped"]) == 550
    assert {s["message"] for s in again["skipped"]} == {
        "The calendar already holds an object with this UID."
    }
