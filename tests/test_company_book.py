"""The read-only company address book (seeds 000 and 002): exported contact persons and
phonebook entries, kept current as the directory changes."""

from __future__ import annotations

import uuid

import pytest
import requests
from lxml import etree

from resources.company_directory import directory, phonebook
from resources.company_directory.carddav_integration import create_integration
from tests.davxml import NS, error_condition, propfind_body, q, responses

CR = "urn:ietf:params:xml:ns:carddav"
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}


def company_path(login) -> str:
    return f"/dav/addressbooks/{login.username}/company/"


def cards(login) -> dict[str, str]:
    """FN-keyed vCards of the company book, read with addressbook-query as a phone would."""
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><CR:address-data/></D:prop>
<CR:filter/></CR:addressbook-query>"""
    r = login.request("REPORT", company_path(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    found = {}
    for props in responses(r.content).values():
        text = props[f"{{{CR}}}address-data"][1].text
        fn = next(line[3:] for line in text.split("\r\n") if line.startswith("FN:"))
        found[fn] = text
    return found


def ctag(login) -> str:
    r = login.request(
        "PROPFIND", company_path(login), propfind_body("CS:getctag"), Depth="0", **XML_TYPE
    )
    return responses(r.content)[company_path(login)][q("CS", "getctag")][1].text


@pytest.fixture(scope="module")
def firms(server):
    tag = uuid.uuid4().hex[:6]
    directory.enable_company_book()
    made = {}
    for category in ("customer", "supplier", "partner"):
        made[category] = directory.create_company(
            name=f"{category.title()} {tag} GmbH",
            category=category,
            street="Hauptstr. 1",
            postal_code="10115",
            city="Berlin",
        )
    made["empty"] = directory.create_company(name=f"Empty {tag} AG", category="customer")
    made["tag"] = tag
    return made


def test_only_exported_contact_persons_appear_with_full_vcards(login, firms):
    tag = firms["tag"]
    directory.create_contact(
        firms["customer"].id,
        first_name="Clara",
        last_name=f"Kunde{tag}",
        position="Buyer",
        department="Purchasing",
        emails=["clara@kunde.example"],
        phone_work="+49 30 1",
        phone_mobile="+49 170 2",
        phone_fax="+49 30 3",
    )
    directory.create_contact(firms["supplier"].id, first_name="Sven", last_name=f"Lieferant{tag}")
    directory.create_contact(firms["partner"].id, first_name="Paula", last_name=f"Partner{tag}")
    directory.create_contact(
        firms["customer"].id, first_name="Ina", last_name=f"Inaktiv{tag}", active=False
    )
    found = {fn: text for fn, text in cards(login).items() if tag in fn or tag in text}
    assert set(found) == {f"Clara Kunde{tag}", f"Sven Lieferant{tag}"}
    clara = found[f"Clara Kunde{tag}"]
    for expected in (
        f"N:Kunde{tag};Clara;;;",
        f"ORG:Customer {tag} GmbH;Purchasing",
        "TITLE:Buyer",
        "EMAIL;TYPE=INTERNET,WORK:clara@kunde.example",
        "TEL;TYPE=WORK,VOICE:+49 30 1",
        "TEL;TYPE=CELL,VOICE:+49 170 2",
        "TEL;TYPE=WORK,FAX:+49 30 3",
        "ADR;TYPE=WORK:;;Hauptstr. 1;Berlin;;10115;",
        "CATEGORIES:Customer",
        "UID:",
        "REV:",
    ):
        assert expected in clara, expected
    assert not any(firms["empty"].name in text for text in cards(login).values())


def test_every_directory_change_moves_the_ctag_and_shows_in_sync(login, firms):
    tag = firms["tag"]
    contact = directory.create_contact(
        firms["supplier"].id, first_name="Tom", last_name=f"Track{tag}"
    )
    directory.create_contact(firms["supplier"].id, first_name="Rita", last_name=f"Stays{tag}")
    sync = '<D:sync-collection xmlns:D="DAV:"><D:sync-token>{}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>'
    token = etree.fromstring(
        login.request("REPORT", company_path(login), sync.format(""), Depth="0", **XML_TYPE).content
    ).findtext("D:sync-token", namespaces=NS)
    steps = [
        lambda: directory.update_contact(contact.id, {"position": "Driver"}),
        lambda: directory.update_contact(contact.id, {"export_carddav": False}),
        lambda: directory.update_contact(contact.id, {"export_carddav": True}),
        lambda: directory.update_company(firms["supplier"].id, {"name": f"Renamed {tag} KG"}),
        lambda: directory.delete_contact(contact.id),
    ]
    for step in steps:
        before = ctag(login)
        step()
        assert ctag(login) != before
        delta = login.request(
            "REPORT", company_path(login), sync.format(token), Depth="0", **XML_TYPE
        )
        assert delta.status_code == 207 and len(responses(delta.content)) >= 1
        token = etree.fromstring(delta.content).findtext("D:sync-token", namespaces=NS)
    renamed = [text for fn, text in cards(login).items() if f"Stays{tag}" in fn]
    assert renamed and f"ORG:Renamed {tag} KG" in renamed[0]
    unchanged = ctag(login)
    directory.update_contact(
        directory.create_contact(firms["partner"].id, first_name="X", last_name=f"Y{tag}").id,
        {"position": "not exported, so no change"},
    )
    assert ctag(login) == unchanged


def test_company_book_is_read_only(login, firms):
    path = company_path(login)
    listing = responses(
        login.request("PROPFIND", path, propfind_body("D:getetag"), Depth="1", **XML_TYPE).content
    )
    name = next(href for href in listing if href != path)
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:X\r\nEND:VCARD\r\n"
    attempts = [
        login.request("PUT", path + "new.vcf", card, Content_Type="text/vcard"),
        login.request("DELETE", name),
        login.request("DELETE", path),
        login.request(
            "PROPPATCH",
            path,
            '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>x</D:displayname></D:prop></D:set></D:propertyupdate>',
            **XML_TYPE,
        ),
    ]
    for attempt in attempts:
        assert attempt.status_code == 403, attempt.text
        assert error_condition(attempt.content) == q("D", "need-privileges")
    login.request(
        "PUT",
        f"/dav/addressbooks/{login.username}/contacts/mine.vcf",
        card,
        Content_Type="text/vcard",
    )
    moved = login.request(
        "MOVE",
        f"/dav/addressbooks/{login.username}/contacts/mine.vcf",
        Destination=login.url(path + "mine.vcf"),
    )
    assert moved.status_code == 403
    privileges = login.request(
        "PROPFIND", path, propfind_body("D:current-user-privilege-set"), Depth="0", **XML_TYPE
    )
    granted = {p.tag for p in etree.fromstring(privileges.content).iterfind(".//D:privilege/*", NS)}
    assert granted == {q("D", "read"), q("D", "read-current-user-privilege-set")}


def test_phonebook_sources_and_manual_entries(login):
    tag = uuid.uuid4().hex[:6]
    source = f"crm-{tag}"
    entries = [
        {"first_name": "Sam", "last_name": f"Sync{tag}", "phone_work": "+49 1", "external_id": "1"},
        {"company": f"Shop {tag}", "phone_work": "+49 2", "external_id": "2"},
    ]
    assert phonebook.import_source(source, entries).created == 2
    before = ctag(login)
    again = phonebook.import_source(source, entries)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0) and ctag(login) == before
    synced = [text for fn, text in cards(login).items() if tag in text]
    assert len(synced) == 2 and all("X-DAVSERVER-SOURCE:S" in text for text in synced)
    sam = phonebook.PhonebookEntry.get(phonebook.PhonebookEntry.last_name == f"Sync{tag}")
    manual = phonebook.copy_to_manual(sam.id).entry
    result = phonebook.import_source(source, entries[1:])
    assert result.deleted == 1
    remaining = {fn: text for fn, text in cards(login).items() if tag in text}
    assert f"Sam Sync{tag}" in remaining and "X-DAVSERVER-SOURCE:M" in remaining[f"Sam Sync{tag}"]
    assert manual.source == "M"


def test_integration_credential_sees_exactly_the_company_book(server):
    from resources.organisation.accounts import create_account

    account = create_account(f"agency-{uuid.uuid4().hex[:6]}")
    integration = create_integration(account.id, server.base_url)
    assert integration.url == f"{server.base_url}/dav/addressbooks/{integration.username}/company/"
    assert len(integration.password) >= 16
    home = f"/dav/addressbooks/{integration.username}/"
    r = requests.request(
        "PROPFIND",
        server.base_url + home,
        data=propfind_body("D:resourcetype"),
        auth=(integration.username, integration.password),
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert set(responses(r.content)) == {home, home + "company/"}
    calendars = requests.request(
        "PROPFIND",
        f"{server.base_url}/dav/calendars/{integration.username}/",
        data=propfind_body("D:resourcetype"),
        auth=(integration.username, integration.password),
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert len(responses(calendars.content)) == 1
