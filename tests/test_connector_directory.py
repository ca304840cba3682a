"""Connector runs into the company directory (seeds 000 and 004): a CSV or vCard source on a
real web server feeds companies and their contact persons, and the company book a phone
reads over CardDAV follows run by run (sync-collection deltas); unchanged runs move no
sync token, failed runs change nothing, hand-made companies and persons stay as they are."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.company_directory import directory
from resources.connectors import run_queue
from resources.connectors.carddav_source import CARDDAV_SOURCE
from resources.connectors.connection_settings import split_settings
from resources.connectors.run_worker import run_claimed
from resources.store.connectors import Connection, StagedRecord
from resources.store.database import write_transaction
from resources.store.directory import Company, ContactPerson
from resources.store.synced_directory import SyncedCompany, SyncedContact
from tests import company_book_reading as book
from tests.carddav_sources import start_radicale
from tests.source_server import SourceServer

HEADER = "id;first_name;last_name;position;email;phone_work;company;company_city\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture
def tag(server) -> str:
    directory.enable_company_book()
    return uuid.uuid4().hex[:6]


def new_connection(files, *, type_key="csv-url", path="/crm.csv", mapping=None, defaults=None):
    now = time.time()
    with write_transaction():
        return Connection.create(
            name=f"CRM {uuid.uuid4().hex[:8]}",
            type=type_key,
            target="directory",
            settings=json.dumps({"url": files.url(path)}),
            mapping=json.dumps(mapping or {}),
            defaults=json.dumps(
                defaults if defaults is not None else {"company_category": "supplier"}
            ),
            created=now,
            modified=now,
        )


@pytest.fixture
def connection(files):
    return new_connection(files)


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    return run_claimed(claimed, owner, HttpxSourceClient())


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def two_firms(tag: str, *, anna_position: str = "Buyer", with_ben: bool = True) -> bytes:
    rows = [
        f"1;Anna;Weber{tag};{anna_position};anna@acme.example;+49 30 1;Acme {tag} GmbH;Berlin",
        f"2;Carl;Roth{tag};;carl@acme.example;+49 30 2;Acme {tag} GmbH;",
    ]
    if with_ben:
        rows.append(f"3;Ben;Koch{tag};Chef;ben@beta.example;+49 40 3;Beta {tag} KG;Hamburg")
    return csv(*rows)


def companies(tag: str) -> dict[str, tuple[str, str]]:
    return {
        c.name: (c.category, c.city) for c in Company.select().where(Company.name.contains(tag))
    }


def persons(tag: str) -> dict[str, str]:
    found = ContactPerson.select(ContactPerson, Company).join(Company)
    return {p.last_name: p.company.name for p in found.where(ContactPerson.last_name.contains(tag))}


def test_a_csv_of_two_companies_makes_them_and_their_persons_on_the_phones(
    login, connection, files, tag
):
    files.put("/crm.csv", two_firms(tag))
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (3, 0, 0, 0, 0)), run.message
    assert companies(tag) == {
        f"Acme {tag} GmbH": ("supplier", "Berlin"),  # the first row naming it decides
        f"Beta {tag} KG": ("supplier", "Hamburg"),
    }
    assert persons(tag) == {
        f"Weber{tag}": f"Acme {tag} GmbH",
        f"Roth{tag}": f"Acme {tag} GmbH",
        f"Koch{tag}": f"Beta {tag} KG",
    }
    assert all(
        p.export_carddav
        for p in ContactPerson.select().where(ContactPerson.last_name.contains(tag))
    )
    cards = book.cards_with(login, tag)
    assert len(cards) == 3
    anna = next(card for card in cards if f"Weber{tag}" in card)
    assert book.field(anna, "ORG") == [f"Acme {tag} GmbH"]
    assert book.field(anna, "TITLE") == ["Buyer"]
    assert "anna@acme.example" in anna


def test_an_unchanged_run_moves_no_sync_token_and_a_changed_row_changes_one_card(
    login, connection, files, tag
):
    files.put("/crm.csv", two_firms(tag))
    run_now(connection)
    before = book.sync(login)
    ctag = book.ctag(login)
    again = run_now(connection)
    assert (again.state, counts(again)) == ("ok", (0, 0, 0, 3, 0))
    assert book.ctag(login) == ctag
    assert book.sync(login, before.token) == book.Delta(before.token, set(), set())
    files.put("/crm.csv", two_firms(tag, anna_position="Head of purchasing"))
    changed = run_now(connection)
    assert (changed.state, counts(changed)) == ("ok", (0, 1, 0, 2, 0))
    delta = book.sync(login, before.token)
    assert len(delta.changed) == 1 and not delta.removed
    assert "Head of purchasing" in book.cards(login)[next(iter(delta.changed))]
    assert StagedRecord.select().count() == 0


def test_a_dropped_row_removes_its_person_and_an_emptied_company(login, connection, files, tag):
    files.put("/crm.csv", two_firms(tag))
    run_now(connection)
    before = book.sync(login)
    files.put("/crm.csv", two_firms(tag, with_ben=False))
    dropped = run_now(connection)
    assert (dropped.state, counts(dropped)) == ("ok", (0, 0, 1, 2, 0))
    assert f"Koch{tag}" not in persons(tag)
    assert set(companies(tag)) == {f"Acme {tag} GmbH"}  # Beta had no person left
    delta = book.sync(login, before.token)
    assert not delta.changed and len(delta.removed) == 1
    assert not any(f"Koch{tag}" in card for card in book.cards(login).values())


def test_rows_that_cannot_be_contact_persons_are_skipped_with_their_lines(connection, files, tag):
    files.put(
        "/crm.csv",
        csv(
            f"1;Anna;Weber{tag};;;;Acme {tag};",
            f"2;Ohne;Firma{tag};;;;;",
            f"3;;;;;+49 1;Acme {tag};",
            f"4;Eva;Falsch{tag};;keine-adresse;;Acme {tag};",
        ),
    )
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (1, 0, 0, 0, 3))
    problems = json.loads(run.errors)
    assert [problem["line"] for problem in problems] == [3, 4, 5]
    assert "names no company" in problems[0]["message"]
    assert "neither a first nor a last name" in problems[1]["message"]
    assert "not an e-mail address" in problems[2]["message"]


def test_a_company_category_comes_from_the_mapping_in_either_language(files, tag):
    connection = new_connection(files, mapping={"company_category": "kind"}, defaults={})
    body = (
        "id;last_name;company;kind\n"
        f"1;Kunz{tag};K {tag};Kunde\n2;Lang{tag};L {tag};Lieferant\n"
        f"3;Part{tag};P {tag};\n4;Falsch{tag};F {tag};Freund\n5;Pat{tag};Q {tag};Partner\n"
    )
    files.put("/crm.csv", body.encode())
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (4, 0, 0, 0, 1))
    assert companies(tag) == {
        f"Q {tag}": ("partner", ""),
        f"K {tag}": ("customer", ""),
        f"L {tag}": ("supplier", ""),
        f"P {tag}": ("customer", ""),  # neither source nor defaults: the directory's default
    }
    assert "none of customer, supplier, partner, other" in json.loads(run.errors)[0]["message"]
    exported = ContactPerson.select().where(ContactPerson.last_name.endswith(tag))
    assert {p.last_name: p.export_carddav for p in exported if p.company.name.endswith(tag)} == {
        f"Kunz{tag}": True,
        f"Lang{tag}": True,
        f"Part{tag}": True,
        f"Pat{tag}": False,  # only customers and suppliers are exported by default
    }


@pytest.mark.parametrize(
    "breakage, reason",
    [
        ({"username": "sync", "password": "other"}, "user name or password"),
        ({"body": b"id;first_name;last_name\n1;A;B\n"}, "company"),
        ({"cut_after": 300}, "before it was complete"),
    ],
)
def test_a_failed_run_changes_nothing(login, connection, files, tag, breakage, reason):
    files.put("/crm.csv", two_firms(tag))
    run_now(connection)
    before = (companies(tag), persons(tag), book.cards(login), book.ctag(login))
    body = breakage.pop(
        "body",
        csv(*[f"{n};Neu;Person{n}{tag};;;;Gamma {tag};" for n in range(1, 300)]),
    )
    files.put("/crm.csv", body, **breakage)
    failed = run_now(connection)
    assert failed.state == "failed"
    assert reason in failed.message
    assert (companies(tag), persons(tag), book.cards(login), book.ctag(login)) == before
    assert StagedRecord.select().count() == 0


def test_hand_made_companies_and_persons_are_never_touched(login, connection, files, tag):
    hand = directory.create_company(name=f"Hand {tag} AG", category="partner", city="Köln")
    kept = directory.create_contact(hand.id, first_name="Hanna", last_name=f"Hand{tag}")
    files.put(
        "/crm.csv",
        csv(
            f"1;Sina;Sync{tag};;;;HAND {tag} AG;Bonn",  # joins the hand-made company
            f"2;Otto;Other{tag};;;;Made {tag} GmbH;",
        ),
    )
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (2, 0, 0, 0, 0))
    assert companies(tag)[f"Hand {tag} AG"] == ("partner", "Köln")
    assert persons(tag)[f"Sync{tag}"] == f"Hand {tag} AG"
    made = Company.get(Company.name == f"Made {tag} GmbH")
    own = directory.create_contact(made.id, first_name="Mia", last_name=f"Manual{tag}")
    files.put("/crm.csv", csv())
    emptied = run_now(connection)
    assert (emptied.state, counts(emptied)) == ("ok", (0, 0, 2, 0, 0))
    assert persons(tag) == {f"Hand{tag}": f"Hand {tag} AG", f"Manual{tag}": f"Made {tag} GmbH"}
    assert ContactPerson.get_by_id(kept.id).last_name == f"Hand{tag}"
    assert ContactPerson.get_by_id(own.id).company_id == made.id  # a person keeps it alive
    assert SyncedContact.select().where(SyncedContact.connection == connection.id).count() == 0
    assert SyncedCompany.get(SyncedCompany.company == made.id).connection_id == connection.id


def test_a_vcard_source_feeds_the_directory_with_org_as_company(login, files, tag):
    connection = new_connection(
        files, type_key="vcard-url", path="/contacts.vcf", mapping={"position": "title"}
    )
    files.put(
        "/contacts.vcf",
        (
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:v-1-{tag}\r\nFN:Vera Card{tag}\r\n"
            f"N:Card{tag};Vera;;;\r\nORG:Vcf {tag} GmbH;Sales\r\nTITLE:Key account\r\n"
            "TEL;TYPE=WORK:+49 30 9\r\nEMAIL:vera@vcf.example\r\nEND:VCARD\r\n"
            f"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:v-2-{tag}\r\nN:Alt{tag};Alf\r\n"
            f"ORG:Vcf {tag} GmbH\r\nTEL;CELL:+49 170 9\r\nEND:VCARD\r\n"
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:v-3-{tag}\r\nFN:Nobody{tag}\r\nEND:VCARD\r\n"
        ).encode(),
        content_type="text/vcard",
    )
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (2, 0, 0, 0, 1)), run.message
    assert companies(tag) == {f"Vcf {tag} GmbH": ("supplier", "")}
    vera = ContactPerson.get(ContactPerson.last_name == f"Card{tag}")
    assert (vera.position, vera.department, vera.emails) == (
        "Key account",
        "Sales",
        "vera@vcf.example",
    )
    cards = book.cards_with(login, f"Vcf {tag} GmbH")
    assert len(cards) == 2
    assert any(book.field(card, "TITLE") == ["Key account"] for card in cards)
    again = run_now(connection)
    assert counts(again) == (0, 0, 0, 2, 1)


def test_synced_records_are_marked_and_read_only_but_for_the_export_switch(
    admin, login, connection, files, tag
):
    files.put("/crm.csv", two_firms(tag))
    run_now(connection)
    anna = ContactPerson.get(ContactPerson.last_name == f"Weber{tag}")
    acme = Company.get(Company.name == f"Acme {tag} GmbH")
    hand = directory.create_contact(acme.id, first_name="Hugo", last_name=f"Hand{tag}")
    shown = admin.get(f"/contacts/{anna.id}").json()
    assert (shown["source"], shown["origin"]) == ("S", connection.name)
    listed = admin.get(f"/contacts?company={acme.id}").json()["items"]
    assert {(item["last_name"], item["source"]) for item in listed} == {
        (f"Weber{tag}", "S"),
        (f"Roth{tag}", "S"),
        (f"Hand{tag}", "M"),
    }
    assert admin.get(f"/companies/{acme.id}").json()["source"] == "S"
    for refused in (
        admin.patch(f"/contacts/{anna.id}", {"last_name": "Edited"}),
        admin.delete(f"/contacts/{anna.id}"),
        admin.patch(f"/companies/{acme.id}", {"city": "Potsdam"}),
        admin.delete(f"/companies/{acme.id}"),
    ):
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "synced_entry"
        assert connection.name in refused.json()["message"]
    assert admin.patch(f"/contacts/{hand.id}", {"position": "Boss"}).status_code == 200
    switched = admin.patch(f"/contacts/{anna.id}", {"export_carddav": False})
    assert switched.status_code == 200 and switched.json()["export_carddav"] is False
    files.put("/crm.csv", two_firms(tag, anna_position="Changed at the source"))
    changed = run_now(connection)
    assert counts(changed) == (0, 1, 0, 2, 0)
    anna = ContactPerson.get_by_id(anna.id)
    assert (anna.position, anna.export_carddav) == ("Changed at the source", False)
    assert not book.cards_with(login, f"Weber{tag}")


def contact_form(contact: ContactPerson, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "company": contact.company_id,
        **{
            name: getattr(contact, name)
            for name in (
                "salutation",
                "title",
                "first_name",
                "last_name",
                "position",
                "department",
                "emails",
                "phone_work",
                "phone_mobile",
                "phone_fax",
            )
        },
        "active": "on",
        "export_carddav": "on",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def test_the_admin_screens_mark_synced_records_and_keep_them_read_only(
    admin_ui, connection, files, tag
):
    files.put("/crm.csv", two_firms(tag))
    run_now(connection)
    anna = ContactPerson.get(ContactPerson.last_name == f"Weber{tag}")
    listed = admin_ui.get(f"/directory/contacts?q=Weber{tag}")
    assert f'<span class="marker S" title="synced: {connection.name}">S</span>' in listed.text
    companies_page = admin_ui.get(f"/directory/companies?q=Acme+{tag}")
    assert f"synced: {connection.name}" in companies_page.text
    page = admin_ui.get(f"/directory/contacts/{anna.id}")
    assert 'id="synced-note"' in page.text and connection.name in page.text
    edited = admin_ui.post(f"/directory/contacts/{anna.id}", contact_form(anna, last_name="X"))
    assert edited.status_code == 422 and connection.name in edited.text
    assert ContactPerson.get_by_id(anna.id).last_name == f"Weber{tag}"
    switched = admin_ui.post(
        f"/directory/contacts/{anna.id}", contact_form(anna, export_carddav=None)
    )
    assert switched.status_code == 200 and "is saved" in switched.text  # back on the list
    anna = ContactPerson.get_by_id(anna.id)
    assert (anna.export_carddav, anna.export_chosen, anna.last_name) == (False, True, f"Weber{tag}")


def test_the_example_directory_csv_feeds_the_directory(files, tag):
    example = (Path(__file__).parents[1] / "examples" / "directory.csv").read_text("utf-8")
    for firm in ("Acme GmbH", "Beta KG"):
        example = example.replace(firm, firm.replace(" ", f" {tag} "))
    connection = new_connection(files, defaults={})
    files.put("/crm.csv", example.encode("utf-8"))
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (3, 0, 0, 0, 0)), run.errors
    assert companies(tag) == {
        f"Acme {tag} GmbH": ("customer", "Berlin"),
        f"Beta {tag} KG": ("supplier", "Hamburg"),
    }
    found = {
        p.last_name: p
        for p in ContactPerson.select().join(Company).where(Company.name.contains(tag))
    }
    anna, ben = found["Weber"], found["Koch"]
    assert (anna.salutation, anna.title, anna.position) == ("Frau", "Dr.", "Purchasing")
    assert ben.emails.splitlines() == ["ben.koch@beta.example", "office@beta.example"]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    source = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield source
    source.stop()


def org_card(uid: str, last: str, org: str) -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{last}\r\nN:{last};;;;\r\n"
        f"ORG:{org}\r\nTEL;TYPE=work:+49 30 7\r\nEND:VCARD\r\n"
    )


def test_a_carddav_book_feeds_the_directory_run_by_run(login, radicale, tag):
    path = f"/{radicale.username}/{tag}/"
    radicale.make_book(path, tag)
    for n in (1, 2):
        radicale.put_card(f"{path}{n}.vcf", org_card(f"{tag}-{n}", f"Dav{n}{tag}", f"Dav {tag} AG"))
    settings = {"url": radicale.base_url + path, "username": radicale.username}
    plain, sealed = split_settings(
        {**settings, "password": radicale.password}, CARDDAV_SOURCE.settings
    )
    now = time.time()
    with write_transaction():
        connection = Connection.create(
            name=f"CardDAV {tag}",
            type="carddav",
            target="directory",
            settings=plain,
            secrets=sealed,
            defaults=json.dumps({"company_category": "customer"}),
            created=now,
            modified=now,
        )
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (2, 0, 0, 0, 0)), first.message
    assert persons(tag) == {f"Dav1{tag}": f"Dav {tag} AG", f"Dav2{tag}": f"Dav {tag} AG"}
    before = book.sync(login)
    radicale.put_card(f"{path}2.vcf", org_card(f"{tag}-2", f"Dav2{tag}", f"Moved {tag} AG"))
    radicale.delete(f"{path}1.vcf")
    second = run_now(connection)
    assert (second.state, counts(second)) == ("ok", (0, 1, 1, 0, 0)), second.message
    assert persons(tag) == {f"Dav2{tag}": f"Moved {tag} AG"}
    assert set(companies(tag)) == {f"Moved {tag} AG"}
    delta = book.sync(login, before.token)
    assert len(delta.changed) == 1 and len(delta.removed) == 1


def test_a_company_whose_category_changes_takes_its_persons_export_along(login, files, tag):
    connection = new_connection(files, mapping={"company_category": "kind"}, defaults={})
    body = (
        "id;last_name;company;kind\n1;Erst{tag};Wandel {tag};{kind}\n2;Zweit{tag};Wandel {tag};\n"
    )
    files.put("/crm.csv", body.format(tag=tag, kind="partner").encode())
    run_now(connection)
    assert not book.cards_with(login, f"Wandel {tag}")
    files.put("/crm.csv", body.format(tag=tag, kind="supplier").encode())
    changed = run_now(connection)
    assert counts(changed) == (0, 1, 0, 1, 0)  # the second row said the same as before
    assert companies(tag) == {f"Wandel {tag}": ("supplier", "")}
    assert len(book.cards_with(login, f"Wandel {tag}")) == 2
