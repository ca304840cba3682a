"""The company book's switch and its cards (issue 12 item 4), over the JSON API and read
as a phone reads them: switching on keeps the contacts an admin switched off, switching
off empties the book of contact persons, the categories come in the installation's
language, an academic title sits in N's prefix and the company's main number is there."""

from __future__ import annotations

import pytest

from resources.auth import audit
from resources.company_directory import directory
from resources.company_directory.book_language import set_installation_language
from resources.store.directory import DirectorySettings
from tests import api_helpers
from tests import company_book_reading as book
from tests.api_helpers import api_as, error_of, unique
from tests.conftest import make_login

admin = api_helpers.admin  # the fixture, under its own name


@pytest.fixture
def book_restored():
    """Leave the book on and English for the tests after this one, as they expect."""
    yield
    directory.enable_company_book()
    set_installation_language("en")


def new_company(admin, category: str, **fields) -> dict:
    return admin.created("/companies", {"name": unique("Firma"), "category": category, **fields})


def new_contact(admin, company: int, **fields) -> dict:
    return admin.created(
        "/contacts",
        {"company": company, "first_name": "Kim", "last_name": unique("Kontakt"), **fields},
    )


def exported(admin, contact: dict) -> bool:
    return admin.get(f"/contacts/{contact['id']}").json()["export_carddav"]


def test_switching_on_keeps_the_contacts_the_admin_switched_off(server, admin, book_restored):
    login = make_login(server, "phone")
    assert admin.post("/company-book/disable").status_code == 200
    assert admin.get("/company-book").json() == {"enabled": False}
    customer = new_company(admin, "customer")["id"]
    supplier = new_company(admin, "supplier")["id"]
    untouched = new_contact(admin, customer)
    refused_at_creation = new_contact(admin, supplier, export_carddav=False)
    switched_off = new_contact(admin, customer)
    assert admin.patch(f"/contacts/{switched_off['id']}", {"export_carddav": True}).ok
    assert admin.patch(f"/contacts/{switched_off['id']}", {"export_carddav": False}).ok
    chosen_on = new_contact(admin, new_company(admin, "partner")["id"], export_carddav=True)
    names = {c["last_name"] for c in (untouched, refused_at_creation, switched_off, chosen_on)}
    assert not [c for c in book.cards(login).values() if any(n in c for n in names)]

    answer = admin.post("/company-book/enable")
    assert answer.status_code == 200 and answer.json()["exported"] >= 2
    assert exported(admin, untouched) and exported(admin, chosen_on)
    assert not exported(admin, refused_at_creation) and not exported(admin, switched_off)
    shown = {n for n in names if book.cards_with(login, n)}
    assert shown == {untouched["last_name"], chosen_on["last_name"]}
    assert admin.post("/company-book/enable").json() == {"exported": 0}


def test_the_book_is_switched_off_and_on_again(server, admin, book_restored):
    login = make_login(server, "phone")
    assert admin.post("/company-book/enable").status_code == 200
    contact = new_contact(admin, new_company(admin, "customer")["id"])
    off = new_contact(admin, new_company(admin, "supplier")["id"], export_carddav=False)
    entry = admin.created("/phonebook", {"last_name": unique("Telefon"), "phone_work": "+49 7"})
    assert len(book.cards_with(login, contact["last_name"])) == 1
    token, before = book.sync(login).token, book.ctag(login)

    answer = admin.post("/company-book/disable")
    assert answer.status_code == 200 and answer.json()["withdrawn"] >= 1
    assert admin.get("/company-book").json() == {"enabled": False}
    assert book.cards_with(login, contact["last_name"]) == []
    assert not any("X-DAVSERVER-SOURCE" not in card for card in book.cards(login).values())
    assert len(book.cards_with(login, entry["last_name"])) == 1  # the phonebook stays
    assert book.ctag(login) != before
    assert book.sync(login, token).removed
    assert exported(admin, contact) and not exported(admin, off)  # the switches are kept
    assert admin.post("/company-book/disable").json() == {"withdrawn": 0}
    new_while_off = new_contact(admin, new_company(admin, "customer")["id"], export_carddav=True)
    assert book.cards_with(login, new_while_off["last_name"]) == []

    assert admin.post("/company-book/enable").status_code == 200
    assert len(book.cards_with(login, contact["last_name"])) == 1
    assert len(book.cards_with(login, new_while_off["last_name"])) == 1
    assert book.cards_with(login, off["last_name"]) == []
    actions = [e.action for e in audit.recent(50) if e.actor == admin.login]
    assert "directory.disable_company_book" in actions
    assert "directory.enable_company_book" in actions


def test_only_administrators_switch_the_book(server, book_restored):
    user = api_as(server, "user")
    assert error_of(user.post("/company-book/disable"), 403)["error"] == "forbidden"
    assert error_of(user.patch("/installation", {"language": "de"}), 403)["error"] == "forbidden"
    assert DirectorySettings.select().where(DirectorySettings.company_book_enabled).exists()


def test_title_in_the_name_prefix_and_the_main_number(server, admin):
    login = make_login(server, "phone")
    admin.post("/company-book/enable")
    company = new_company(admin, "customer", phone="+49 30 5000")
    contact = new_contact(
        admin,
        company["id"],
        salutation="Frau",
        title="Prof. Dr.",
        position="Einkauf",
        phone_work="+49 30 5001",
    )
    [card] = book.cards_with(login, contact["last_name"])
    assert book.field(card, "N") == [f"{contact['last_name']};Kim;;Frau Prof. Dr.;"]
    assert book.field(card, "ROLE") == [] and book.field(card, "TITLE") == ["Einkauf"]
    assert "TEL;TYPE=WORK,VOICE:+49 30 5001" in card
    assert "TEL;TYPE=WORK,VOICE,MAIN:+49 30 5000" in card
    plain = new_contact(admin, company["id"], title="Dr.", phone_work="+49 30 5000")
    [card] = book.cards_with(login, plain["last_name"])
    assert book.field(card, "N") == [f"{plain['last_name']};Kim;;Dr.;"]
    assert book.field(card, "TEL") == ["+49 30 5000"]  # the same number only once


def test_categories_come_in_the_installation_language(server, admin, book_restored):
    login = make_login(server, "phone")
    admin.post("/company-book/enable")
    assert admin.get("/installation").json() == {"language": "en"}
    supplier = new_contact(admin, new_company(admin, "supplier")["id"])
    partner = new_contact(admin, new_company(admin, "other")["id"], export_carddav=True)
    manual = admin.created("/phonebook", {"last_name": unique("Telefon"), "phone_work": "+49 7"})
    [card] = book.cards_with(login, supplier["last_name"])
    assert book.field(card, "CATEGORIES") == ["Supplier"]
    token, before = book.sync(login).token, book.ctag(login)

    answer = admin.patch("/installation", {"language": "de"})
    assert answer.status_code == 200 and answer.json() == {"language": "de"}
    assert book.ctag(login) != before
    assert book.sync(login, token).changed
    categories = {
        name: book.field(book.cards_with(login, name)[0], "CATEGORIES")
        for name in (supplier["last_name"], partner["last_name"], manual["last_name"])
    }
    assert categories == {
        supplier["last_name"]: ["Lieferant"],
        partner["last_name"]: ["Sonstige"],
        manual["last_name"]: ["Telefonbuch (manuell)"],
    }
    unchanged = book.ctag(login)
    assert admin.patch("/installation", {"language": "de"}).json() == {"language": "de"}
    assert book.ctag(login) == unchanged
    assert any(e.action == "installation.language" for e in audit.recent(20))

    assert admin.patch("/installation", {"language": "en"}).ok
    [card] = book.cards_with(login, supplier["last_name"])
    assert book.field(card, "CATEGORIES") == ["Supplier"]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"language": "fr"}, "invalid_value"),
        ({"language": 1}, "wrong_type"),
        ({"language": None}, "wrong_type"),
        ({"timezone": "UTC"}, "unknown_field"),
    ],
)
def test_bad_installation_settings_are_refused(admin, body, code):
    assert error_of(admin.patch("/installation", body), 422)["error"] == code
    assert admin.get("/installation").json() == {"language": "en"}
