"""The JSON API for the company directory, the company book, the phonebook and CardDAV
integrations (issue 5 §5-6), checked over HTTP and through the company address book
as a CardDAV client sees it."""

from __future__ import annotations

import pytest
import requests

from resources.store.directory import DirectorySettings
from tests.api_helpers import api_as, error_of, import_counts, unique
from tests.conftest import make_login
from tests.davxml import propfind_body, responses

CR = "urn:ietf:params:xml:ns:carddav"
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}
COMPANY_FIELDS = {
    "id",
    "source",  # S (made by a connection) or M
    "origin",
    "name",
    "category",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "website",
    "active",
}
CONTACT_FIELDS = {
    "id",
    "source",  # S (fed by a connection) or M
    "origin",
    "company",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "position",
    "department",
    "email",
    "emails",
    "phone_work",
    "phone_mobile",
    "phone_fax",
    "active",
    "export_carddav",
}
ENTRY_FIELDS = {
    "id",
    "source",
    "origin",
    "first_name",
    "last_name",
    "company",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "email",
}


def company_book_cards(login) -> list[str]:
    """Every vCard of the company book, read with addressbook-query as a phone would."""
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/><CR:address-data/>
</D:prop><CR:filter/></CR:addressbook-query>"""
    r = login.request(
        "REPORT", f"/dav/addressbooks/{login.username}/company/", body, Depth="1", **XML_TYPE
    )
    assert r.status_code == 207, r.text
    return [props[f"{{{CR}}}address-data"][1].text for props in responses(r.content).values()]


def cards_with(login, text: str) -> list[str]:
    return [card for card in company_book_cards(login) if text in card]


def company_book_hrefs(login) -> set[str]:
    """The member hrefs of the company book from PROPFIND Depth 1."""
    path = f"/dav/addressbooks/{login.username}/company/"
    r = login.request("PROPFIND", path, propfind_body("D:getetag"), Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return set(responses(r.content)) - {path}


def new_company(admin, category: str = "customer", **fields) -> dict:
    return admin.created("/companies", {"name": unique("Firm"), "category": category, **fields})


def new_contact(admin, company: int, **fields) -> dict:
    return admin.created(
        "/contacts",
        {"company": company, "first_name": "Kim", "last_name": unique("Kontakt"), **fields},
    )


def book_on(admin) -> None:
    assert admin.post("/company-book/enable").status_code == 200
    assert admin.get("/company-book").json() == {"enabled": True}


def test_only_administrators_reach_the_directory(server):
    user = api_as(server, "user")
    for path in ("/companies", "/contacts", "/phonebook", "/carddav-integrations", "/company-book"):
        assert error_of(user.get(path), 403)["error"] == "forbidden"
    error_of(user.post("/company-book/enable"), 403)


def test_company_lifecycle(admin):
    name = unique("Müller")
    created = admin.created(
        "/companies",
        {
            "name": name,
            "category": "supplier",
            "street": "Hauptstr. 1",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "Germany",
            "phone": "+49 30 123",
            "website": "https://example.com",
        },
    )
    assert set(created) == COMPANY_FIELDS
    assert {k: v for k, v in created.items() if k != "id"} == {
        "source": "M",
        "origin": "",
        "name": name,
        "category": "supplier",
        "street": "Hauptstr. 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "Germany",
        "phone": "+49 30 123",
        "website": "https://example.com",
        "active": True,
    }
    path = f"/companies/{created['id']}"
    assert admin.get(path).json() == created
    changed = admin.patch(path, {"category": "partner", "active": False, "city": "Potsdam"}).json()
    assert (changed["category"], changed["active"], changed["city"], changed["name"]) == (
        "partner",
        False,
        "Potsdam",
        name,
    )
    assert admin.patch(path, {}).json() == changed
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)
    error_of(admin.delete(path), 404)
    error_of(admin.patch(path, {"city": "Bonn"}), 404)
    audit = admin.get("/audit", params={"limit": 20}).json()["items"]
    assert {("company.create", name), ("company.update", name), ("company.delete", name)} <= {
        (e["action"], e["target"]) for e in audit if e["actor"] == admin.login
    }


def test_companies_are_filtered_by_category_and_active(admin):
    customer = new_company(admin, "customer")
    retired = new_company(admin, "customer", active=False)
    partner = new_company(admin, "partner")

    def ids(**params) -> set[int]:
        response = admin.get("/companies", params=params)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    mine = {customer["id"], retired["id"], partner["id"]}
    assert ids() >= mine
    assert ids(category="customer") & mine == {customer["id"], retired["id"]}
    assert ids(category="customer", active="true") & mine == {customer["id"]}
    assert ids(active="false") & mine == {retired["id"]}
    assert ids(category="partner") & mine == {partner["id"]}
    assert (
        error_of(admin.get("/companies", params={"category": "vendor"}), 422)["error"]
        == "invalid_value"
    )
    error_of(admin.get("/companies", params={"active": "yes"}), 422)


@pytest.mark.parametrize(
    "body, code",
    [
        ({"name": "X", "category": "vendor"}, "invalid_value"),
        ({"name": "X", "colour": "red"}, "unknown_field"),
        ({"category": "customer"}, "missing_field"),
        ({"name": "   "}, "invalid_value"),
        ({"name": "X", "active": "yes"}, "wrong_type"),
        ({"name": "X" * 301}, "invalid_value"),
        ({"name": "X", "phone": 30123}, "wrong_type"),
        ({"name": "X\x00Y"}, "invalid_value"),  # PostgreSQL cannot store a NUL: a 500 before
        ({"name": "X", "city": "Ber\x1blin"}, "invalid_value"),
    ],
)
def test_bad_companies_are_refused(admin, body, code):
    assert error_of(admin.post("/companies", body), 422)["error"] == code


def test_bad_company_changes_are_refused(admin):
    path = f"/companies/{new_company(admin)['id']}"
    assert error_of(admin.patch(path, {"category": "vendor"}), 422)["error"] == "invalid_value"
    assert error_of(admin.patch(path, {"owner": "me"}), 422)["error"] == "unknown_field"
    assert error_of(admin.patch(path, {"name": ""}), 422)["error"] == "invalid_value"


@pytest.mark.parametrize(
    "path", ["/companies", "/contacts", "/phonebook", "/phonebook/import", "/carddav-integrations"]
)
def test_broken_json_is_refused(admin, path):
    broken = admin.http.post(
        admin.url(path), data=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert error_of(broken, 400)["error"] == "invalid_json"
    as_form = admin.http.post(
        admin.url(path), data=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert error_of(as_form, 400)["error"] == "wrong_content_type"
    assert error_of(admin.post(path, ["not", "an", "object"]), 422)["error"] == "wrong_type"


def test_contact_lifecycle(admin):
    company = new_company(admin, "partner")
    last_name = unique("Schmidt")
    created = admin.created(
        "/contacts",
        {
            "company": company["id"],
            "salutation": "Frau",
            "title": "Dr.",
            "first_name": "Anna",
            "last_name": last_name,
            "position": "Buyer",
            "department": "Purchasing",
            "email": "anna@example.com",
            "phone_work": "+49 30 1",
            "phone_mobile": "+49 170 2",
            "phone_fax": "+49 30 3",
            "export_carddav": False,
        },
    )
    assert set(created) == CONTACT_FIELDS
    assert (created["company"], created["email"], created["emails"], created["active"]) == (
        company["id"],
        "anna@example.com",
        ["anna@example.com"],
        True,
    )
    path = f"/contacts/{created['id']}"
    assert admin.get(path).json() == created
    changed = admin.patch(
        path, {"emails": ["a.schmidt@example.com", "anna@example.com"], "position": "Head"}
    ).json()
    assert (changed["email"], changed["emails"], changed["position"]) == (
        "a.schmidt@example.com",
        ["a.schmidt@example.com", "anna@example.com"],
        "Head",
    )
    other = new_company(admin, "other")
    assert admin.patch(path, {"company": other["id"]}).json()["company"] == other["id"]
    assert admin.patch(path, {"email": ""}).json()["emails"] == []
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)
    error_of(admin.delete(path), 404)


def test_contacts_are_filtered_by_company_and_export(admin):
    company = new_company(admin, "customer")
    exported = new_contact(admin, company["id"], export_carddav=True)
    kept_back = new_contact(admin, company["id"], export_carddav=False)
    elsewhere = new_contact(admin, new_company(admin)["id"], export_carddav=True)

    def ids(**params) -> list[int]:
        response = admin.get("/contacts", params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert set(ids(company=company["id"])) == {exported["id"], kept_back["id"]}
    assert ids(company=company["id"], export_carddav="true") == [exported["id"]]
    assert ids(company=company["id"], export_carddav="false") == [kept_back["id"]]
    assert elsewhere["id"] in ids(export_carddav="true") and elsewhere["id"] not in ids(
        export_carddav="false"
    )
    for bad in ({"company": "abc"}, {"company": "0"}, {"export_carddav": "1"}):
        error_of(admin.get("/contacts", params=bad), 422)


def test_bad_contacts_are_refused(admin):
    company = new_company(admin)["id"]
    cases = [
        ({"first_name": "No", "last_name": "Company"}, "missing_field"),
        ({"company": 999_999_999, "last_name": "Ghost"}, "unknown_reference"),
        ({"company": "acme", "last_name": "Ghost"}, "wrong_type"),
        ({"company": company, "nickname": "K"}, "unknown_field"),
        ({"company": company, "email": "not-an-address"}, "invalid_value"),
        ({"company": company, "email": "a@example.com\nb@example.com"}, "invalid_value"),
        (
            {"company": company, "email": "a@example.com", "emails": ["b@example.com"]},
            "invalid_value",
        ),
        ({"company": company, "emails": "a@example.com"}, "wrong_type"),
        ({"company": company, "export_carddav": "yes"}, "wrong_type"),
    ]
    for body, code in cases:
        assert error_of(admin.post("/contacts", body), 422)["error"] == code, body
    path = f"/contacts/{new_contact(admin, company)['id']}"
    assert (
        error_of(admin.patch(path, {"company": 999_999_999}), 422)["error"] == "unknown_reference"
    )
    assert error_of(admin.patch(path, {"company": None}), 422)["error"] == "wrong_type"


def test_switching_the_company_book_on_exports_customers_and_suppliers_once(admin):
    DirectorySettings.update(company_book_enabled=False).execute()  # as on a fresh installation
    assert admin.get("/company-book").json() == {"enabled": False}
    firms = {
        category: new_company(admin, category)["id"]
        for category in ("customer", "supplier", "partner")
    }
    contacts = {category: new_contact(admin, firm) for category, firm in firms.items()}
    inactive = new_contact(admin, firms["customer"], active=False)
    assert not any(c["export_carddav"] for c in (*contacts.values(), inactive))

    first = admin.post("/company-book/enable")
    assert first.status_code == 200 and first.json()["exported"] >= 2
    assert admin.get("/company-book").json() == {"enabled": True}
    exported = {
        c: admin.get(f"/contacts/{contact['id']}").json()["export_carddav"]
        for c, contact in contacts.items()
    }
    assert exported == {"customer": True, "supplier": True, "partner": False}
    assert admin.get(f"/contacts/{inactive['id']}").json()["export_carddav"] is False
    assert admin.post("/company-book/enable").json() == {"exported": 0}

    assert new_contact(admin, firms["supplier"])["export_carddav"] is True
    assert new_contact(admin, firms["partner"])["export_carddav"] is False
    assert new_contact(admin, firms["customer"], export_carddav=False)["export_carddav"] is False


def test_the_export_switch_shows_in_the_company_book(server, admin):
    book_on(admin)
    login = make_login(server, "phone")
    company = new_company(admin, "partner", street="Ring 5", city="Köln", postal_code="50667")
    contact = new_contact(admin, company["id"], email="kim@example.com", phone_work="+49 221 1")
    marker = contact["last_name"]
    assert contact["export_carddav"] is False and cards_with(login, marker) == []
    before = company_book_hrefs(login)

    path = f"/contacts/{contact['id']}"
    assert admin.patch(path, {"export_carddav": True}).json()["export_carddav"] is True
    [card] = cards_with(login, marker)
    for expected in (
        f"FN:Kim {marker}",
        f"ORG:{company['name']}",
        "EMAIL;TYPE=INTERNET,WORK:kim@example.com",
        "TEL;TYPE=WORK,VOICE:+49 221 1",
        "CATEGORIES:Partner",
        "ADR;TYPE=WORK:;;Ring 5;Köln;;50667;",
    ):
        assert expected in card, expected
    assert len(company_book_hrefs(login) - before) == 1

    renamed = unique("Renamed")
    admin.patch(f"/companies/{company['id']}", {"name": renamed})
    assert f"ORG:{renamed}" in cards_with(login, marker)[0]
    admin.patch(f"/companies/{company['id']}", {"active": False})
    assert cards_with(login, marker) == []
    admin.patch(f"/companies/{company['id']}", {"active": True})
    assert len(cards_with(login, marker)) == 1

    assert admin.patch(path, {"export_carddav": False}).json()["export_carddav"] is False
    assert cards_with(login, marker) == [] and company_book_hrefs(login) == before
    admin.patch(path, {"export_carddav": True})
    admin.delete(f"/companies/{company['id']}")
    assert cards_with(login, marker) == []
    error_of(admin.get(path), 404)


def test_manual_phonebook_entries(server, admin):
    book_on(admin)
    login = make_login(server, "phone")
    last_name = unique("Manuell")
    created = admin.created(
        "/phonebook",
        {
            "first_name": "Max",
            "last_name": last_name,
            "company": "Taxi Nord",
            "phone_work": "+49 40 1",
            "phone_home": "+49 40 2",
            "email": "max@nord.de",
        },
    )
    assert set(created) == ENTRY_FIELDS
    assert (created["source"], created["origin"], created["phone_home"]) == ("M", "", "+49 40 2")
    listed = admin.get("/phonebook", params={"source": "M"}).json()["items"]
    assert created in listed
    assert created["id"] not in {
        e["id"] for e in admin.get("/phonebook", params={"source": "S"}).json()["items"]
    }
    [card] = cards_with(login, last_name)
    assert "X-DAVSERVER-SOURCE:M" in card and "TEL;TYPE=HOME,VOICE:+49 40 2" in card

    assert (
        error_of(admin.post(f"/phonebook/{created['id']}/copy-to-manual"), 422)["error"]
        == "invalid_value"
    )
    assert admin.delete(f"/phonebook/{created['id']}").status_code == 204
    assert cards_with(login, last_name) == []
    error_of(admin.delete(f"/phonebook/{created['id']}"), 404)
    error_of(admin.post(f"/phonebook/{created['id']}/copy-to-manual"), 404)


@pytest.mark.parametrize(
    "body, code",
    [
        ({"first_name": "No", "last_name": "Number"}, "invalid_value"),
        ({"phone_work": "+49 1"}, "invalid_value"),
        ({"last_name": "X", "phone_work": "+49 1", "fax": "+49 2"}, "unknown_field"),
        ({"last_name": "X", "phone_work": 491}, "wrong_type"),
        ({"last_name": "X", "phone_work": "1" * 61}, "invalid_value"),
    ],
)
def test_bad_phonebook_entries_are_refused(admin, body, code):
    assert error_of(admin.post("/phonebook", body), 422)["error"] == code


def test_phonebook_filter_is_checked(admin):
    assert (
        error_of(admin.get("/phonebook", params={"source": "X"}), 422)["error"] == "invalid_value"
    )


def test_imports_are_idempotent_and_manual_copies_survive(server, admin):
    book_on(admin)
    login = make_login(server, "phone")
    source, tag = unique("crm"), unique("Sync")
    entries = [
        {"first_name": "Sam", "last_name": tag, "phone_work": "+49 1", "external_id": "c-1"},
        {"company": f"Shop {tag}", "phone_mobile": "+49 2", "external_id": "c-2"},
        {"first_name": "Ute", "last_name": tag, "phone_home": "+49 3"},  # keyed by its content
    ]
    assert import_counts(
        admin.post("/phonebook/import", {"source": source, "entries": entries})
    ) == {
        "created": 3,
        "updated": 0,
        "deleted": 0,
    }
    assert import_counts(
        admin.post("/phonebook/import", {"source": source, "entries": entries})
    ) == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    synced = [
        e
        for e in admin.get("/phonebook", params={"source": "S"}).json()["items"]
        if e["origin"] == source
    ]
    assert len(synced) == 3 and all(set(e) == ENTRY_FIELDS and e["source"] == "S" for e in synced)
    assert (
        all("X-DAVSERVER-SOURCE:S" in card for card in cards_with(login, tag))
        and len(cards_with(login, tag)) == 3
    )

    sam = next(e for e in synced if e["first_name"] == "Sam")
    copy = admin.post(f"/phonebook/{sam['id']}/copy-to-manual")
    assert copy.status_code == 201, copy.text
    manual = copy.json()
    assert (manual["source"], manual["first_name"], manual["last_name"], manual["phone_work"]) == (
        "M",
        "Sam",
        tag,
        "+49 1",
    ) and manual["id"] != sam["id"]

    changed = [dict(entries[1], phone_mobile="+49 22"), entries[2]]
    assert import_counts(
        admin.post("/phonebook/import", {"source": source, "entries": changed})
    ) == {
        "created": 0,
        "updated": 1,
        "deleted": 1,
    }
    assert import_counts(
        admin.post("/phonebook/import", {"source": source, "entries": changed})
    ) == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    everything = {e["id"]: e for e in admin.get("/phonebook").json()["items"]}
    assert everything[manual["id"]] == manual and sam["id"] not in everything
    sam_cards = [card for card in cards_with(login, tag) if "FN:Sam" in card]
    assert len(sam_cards) == 1 and "X-DAVSERVER-SOURCE:M" in sam_cards[0]
    assert any("+49 22" in card for card in cards_with(login, tag))

    other_source = unique("erp")
    assert (
        admin.post("/phonebook/import", {"source": other_source, "entries": [entries[0]]}).json()[
            "created"
        ]
        == 1
    )
    assert import_counts(admin.post("/phonebook/import", {"source": source, "entries": []})) == {
        "created": 0,
        "updated": 0,
        "deleted": 2,
    }
    remaining = [e for e in admin.get("/phonebook").json()["items"] if e["last_name"] == tag]
    assert {(e["source"], e["origin"]) for e in remaining} == {("M", ""), ("S", other_source)}


@pytest.mark.parametrize(
    "body, code, words",
    [
        ({"entries": []}, "missing_field", "source"),
        ({"source": "crm"}, "missing_field", "entries"),
        ({"source": "   ", "entries": []}, "invalid_value", "source"),
        ({"source": 7, "entries": []}, "wrong_type", "source"),
        ({"source": "crm", "entries": {"a": 1}}, "wrong_type", "entries"),
        ({"source": "crm", "entries": ["Sam"]}, "wrong_type", "Entry 1"),
        (
            {
                "source": "crm",
                "entries": [{"last_name": "A", "phone_work": "1"}, {"last_name": "B", "fax": "2"}],
            },
            "unknown_field",
            "Entry 2",
        ),
        (
            {"source": "crm", "entries": [{"last_name": "A", "phone_work": 1}]},
            "wrong_type",
            "Entry 1",
        ),
        ({"source": "crm", "entries": [{"last_name": "No number"}]}, "invalid_value", "Entry 1"),
        ({"source": "crm", "entries": [], "mode": "merge"}, "unknown_field", "mode"),
    ],
)
def test_bad_imports_are_refused(admin, body, code, words):
    refusal = error_of(admin.post("/phonebook/import", body), 422)
    assert refusal["error"] == code and words in refusal["message"], refusal


def test_carddav_integration_sees_exactly_the_company_book(server, admin):
    account = admin.created("/users", {"login": unique("agency")})
    response = admin.post("/carddav-integrations", {"user": account["id"]})
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    made = response.json()
    assert set(made) == {"username", "password", "url"} and len(made["password"]) >= 16
    home = f"/dav/addressbooks/{made['username']}/"
    assert made["url"] == f"{server.base_url}{home}company/"
    assert admin.get("/company-book").json() == {"enabled": True}

    auth = (made["username"], made["password"])
    found = requests.request(
        "PROPFIND",
        server.base_url + home,
        data=propfind_body("D:resourcetype"),
        auth=auth,
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert found.status_code == 207 and set(responses(found.content)) == {home, home + "company/"}

    listed = admin.get("/carddav-integrations").json()["items"]
    mine = next(item for item in listed if item["username"] == made["username"])
    assert {k: v for k, v in mine.items() if k != "last_used"} == {
        "username": made["username"],
        "user": account["id"],
        "url": made["url"],
    }
    assert "password" not in str(listed)
    assert admin.get(f"/credentials/{made['username']}").json()["service_classes"] == ["carddav"]

    second = admin.post("/carddav-integrations", {"user": account["id"]}).json()
    assert second["username"] != made["username"] and second["password"] != made["password"]


def test_bad_integrations_are_refused(admin):
    assert error_of(admin.post("/carddav-integrations", {}), 422)["error"] == "missing_field"
    assert (
        error_of(admin.post("/carddav-integrations", {"user": 999_999_999}), 422)["error"]
        == "unknown_reference"
    )
    assert (
        error_of(admin.post("/carddav-integrations", {"user": "bob"}), 422)["error"] == "wrong_type"
    )
    assert (
        error_of(admin.post("/carddav-integrations", {"user": 1, "password": "x"}), 422)["error"]
        == "unknown_field"
    )
