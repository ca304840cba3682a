"""The connection test for contacts (CardDAV) over real HTTP: POST
/api/v1/credentials/{username}/test with {"service": "carddav"} runs the checks and a
read-only round trip on the login's address books, which leaves nothing behind."""

from __future__ import annotations

import pytest
import requests

from resources.store.models import Collection, StoredObject
from resources.store.organisation import AuditEntry
from tests.api_helpers import error_of, new_credential, new_person
from tests.davxml import propfind_body

pytestmark = pytest.mark.usefixtures("forget_new_resources")


def _footprint() -> tuple[int, int, int]:
    return Collection.select().count(), StoredObject.select().count(), AuditEntry.select().count()


def _test(api, username: str, **body) -> dict:
    answer = api.post(f"/credentials/{username}/test", {"service": "carddav", **body})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.json()


def test_carddav_login_passes_and_the_round_trip_leaves_nothing_behind(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person, service_classes=["carddav"])
    before = _footprint()
    result = _test(admin, username, password="phone-secret")
    assert _footprint() == before
    assert result["ok"] is True, result
    codes = [c["check"] for c in result["checks"]]
    assert codes[-4:] == ["options", "addressbook", "company_book", "password"]
    assert "service_class" in codes and "resource_exists" not in codes
    (personal,) = [c for c in result["checks"] if c["check"] == "addressbook"]
    assert "first sync" in personal["message"]
    assert "phone-secret" not in str(result)
    # The phone's first request makes the personal book; the test then reads it.
    home = f"{server.base_url}/dav/addressbooks/{username}/contacts/"
    made = requests.request(
        "PROPFIND",
        home,
        data=propfind_body("D:resourcetype"),
        headers={"Depth": "0", "Content-Type": "application/xml"},
        auth=(username, "phone-secret"),
        timeout=30,
    )
    assert made.status_code == 207
    again = _test(admin, username)
    (personal,) = [c for c in again["checks"] if c["check"] == "addressbook"]
    assert personal["ok"] and "contacts" in personal["message"]


def test_wrong_password_and_missing_carddav_are_named(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person, service_classes=["carddav"])
    wrong = _test(admin, username, password="not-it")
    assert [c["check"] for c in wrong["checks"] if not c["ok"]] == ["password"]
    caldav_only = new_credential(admin, person, service_classes=["caldav"])
    refused = _test(admin, caldav_only)
    assert not refused["ok"]
    (failed,) = [c for c in refused["checks"] if not c["ok"]]
    assert failed["check"] == "service_class" and "CardDAV" in failed["message"]
    assert "CalDAV." not in failed["message"]


def test_integration_login_checks_only_the_company_book(server, admin):
    person = new_person(admin)
    made = admin.created("/carddav-integrations", {"user": person.user})
    result = _test(admin, made["username"], password=made["password"])
    assert result["ok"], result
    assert [c["check"] for c in result["checks"]][-3:] == ["options", "company_book", "password"]


def test_caldav_stays_the_default_and_bad_service_is_refused(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person, service_classes=["caldav", "carddav"])
    caldav = admin.post(f"/credentials/{username}/test", {"resource": person.slug}).json()
    assert caldav["ok"] and [c["check"] for c in caldav["checks"]][-2:] == ["options", "propfind"]
    both = _test(admin, username)
    assert both["ok"] and "propfind" not in [c["check"] for c in both["checks"]]
    error_of(admin.post(f"/credentials/{username}/test", {"service": "ldap"}), 422)
    error_of(admin.post(f"/credentials/{username}/test", {"service": 5}), 422)
    error_of(admin.post(f"/credentials/{username}/test", {"service": "caldav"}), 422)
