"""The salesforce connector type against a fake Salesforce on 127.0.0.1 (login server
and instance, tests/fake_salesforce.py): the test's ordered checks name what is wrong;
connections are made through the domain with sealed secrets; runs read every page,
map by the type's default mapping into the phonebook (read back over CardDAV), then
fetch only what changed and what was deleted; an expired session, a 429, a 500 mid-way,
the API's limits and refusals, and 10,000 contacts over 50 pages."""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors.catalogue import connector_types
from resources.connectors.salesforce import SALESFORCE
from resources.store.connectors import Connection
from tests import company_book_reading as book
from tests.crm_connections import (
    checks,
    connect,
    counts,
    entries,
    persons,
    revision,
    run_now,
    state_of,
    unchanged_by_failure,
)
from tests.fake_salesforce import FakeSalesforce
from tests.logins import make_login
from tests.source_server import SourceServer
from tests.test_cli import davserver


@pytest.fixture
def sf():
    fake = FakeSalesforce(page_size=3)
    yield fake
    fake.stop()


def seed(
    fake: FakeSalesforce, tag: str, count: int, when: float | None = None, **more
) -> list[str]:
    """Contacts changed now, or from `when` on, two seconds apart (as real data is)."""
    return [
        fake.put(
            f"003{tag}{n:06d}",
            account=f"Firma {tag}",
            when=None if when is None else when + 2 * n,
            FirstName=f"Vor{n}",
            LastName=f"{tag}-{n}",
            Phone=f"+49 30 {n}",
            **more,
        )
        for n in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_type_is_registered_with_a_complete_schema():
    assert connector_types().get("salesforce") is SALESFORCE
    names = [spec.name for spec in SALESFORCE.settings]
    assert names == [
        "login_url",
        "flow",
        "client_id",
        "client_secret",
        "username",
        "password",
        "security_token",
        "api_version",
        "verify_tls",
    ]
    secret = {spec.name for spec in SALESFORCE.settings if spec.secret}
    assert secret == {"client_secret", "password", "security_token"}
    assert all(spec.label and spec.help for spec in SALESFORCE.settings)
    assert SALESFORCE.default_mappings["phonebook"]["company"] == "Account.Name"
    assert SALESFORCE.default_mappings["directory"]["position"] == "Title"


def test_a_passing_test_offers_the_custom_fields(sf):
    seed(sf, "ok", 1)
    outcome = SALESFORCE.test(sf.settings(), HttpxSourceClient())
    assert checks(outcome) == [
        ("url", True),
        ("reachable", True),
        ("client", True),
        ("login", True),
        ("contacts", True),
        ("records", True),
    ]
    assert sf.instance.base_url in outcome.checks[3].message  # the token answer's instance
    assert {"Durchwahl__c", "Kundennummer__c", "Account.Name"} <= set(outcome.source_fields)
    assert "Geburtstag__c" not in outcome.source_fields  # a date is no text field
    assert "2 custom" in outcome.checks[-1].message


def test_the_client_credentials_flow_needs_no_user(server, sf):
    seed(sf, "cc", 2)
    settings = {**sf.settings(flow="client_credentials"), "username": "", "password": ""}
    outcome = SALESFORCE.test(settings, HttpxSourceClient())
    assert outcome.passed, outcome.checks
    form = [a.form() for a in sf.login.asked][-1]
    assert form["grant_type"] == "client_credentials" and "username" not in form
    run = run_now(connect("salesforce", settings))
    assert (run.state, counts(run)) == ("ok", (2, 0, 0, 0, 0)), run.message


@pytest.mark.parametrize(
    "change, failed_check, words",
    [
        ({"client_id": "nope"}, "client", "consumer key (client id)"),
        ({"client_secret": "nope"}, "client", "consumer secret (client secret)"),
        ({"password": "wrong"}, "login", "refused the login (invalid_grant"),
        ({"security_token": ""}, "login", "security token"),
    ],
)
def test_a_refused_login_names_the_part_that_is_wrong(sf, change, failed_check, words):
    seed(sf, "lg", 1)
    outcome = SALESFORCE.test(sf.settings(**change), HttpxSourceClient())
    assert checks(outcome)[-1] == (failed_check, False)
    assert checks(outcome)[:2] == [("url", True), ("reachable", True)]
    assert words in outcome.checks[-1].message


def test_an_unreachable_host_a_bad_certificate_and_a_bad_url(sf, tmp_path):
    client = HttpxSourceClient()
    gone = SALESFORCE.test(sf.settings(login_url=f"http://127.0.0.1:{free_port()}"), client)
    assert checks(gone) == [("url", True), ("reachable", False)]
    assert "cannot be reached" in gone.checks[-1].message
    tls = FakeSalesforce(tls_directory=tmp_path)
    try:
        refused = SALESFORCE.test(tls.settings(), client)
        assert checks(refused) == [("url", True), ("reachable", False)]
        assert "TLS certificate" in refused.checks[-1].message
        trusted = SALESFORCE.test(tls.settings(verify_tls=False), client)
        assert checks(trusted)[-1] == ("records", False)  # reached; the org is empty
    finally:
        tls.stop()
    bad = SALESFORCE.test(sf.settings(login_url="ftp://example.com"), client)
    assert checks(bad) == [("url", False)]


def test_no_permission_and_an_empty_organisation_are_named(sf):
    empty = SALESFORCE.test(sf.settings(), HttpxSourceClient())
    assert checks(empty)[-1] == ("records", False)
    assert "sees no contacts" in empty.checks[-1].message
    sf.faults.no_read_access = True
    refused = SALESFORCE.test(sf.settings(), HttpxSourceClient())
    assert checks(refused)[-1] == ("contacts", False)
    assert "may not read contacts (INSUFFICIENT_ACCESS" in refused.checks[-1].message


def test_the_connection_keeps_its_secrets_sealed(server, sf):
    seed(sf, "sec", 1)
    connection = connect("salesforce", sf.settings())
    plain = json.loads(connection.settings)
    assert "password" not in plain and "client_secret" not in plain
    assert plain["client_id"] == sf.client_id
    for secret in (sf.password, sf.client_secret, sf.security_token):
        assert secret not in connection.secrets and secret not in connection.settings


def test_a_full_run_then_an_incremental_one_with_changes_and_deletions(server, sf):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sf, tag, 7, when=time.time() - 60)
    long_name = f"Müller-{tag} " + "ß" * 150
    sf.put(ids[0], when=time.time() - 90, FirstName="Jürgen", LastName=long_name, Email="j@x.de")
    connection = connect("salesforce", sf.settings())
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (7, 0, 0, 0, 0)), first.message
    got = entries(connection)
    assert got[ids[0]]["first_name"] == "Jürgen"
    assert got[ids[0]]["last_name"].endswith("ß" * 150)
    assert got[ids[1]]["company"] == f"Firma {tag}" and got[ids[1]]["phone_work"] == "+49 30 1"
    assert state_of(connection)["full"] is True
    login = make_login(server)
    assert len(book.cards_with(login, f"Müller-{tag}")) == 1

    sf.put(ids[1], LastName=f"{tag}-changed")
    sf.put(f"003{tag}new001", account=None, LastName=f"{tag}-new", MobilePhone="+49 170 9")
    sf.delete(ids[2])
    sf.instance.asked.clear()
    second = run_now(connection)
    assert (second.state, counts(second)) == ("ok", (1, 1, 1, 5, 0)), second.message
    state = state_of(connection)
    assert state["full"] is False and state["removed"] == 1
    # the changed and the new one, and the newest of the last run again (`>=` its second)
    assert state["fetched"] == 3
    queries = [a.param("q") for a in sf.instance.asked if a.path.endswith("/query/")]
    assert len(queries) == 1 and "WHERE SystemModstamp >= " in queries[0]
    got = entries(connection)
    assert ids[2] not in got and got[ids[1]]["last_name"] == f"{tag}-changed"
    assert got[f"003{tag}new001"]["phone_mobile"] == "+49 170 9"
    assert len(book.cards_with(login, f"{tag}-changed")) == 1

    before = revision()
    quiet = run_now(connection)
    assert (quiet.state, counts(quiet)[:3]) == ("ok", (0, 0, 0)), quiet.message
    assert revision() == before  # a run that changes nothing moves no sync token


def test_an_expired_session_is_answered_by_a_new_login(server, sf):
    tag = uuid.uuid4().hex[:6]
    seed(sf, tag, 10)  # four pages of three
    sf.faults.token_lasts_requests = 2
    connection = connect("salesforce", sf.settings())
    logins_before = len(sf.tokens)
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (10, 0, 0, 0, 0)), run.message
    assert len(sf.tokens) - logins_before >= 2  # the first token expired on the way


def test_a_429_is_waited_out_and_a_long_wait_fails_the_run(server, sf):
    tag = uuid.uuid4().hex[:6]
    seed(sf, tag, 4)
    connection = connect("salesforce", sf.settings())
    sf.faults.busy = ["1"]
    waited = run_now(connection)
    assert (waited.state, counts(waited)) == ("ok", (4, 0, 0, 0, 0)), waited.message
    assert state_of(connection)["waited_seconds"] >= 1
    sf.put(f"003{tag}000001", LastName="Later")
    before = (entries(connection), Connection.get_by_id(connection.id).state, revision())
    sf.faults.busy = ["3600"]
    failed = run_now(connection)
    unchanged_by_failure(connection, failed, *before)
    assert "asks to wait 3600 s" in failed.message and "HTTP 429" in failed.message


def test_a_500_in_the_middle_of_paging_changes_nothing(server, sf):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sf, tag, 8)
    connection = connect("salesforce", sf.settings())
    assert run_now(connection).state == "ok"
    for contact_id in ids:
        sf.put(contact_id, LastName=f"{tag}-again")
    before = (entries(connection), Connection.get_by_id(connection.id).state, revision())
    sf.faults.fail_on_page = 2
    failed = run_now(connection)
    unchanged_by_failure(connection, failed, *before)
    assert "HTTP 500" in failed.message and "UNKNOWN_EXCEPTION" in failed.message
    sf.faults.fail_on_page = None
    recovered = run_now(connection)
    assert counts(recovered) == (0, 8, 0, 0, 0), recovered.message


@pytest.mark.parametrize(
    "fault, words",
    [
        ("limit_exceeded", "used up its API requests for now (REQUEST_LIMIT_EXCEEDED"),
        ("no_read_access", "may not read contacts (INSUFFICIENT_ACCESS"),
    ],
)
def test_the_apis_refusals_fail_the_run_with_a_readable_message(server, sf, fault, words):
    seed(sf, uuid.uuid4().hex[:6], 2)
    connection = connect("salesforce", sf.settings())
    setattr(sf.faults, fault, True)
    failed = run_now(connection)
    assert failed.state == "failed" and words in failed.message
    assert entries(connection) == {}


def test_a_purged_delete_log_makes_the_run_read_everything(server, sf):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sf, tag, 5)
    connection = connect("salesforce", sf.settings())
    assert run_now(connection).state == "ok"
    sf.delete(ids[0])
    sf.faults.delete_log_purged = True
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (0, 0, 1, 4, 0)), run.message
    assert state_of(connection)["full"] is True


def test_a_custom_field_mapping_and_a_missing_field(server, sf):
    tag = uuid.uuid4().hex[:6]
    seed(sf, tag, 2, Durchwahl__c="+49 30 999")
    mapped = connect("salesforce", sf.settings(), mapping={"phone_work": "Durchwahl__c"})
    run = run_now(mapped)
    assert run.state == "ok", run.message
    assert {e["phone_work"] for e in entries(mapped).values()} == {"+49 30 999"}
    broken = connect("salesforce", sf.settings(), mapping={"phone_work": "Nope__c"})
    failed = run_now(broken)
    assert failed.state == "failed" and "no field Nope__c" in failed.message


def test_ten_thousand_contacts_over_fifty_pages(server):
    fake = FakeSalesforce(page_size=200)
    try:
        tag = uuid.uuid4().hex[:6]
        for n in range(10_000):
            fake.put(f"003{tag}{n:07d}", account="Groß AG", LastName=f"L{n}", Phone=f"+4930{n}")
        connection = connect("salesforce", fake.settings())
        fake.instance.asked.clear()
        run = run_now(connection)
        assert (run.state, counts(run)) == ("ok", (10_000, 0, 0, 0, 0)), run.message
        pages = [a for a in fake.instance.asked if "/query/" in a.path]
        assert len(pages) == 50
    finally:
        fake.stop()


def test_the_command_line_runs_a_salesforce_connection(server, sf, fresh_database):
    seed(sf, uuid.uuid4().hex[:6], 2)
    connection = connect("salesforce", sf.settings())
    ran = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "ok: added 2, updated 0, removed 0, unchanged 0, skipped 0"
    assert sf.password not in ran.stdout + ran.stderr


def test_a_value_longer_than_the_phonebook_holds_skips_that_contact(server, sf):
    ids = seed(sf, uuid.uuid4().hex[:6], 3)
    sf.put(ids[0], LastName="Ü" * 5000, Title="x" * 20000)
    connection = connect("salesforce", sf.settings())
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (2, 0, 0, 0, 1)), run.message
    [problem] = json.loads(run.errors)
    assert "last_name" in problem["message"]
    assert ids[0] not in entries(connection)


def test_a_login_url_that_is_no_salesforce_is_named(sf):
    other = SourceServer().start()  # a plain web server: 404 in text for every path
    try:
        outcome = SALESFORCE.test(sf.settings(login_url=other.base_url), HttpxSourceClient())
    finally:
        other.stop()
    assert checks(outcome) == [("url", True), ("reachable", True), ("answer", False)]
    assert "not as Salesforce's token endpoint does" in outcome.checks[-1].message


def test_the_default_directory_mapping_makes_companies_and_persons(server, sf):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sf, tag, 3, Title="Einkauf", Email="e@x.de")
    connection = connect("salesforce", sf.settings(), target="directory")
    assert json.loads(connection.mapping) == SALESFORCE.default_mappings["directory"]
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (3, 0, 0, 0, 0)), run.message
    assert persons(connection)[ids[0]] == (f"Firma {tag}", f"{tag}-0", "Einkauf", "e@x.de")
    sf.delete(ids[1])
    again = run_now(connection)
    assert counts(again)[2] == 1 and ids[1] not in persons(connection)
