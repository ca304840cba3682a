"""The microsoft365 connector type against a fake identity platform and Microsoft Graph
on 127.0.0.1 (tests/fake_graph.py): the connection test's ordered checks name what is
wrong, tokens are renewed before they expire and after a 401, 429 and 503 are waited
out as Retry-After says, runs page through nextLink and then fetch only the delta, a
forgotten delta token costs a full round, a 500 in the middle of paging fails the run
and changes nothing. Connections are made through the domain (create_connection), runs
go through run_claimed as the run loop does, and the phonebook is read over CardDAV from
a real davserver."""

from __future__ import annotations

import json
import time
import uuid
from email.utils import formatdate

import pytest
from babel.messages.pofile import read_po

from davserver.connector_http import HttpxSourceClient
from resources.connectors import run_queue
from resources.connectors.catalogue import connector_types
from resources.connectors.connections import create_connection
from resources.connectors.graph_session import GraphSession
from resources.connectors.microsoft365 import MICROSOFT_365
from resources.connectors.run_worker import RunWorker, run_claimed
from resources.objects.address_books import company_book
from resources.store.connectors import Connection, StagedRecord
from resources.store.directory import PhonebookEntry
from tests import api_helpers
from tests import company_book_reading as book
from tests.fake_graph import ORG, FakeGraph, contact, org_contact, self_signed_certificate
from tests.server_harness import free_port
from tests.test_admin_ui_translations import TRANSLATIONS
from tests.test_cli import davserver

MAILBOX = "anna@contoso.example"
admin = api_helpers.admin  # the fixture, under its own name


@pytest.fixture
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


def settings_for(graph: FakeGraph, **more: object) -> dict[str, object]:
    return {
        "tenant_id": graph.tenant,
        "client_id": graph.client_id,
        "client_secret": graph.client_secret,
        "contacts": "mailbox",
        "mailbox": MAILBOX,
        "login_url": graph.base_url,
        "graph_url": graph.base_url,
        **more,
    }


def connect(graph: FakeGraph, **more: object) -> Connection:
    connection, _outcome = create_connection(
        f"M365 {uuid.uuid4().hex[:8]}",
        "microsoft365",
        "phonebook",
        settings_for(graph, **more),
        HttpxSourceClient(),
        actor="test",
    )
    return connection


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    return run_claimed(claimed, owner, HttpxSourceClient())


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def entries(connection: Connection) -> dict[str, tuple[str, str, str]]:
    return {
        e.external_id: (e.first_name, e.last_name, e.phone_work)
        for e in PhonebookEntry.select().where(PhonebookEntry.origin == connection.name)
    }


def state_of(connection: Connection) -> dict:
    return json.loads(Connection.get_by_id(connection.id).state)


def checks(outcome) -> list[tuple[str, bool]]:
    return [(check.check, check.ok) for check in outcome.checks]


def graph_gets(graph: FakeGraph) -> list[str]:
    return [path for method, path in graph.requests if method == "GET"]


def test_the_type_is_registered_with_a_schema_translated_to_german():
    assert connector_types().get("microsoft365") is MICROSOFT_365
    names = [spec.name for spec in MICROSOFT_365.settings]
    assert names[:3] == ["tenant_id", "client_id", "client_secret"]
    assert [spec.name for spec in MICROSOFT_365.settings if spec.secret] == ["client_secret"]
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        german = {m.id: m.string for m in read_po(handle) if m.id}
    texts = [MICROSOFT_365.label] + [
        text for spec in MICROSOFT_365.settings for text in (spec.label, spec.help) if text
    ]
    assert [text for text in texts if not german.get(text)] == []
    assert MICROSOFT_365.default_mappings["phonebook"]["last_name"] == "surname"
    assert set(MICROSOFT_365.default_mappings["phonebook"].values()) <= set(
        MICROSOFT_365.source_fields
    )


def test_a_connection_keeps_the_secret_sealed_and_starts_with_the_default_mapping(server, graph):
    graph.put(graph.book(), contact("Pavel", "Bansky", "+1 732 555 0102"))
    connection = connect(graph)
    assert graph.client_secret not in connection.settings + connection.secrets
    assert "client_secret" in json.loads(connection.secrets)
    assert json.loads(connection.mapping)["phone_work"] == "businessPhone"


@pytest.mark.parametrize(
    "change, failed, words",
    [
        ({"login_url": "http://127.0.0.1:{closed}"}, "reachable", "cannot be reached"),
        ({"login_url": "{tls}"}, "reachable", "TLS certificate"),
        ({"tenant_id": "fabrikam.example"}, "client", "tenant 'fabrikam.example'"),
        ({"client_id": "99999999-0000-0000-0000-000000000000"}, "client", "client id"),
        ({"client_secret": "wrong"}, "client", "client secret is wrong"),
        ({"graph_url": "http://127.0.0.1:{other}"}, "token", "not valid"),
        ({"graph_url": "http://127.0.0.1:{closed}"}, "graph", "cannot be reached"),
        ({"mailbox": "nobody@contoso.example"}, "permission", "no such mailbox"),
        ({"folder": "Lieferanten"}, "contacts", "'Kunden'"),
        ({"contacts": "organisation"}, "contacts", "no contacts"),
        ({"mailbox": ""}, "settings", "mailbox"),
    ],
)
def test_the_test_names_exactly_what_is_wrong(graph, tmp_path, change, failed, words):
    graph.put(graph.book(), contact("Pavel", "Bansky", "+1 732 555 0102"))
    graph.add_folder(MAILBOX, "Kunden")
    tls = FakeGraph().start(self_signed_certificate(tmp_path))
    places = {"closed": free_port(), "tls": tls.base_url, "other": free_port()}
    settings = settings_for(graph)
    settings.update({name: str(value).format(**places) for name, value in change.items()})
    if "{closed}" in str(change.get("graph_url")):
        graph.other_resources.add(str(settings["graph_url"]))  # a token for it, no server
    try:
        outcome = MICROSOFT_365.test(settings, HttpxSourceClient())
    finally:
        tls.stop()
    order = ["settings", "reachable", "client", "token", "graph", "permission", "contacts"]
    assert checks(outcome) == [(name, True) for name in order[: order.index(failed)]] + [
        (failed, False)
    ]
    assert words in outcome.checks[-1].message


def test_without_the_permission_the_test_says_which_one_to_grant(graph):
    graph.permissions = set()
    outcome = MICROSOFT_365.test(settings_for(graph), HttpxSourceClient())
    assert checks(outcome)[-1] == ("permission", False)
    assert "Contacts.Read" in outcome.checks[-1].message
    org = MICROSOFT_365.test(settings_for(graph, contacts="organisation"), HttpxSourceClient())
    assert checks(org)[-1] == ("permission", False)
    assert "OrgContact.Read.All" in org.checks[-1].message


def test_a_passing_test_lists_the_fields_and_the_services_own(graph):
    graph.put(
        graph.book(ORG),
        org_contact("Eric", "Solomon", "+1 425 555 0100", extension_abc_costCenter="4711"),
    )
    outcome = MICROSOFT_365.test(settings_for(graph, contacts="organisation"), HttpxSourceClient())
    assert outcome.passed, outcome.checks
    assert outcome.checks[-1].message == "Graph lists 1 contacts."
    assert {"surname", "businessPhone", "businessAddress.city"} <= set(outcome.source_fields)
    assert "extension_abc_costCenter" in outcome.source_fields


def test_a_run_pages_then_fetches_only_the_changes(server, login, graph):
    folder = graph.book()
    people = [
        graph.put(folder, contact(f"Vorname{n}", f"Name{n}", f"+49 30 {n}", id=f"c{n:03}"))
        for n in range(25)
    ]
    graph.max_page_size = 10
    connection = connect(graph)
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (25, 0, 0, 0, 0))
    assert len(graph_gets(graph)) == 1 + 3  # the test's page, then the round's three
    assert entries(connection)["c007"] == ("Vorname7", "Name7", "+49 30 7")
    assert len(book.cards_with(login, "Name24")) == 1
    revision = company_book().sync_revision
    graph.requests.clear()
    unchanged = run_now(connection)
    assert (unchanged.state, counts(unchanged)) == ("ok", (0, 0, 0, 25, 0))
    assert company_book().sync_revision == revision  # no sync token moved
    assert [path for path in graph_gets(graph) if "deltatoken" in path] == graph_gets(graph)
    people[3]["surname"] = "Umbenannt"
    graph.put(folder, people[3])
    graph.remove(folder, "c004")
    graph.put(folder, contact("Neu", "Person", "+49 30 99", id="c100"))
    graph.requests.clear()
    changed = run_now(connection)
    assert (changed.state, counts(changed)) == ("ok", (1, 1, 1, 23, 0))
    assert len(graph_gets(graph)) == 1 and state_of(connection)["changed"] == 3
    assert entries(connection)["c003"] == ("Vorname3", "Umbenannt", "+49 30 3")
    assert "c004" not in entries(connection)
    assert len(book.cards_with(login, "Umbenannt")) == 1


def test_organisation_contacts_merge_deltas_that_carry_only_what_changed(server, graph):
    org = graph.book(ORG)
    eric = graph.put(org, org_contact("Eric", "Solomon", "+1 425 555 0100", id="o1"))
    connection = connect(graph, contacts="organisation")
    assert run_now(connection).state == "ok"
    eric = {**eric, "phones": [{"number": "+1 425 555 0111", "type": "business"}]}
    graph.put(org, eric)
    changed = run_now(connection)
    assert (changed.state, counts(changed)) == ("ok", (0, 1, 0, 0, 0))
    assert entries(connection)["o1"] == ("Eric", "Solomon", "+1 425 555 0111")


def test_a_forgotten_delta_token_starts_a_full_round(server, graph):
    folder = graph.book()
    graph.put(folder, contact("Anna", "Weber", "+49 30 1", id="a1"))
    connection = connect(graph)
    run_now(connection)
    graph.put(folder, contact("Ben", "Koch", "+49 30 2", id="a2"))
    graph.forgotten_before = graph.sequence + 1
    graph.requests.clear()
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (1, 0, 0, 1, 0))
    gets = graph_gets(graph)
    assert "deltatoken" in gets[0] and "token" not in gets[1]


def test_an_invalid_delta_token_starts_a_full_round(server, graph):
    graph.put(graph.book(), contact("Anna", "Weber", "+49 30 1", id="a1"))
    connection = connect(graph)
    run_now(connection)
    state = state_of(connection)
    state["delta_link"] = state["delta_link"].split("$deltatoken=")[0] + "$deltatoken=x%21"
    Connection.update(state=json.dumps(state)).where(Connection.id == connection.id).execute()
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (0, 0, 0, 1, 0))
    assert "$deltatoken=x" not in state_of(connection)["delta_link"]


def test_a_mapping_that_needs_a_field_graph_lacks_fails_the_run(server, graph):
    graph.put(graph.book(), contact("Anna", "Weber", "+49 30 1"))
    connection = connect(graph)
    mapping = {**json.loads(connection.mapping), "last_name": "extension_x_surname"}
    Connection.update(mapping=json.dumps(mapping)).where(Connection.id == connection.id).execute()
    run = run_now(connection)
    assert run.state == "failed" and "no field extension_x_surname" in run.message
    assert entries(connection) == {}


def test_a_500_in_the_middle_of_paging_fails_the_run_and_changes_nothing(server, graph):
    folder = graph.book()
    for n in range(30):
        graph.put(folder, contact("V", f"Name{n}", f"+49 30 {n}", id=f"c{n:03}"))
    graph.max_page_size = 10
    connection = connect(graph)
    run_now(connection)
    before = (entries(connection), company_book().sync_revision, state_of(connection))
    graph.remove(folder, "c001")
    graph.forgotten_before = graph.sequence + 1  # a full round, three pages
    graph.fail_page = 2
    failed = run_now(connection)
    assert failed.state == "failed" and "HTTP 500" in failed.message
    after = (entries(connection), company_book().sync_revision, state_of(connection))
    assert after == before
    assert StagedRecord.select().count() == 0
    graph.fail_page = None
    assert counts(run_now(connection)) == (0, 0, 1, 29, 0)


def test_429_and_503_are_waited_out_as_retry_after_says(server, graph):
    graph.put(graph.book(), contact("Anna", "Weber", "+49 30 1"))
    connection = connect(graph)
    graph.fault("/delta", 429, retry_after="1")
    graph.fault("/delta", 503, retry_after="1")
    run = run_now(connection)
    assert run.state == "ok", run.message
    assert state_of(connection)["waited_seconds"] == 2.0
    graph.fault("/delta", 429, retry_after="3600")
    refused = run_now(connection)
    assert refused.state == "failed" and "busy (HTTP 429)" in refused.message


def test_the_token_is_renewed_before_it_expires_and_after_a_401(graph):
    graph.put(graph.book(), contact("Anna", "Weber", "+49 30 1"))
    now = [1000.0]
    session = GraphSession(settings_for(graph), HttpxSourceClient(), clock=lambda: now[0])
    url = f"{graph.base_url}/v1.0/users/{MAILBOX}/contacts"
    posts = lambda: sum(1 for method, _path in graph.requests if method == "POST")  # noqa: E731
    session.get_json(url)
    session.get_json(url)
    assert posts() == 1
    now[0] += 3599 - 60  # within the renewal margin of its end
    session.get_json(url)
    assert posts() == 2
    graph.expire_tokens()  # the service ends it early: the 401 renews it once
    assert session.get_json(url)["value"]
    assert posts() == 3


def test_unicode_and_very_long_values_arrive_whole(server, graph):
    long_company = "Ä" * 190
    graph.put(
        graph.book(),
        contact("Zoë", "Łukasiewicz-Ñúñez 李", "+49 30 1", id="u1", companyName=long_company),
    )
    graph.put(graph.book(), contact("Lang", "x" * 5000, "+49 30 2", id="u2"))
    connection = connect(graph)
    run = run_now(connection)
    assert run.state == "ok" and run.added == 1 and run.skipped == 1
    assert entries(connection)["u1"] == ("Zoë", "Łukasiewicz-Ñúñez 李", "+49 30 1")
    assert PhonebookEntry.get(PhonebookEntry.external_id == "u1").company == long_company


def test_ten_thousand_contacts_over_many_pages(server, graph):
    folder = graph.book()
    for n in range(10_000):
        folder.contacts[f"c{n:05}"] = contact("V", f"Name{n}", f"+49 30 {n}", id=f"c{n:05}")
    graph.max_page_size = 100
    connection = connect(graph)
    run = run_now(connection)
    assert (run.state, run.added) == ("ok", 10_000)
    assert len([path for path in graph_gets(graph) if "/delta" in path]) == 100
    assert len(state_of(connection)["contacts"]) == 10_000


def test_the_command_line_runs_a_microsoft365_connection(server, graph, fresh_database):
    graph.put(graph.book(), contact("Kai", "Kommando", "+49 30 9", id="k1"))
    connection = connect(graph)
    ran = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "ok: added 1, updated 0, removed 0, unchanged 0, skipped 0"
    assert graph.client_secret not in ran.stdout + ran.stderr
    again = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert again.stdout.splitlines()[0].endswith("unchanged 1, skipped 0")
    assert "$deltatoken=" in state_of(connection)["delta_link"]


def test_a_retry_after_given_as_a_date_is_waited_out_too(graph):
    graph.put(graph.book(), contact("Anna", "Weber", "+49 30 1"))
    session = GraphSession(settings_for(graph), HttpxSourceClient())
    graph.fault("/contacts", 503, retry_after=formatdate(time.time() + 2, usegmt=True))
    assert session.get_json(f"{graph.base_url}/v1.0/users/{MAILBOX}/contacts")["value"]
    assert 0.5 <= session.waited_seconds <= 2.5


@pytest.fixture
def run_loop(server):
    """The run loop of a serving process, polling often (only for the test that asks)."""
    worker = RunWorker(HttpxSourceClient, poll_seconds=0.2).start()
    yield worker
    worker.stop()


def test_over_the_api_the_type_is_offered_saved_without_its_secret_and_run(admin, graph, run_loop):
    graph.put(graph.book(), contact("Ada", "Apitest", "+49 30 77", id="api1"))
    types = {item["key"]: item for item in admin.get("/connector-types").json()["items"]}
    offered = types["microsoft365"]
    assert offered["default_mappings"]["phonebook"]["first_name"] == "givenName"
    assert {spec["name"]: spec["secret"] for spec in offered["settings"]}["client_secret"]
    body = {"name": f"M365 {uuid.uuid4().hex[:8]}", "type": "microsoft365"}
    made = admin.created("/connections", {**body, "settings": settings_for(graph)})
    assert graph.client_secret not in json.dumps(made)
    assert made["mapping"]["last_name"] == "surname"
    queued = admin.post(f"/connections/{made['id']}/run")
    assert queued.status_code == 202, queued.text
    deadline = time.monotonic() + 30
    while (run := admin.get(f"/runs/{queued.json()['id']}").json())["state"] not in (
        "ok",
        "failed",
    ):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    assert (run["state"], run["added"]) == ("ok", 1)
    listed = admin.get("/phonebook", params={"source": "S", "limit": 1000}).json()["items"]
    assert [e["phone_work"] for e in listed if e["last_name"] == "Apitest"] == ["+49 30 77"]
