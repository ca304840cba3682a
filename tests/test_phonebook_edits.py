"""Editing manual phonebook entries and copying synced ones (issue 12 item 4), over the
JSON API, checked in the company book as a phone reads it: one card per contact while
a manual copy of a synced entry exists, and every change moves the sync token."""

from __future__ import annotations

import pytest

from resources.auth import audit
from tests import api_helpers
from tests import company_book_reading as book
from tests.api_helpers import api_as, error_of, import_counts, unique
from tests.conftest import make_login

admin = api_helpers.admin  # the fixture, under its own name


def manual_entry(admin, **fields) -> dict:
    return admin.created(
        "/phonebook",
        {"first_name": "Mia", "last_name": unique("Manuell"), "phone_work": "+49 40 1", **fields},
    )


def synced_entries(admin, source: str, entries: list[dict]) -> list[dict]:
    answer = admin.post("/phonebook/import", {"source": source, "entries": entries})
    assert answer.status_code == 200, answer.text
    return [
        e
        for e in admin.get("/phonebook", params={"source": "S"}).json()["items"]
        if e["origin"] == source
    ]


def test_a_manual_entry_is_edited_and_the_phone_sees_it(server, admin):
    login = make_login(server, "phone")
    entry = manual_entry(admin, company="Taxi Nord")
    token = book.sync(login).token
    before = book.ctag(login)

    answer = admin.patch(
        f"/phonebook/{entry['id']}", {"phone_work": "+49 40 99", "email": "m@x.de"}
    )
    assert answer.status_code == 200, answer.text
    edited = answer.json()
    assert edited == {**entry, "phone_work": "+49 40 99", "email": "m@x.de"}
    assert admin.get(f"/phonebook/{entry['id']}").json() == edited

    [card] = book.cards_with(login, entry["last_name"])
    assert "TEL;TYPE=WORK,VOICE:+49 40 99" in card and "+49 40 1\r\n" not in card
    assert "EMAIL;TYPE=INTERNET:m@x.de" in card
    assert book.ctag(login) != before
    delta = book.sync(login, token)
    assert len(delta.changed) == 1 and not delta.removed

    unchanged = book.ctag(login)
    assert admin.patch(f"/phonebook/{entry['id']}", {"phone_work": "+49 40 99"}).json() == edited
    assert book.ctag(login) == unchanged  # the same values again are no change
    logged = [e for e in audit.recent(50) if e.action == "phonebook.update"]
    assert logged and logged[0].actor == admin.login and "phone_work" in logged[0].details


def test_a_synced_entry_cannot_be_edited(admin):
    source = unique("crm")
    [synced] = synced_entries(
        admin, source, [{"last_name": unique("Sync"), "phone_work": "+49 1", "external_id": "a"}]
    )
    refusal = error_of(admin.patch(f"/phonebook/{synced['id']}", {"phone_work": "+49 2"}), 409)
    assert refusal["error"] == "synced_entry" and "copy it to manual" in refusal["message"]
    assert admin.get(f"/phonebook/{synced['id']}").json()["phone_work"] == "+49 1"


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"fax": "+49 2"}, 422, "unknown_field"),
        ({"external_id": "x"}, 422, "unknown_field"),
        ({"source": "S"}, 422, "unknown_field"),
        ({"phone_work": 49}, 422, "wrong_type"),
        ({"phone_work": None}, 422, "wrong_type"),
        ({"phone_work": ""}, 422, "invalid_value"),  # no phone number left
        ({"first_name": "", "last_name": ""}, 422, "invalid_value"),  # no name, no company
        ({"last_name": "x" * 201}, 422, "invalid_value"),
        ({"last_name": "a\x00b"}, 422, "invalid_value"),
    ],
)
def test_bad_edits_are_refused(admin, body, status, code):
    entry = manual_entry(admin)
    assert error_of(admin.patch(f"/phonebook/{entry['id']}", body), status)["error"] == code
    assert admin.get(f"/phonebook/{entry['id']}").json() == entry


def test_edits_of_missing_entries_and_by_users(server, admin):
    error_of(admin.patch("/phonebook/999999999", {"phone_work": "+49 1"}), 404)
    entry = manual_entry(admin)
    user = api_as(server, "user")
    assert error_of(user.patch(f"/phonebook/{entry['id']}", {"phone_work": "+1"}), 403)
    broken = admin.http.patch(
        admin.url(f"/phonebook/{entry['id']}"),
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert error_of(broken, 400)["error"] == "invalid_json"


def test_copy_to_manual_leaves_one_card_and_a_second_copy_makes_none(server, admin):
    login = make_login(server, "phone")
    source, tag = unique("crm"), unique("Sync")
    entries = [
        {"first_name": "Sam", "last_name": tag, "phone_work": "+49 1", "external_id": "c-1"},
        {"first_name": "Ute", "last_name": tag, "phone_mobile": "+49 2", "external_id": "c-2"},
    ]
    synced = {e["first_name"]: e for e in synced_entries(admin, source, entries)}
    assert len(book.cards_with(login, tag)) == 2
    token, before = book.sync(login).token, book.ctag(login)

    first = admin.post(f"/phonebook/{synced['Sam']['id']}/copy-to-manual")
    assert first.status_code == 201, first.text
    copy = first.json()
    assert (copy["source"], copy["origin"], copy["phone_work"]) == ("M", "", "+49 1")
    sam_cards = [c for c in book.cards_with(login, tag) if "FN:Sam" in c]
    assert len(sam_cards) == 1 and "X-DAVSERVER-SOURCE:M" in sam_cards[0]
    assert len(book.cards_with(login, tag)) == 2  # Sam once, Ute once
    assert book.ctag(login) != before
    delta = book.sync(login, token)
    assert len(delta.changed) == 1 and len(delta.removed) == 1  # the S card left, the M came

    unchanged = book.ctag(login)
    second = admin.post(f"/phonebook/{synced['Sam']['id']}/copy-to-manual")
    assert second.status_code == 200 and second.json() == copy
    manual = [e for e in admin.get("/phonebook", params={"source": "M"}).json()["items"]]
    assert [e["id"] for e in manual if e["last_name"] == tag] == [copy["id"]]
    assert book.ctag(login) == unchanged

    admin.patch(f"/phonebook/{copy['id']}", {"phone_work": "+49 111"})
    sam_cards = [c for c in book.cards_with(login, tag) if "FN:Sam" in c]
    assert len(sam_cards) == 1 and "+49 111" in sam_cards[0]

    # The source changes Sam: the S entry follows, the phones still show only the copy.
    changed = [dict(entries[0], phone_work="+49 1-new"), entries[1]]
    assert import_counts(
        admin.post("/phonebook/import", {"source": source, "entries": changed})
    ) == {
        "created": 0,
        "updated": 1,
        "deleted": 0,
    }
    sam_cards = [c for c in book.cards_with(login, tag) if "FN:Sam" in c]
    assert len(sam_cards) == 1 and "+49 111" in sam_cards[0]

    # Deleting the copy brings the synced card back.
    assert admin.delete(f"/phonebook/{copy['id']}").status_code == 204
    sam_cards = [c for c in book.cards_with(login, tag) if "FN:Sam" in c]
    assert len(sam_cards) == 1 and "X-DAVSERVER-SOURCE:S" in sam_cards[0]
    assert "+49 1-new" in sam_cards[0]
    assert any(e.action == "phonebook.copy_to_manual" for e in audit.recent(50))


def test_the_copy_stays_when_the_source_drops_and_adds_the_entry_again(server, admin):
    login = make_login(server, "phone")
    source, tag = unique("crm"), unique("Sync")
    entry = {"first_name": "Eva", "last_name": tag, "phone_work": "+49 5", "external_id": "e-1"}
    [synced] = synced_entries(admin, source, [entry])
    copy = admin.post(f"/phonebook/{synced['id']}/copy-to-manual").json()
    assert admin.post("/phonebook/import", {"source": source, "entries": []}).json()["deleted"] == 1
    [card] = book.cards_with(login, tag)
    assert "X-DAVSERVER-SOURCE:M" in card
    assert admin.delete(f"/phonebook/{copy['id']}").status_code == 204  # no twin to bring back
    assert book.cards_with(login, tag) == []
    copy = admin.created("/phonebook", {"last_name": tag, "phone_work": "+49 5"})
    [again] = synced_entries(admin, source, [entry])
    assert len(book.cards_with(login, tag)) == 2  # a manual entry typed anew is no copy
    assert admin.post(f"/phonebook/{again['id']}/copy-to-manual").status_code == 201
    assert len(book.cards_with(login, tag)) == 2  # the typed one and the copy; no S card


def test_a_manual_entry_is_refused_for_copying(admin):
    entry = manual_entry(admin)
    refusal = error_of(admin.post(f"/phonebook/{entry['id']}/copy-to-manual"), 422)
    assert refusal["error"] == "invalid_value"
