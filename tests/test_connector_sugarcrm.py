"""The sugarcrm connector type against a fake SugarCRM (REST v11) on 127.0.0.1
(tests/fake_sugarcrm.py): the test's ordered checks name what is wrong; connections are
made through the domain with sealed secrets; runs read every page by offset, map by the
type's default mapping into the phonebook (read back over CardDAV), then fetch only what
was modified or deleted since; an expired token refreshed, a refused refresh, a 429, a
500 mid-way, no permission, and 10,000 contacts over many pages."""

from __future__ import annotations

import json
import socket
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors.catalogue import connector_types
from resources.connectors.sugarcrm import SUGARCRM
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
from tests.fake_sugarcrm import FakeSugarCrm
from tests.logins import make_login
from tests.source_server import SourceServer
from tests.test_cli import davserver


@pytest.fixture
def sugar():
    fake = FakeSugarCrm(max_page=3)
    yield fake
    fake.stop()


def seed(fake: FakeSugarCrm, tag: str, count: int, **more) -> list[str]:
    return [
        fake.put(
            f"{tag}-{n:04d}",
            first_name=f"Vor{n}",
            last_name=f"{tag}-{n}",
            phone_work=f"+49 40 {n}",
            account_name=f"Zucker {tag}",
            email1=f"p{n}@{tag}.example",
            **more,
        )
        for n in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_type_is_registered_with_a_complete_schema():
    assert connector_types().get("sugarcrm") is SUGARCRM
    names = [spec.name for spec in SUGARCRM.settings]
    assert names == [
        "url",
        "username",
        "password",
        "client_id",
        "client_secret",
        "platform",
        "verify_tls",
    ]
    assert {spec.name for spec in SUGARCRM.settings if spec.secret} == {
        "password",
        "client_secret",
    }
    assert all(spec.label and spec.help for spec in SUGARCRM.settings)
    assert SUGARCRM.default_mappings["phonebook"]["email"] == "email1"
    assert SUGARCRM.default_mappings["directory"]["company"] == "account_name"


def test_a_passing_test_offers_the_custom_fields(sugar):
    seed(sugar, "ok", 1)
    outcome = SUGARCRM.test(sugar.settings(), HttpxSourceClient())
    assert checks(outcome) == [
        ("url", True),
        ("reachable", True),
        ("client", True),
        ("login", True),
        ("contacts", True),
        ("records", True),
    ]
    assert {"durchwahl_c", "kundennummer_c", "account_name"} <= set(outcome.source_fields)
    assert "geburtstag_c" not in outcome.source_fields
    metadata = [a for a in sugar.http.asked if a.path == "/rest/v11/metadata"]
    assert metadata and metadata[0].param("type_filter") == "modules"


@pytest.mark.parametrize(
    "change, failed_check, words",
    [
        ({"client_id": "nope"}, "client", "does not know this OAuth client"),
        ({"client_secret": "x"}, "client", "invalid_client"),
        ({"password": "wrong"}, "login", "refused the login (invalid_grant: Invalid Credentials)"),
    ],
)
def test_a_refused_login_names_the_part_that_is_wrong(sugar, change, failed_check, words):
    outcome = SUGARCRM.test(sugar.settings(**change), HttpxSourceClient())
    assert checks(outcome)[-1] == (failed_check, False)
    assert words in outcome.checks[-1].message


def test_an_unreachable_host_a_bad_certificate_and_a_bad_url(tmp_path):
    client = HttpxSourceClient()
    gone = SUGARCRM.test(
        {"url": f"http://127.0.0.1:{free_port()}", "username": "a", "password": "b"}, client
    )
    assert checks(gone) == [("url", True), ("reachable", False)]
    assert "cannot be reached" in gone.checks[-1].message
    tls = FakeSugarCrm(tls_directory=tmp_path)
    try:
        refused = SUGARCRM.test(tls.settings(), client)
        assert checks(refused) == [("url", True), ("reachable", False)]
        assert "TLS certificate" in refused.checks[-1].message
        trusted = SUGARCRM.test(tls.settings(verify_tls=False), client)
        assert checks(trusted)[-1] == ("records", False)
        assert "sees no contacts" in trusted.checks[-1].message
    finally:
        tls.stop()
    assert checks(SUGARCRM.test({"url": "crm.example.com"}, client)) == [("url", False)]


def test_no_permission_to_read_contacts_is_named(sugar):
    sugar.faults.no_read_access = True
    outcome = SUGARCRM.test(sugar.settings(), HttpxSourceClient())
    assert checks(outcome)[-1] == ("contacts", False)
    assert "may not read contacts (not_authorized" in outcome.checks[-1].message


def test_the_connection_keeps_its_secrets_sealed(server, sugar):
    seed(sugar, "sec", 1)
    connection = connect("sugarcrm", sugar.settings())
    assert "password" not in json.loads(connection.settings)
    assert sugar.password not in connection.secrets + connection.settings


def test_a_full_run_then_an_incremental_one_with_changes_and_deletions(server, sugar):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sugar, tag, 7)
    sugar.put(ids[0], first_name="Łukasz", last_name=f"Żółć-{tag} " + "€" * 150)
    connection = connect("sugarcrm", sugar.settings())
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (7, 0, 0, 0, 0)), first.message
    got = entries(connection)
    assert got[ids[0]]["first_name"] == "Łukasz" and got[ids[0]]["last_name"].endswith("€" * 150)
    assert got[ids[1]] == {
        "first_name": "Vor1",
        "last_name": f"{tag}-1",
        "company": f"Zucker {tag}",
        "phone_work": "+49 40 1",
        "phone_mobile": "",
        "email": f"p1@{tag}.example",  # from the email list: the fake leaves email1 out
    }
    login = make_login(server)
    assert len(book.cards_with(login, f"Żółć-{tag}")) == 1

    sugar.put(ids[1], last_name=f"{tag}-changed")
    sugar.put(f"{tag}-new", last_name=f"{tag}-new", phone_mobile="+49 171 2")
    sugar.delete(ids[2])
    sugar.http.asked.clear()
    second = run_now(connection)
    assert (second.state, counts(second)) == ("ok", (1, 1, 1, 5, 0)), second.message
    lists = [a for a in sugar.http.asked if a.path == "/rest/v11/Contacts"]
    assert lists[0].param("filter[0][date_modified][$gte]").endswith("+00:00")
    assert lists[0].param("deleted") == "true"
    assert state_of(connection)["fetched"] <= 3  # the changed ones and the last second's
    got = entries(connection)
    assert ids[2] not in got and got[ids[1]]["last_name"] == f"{tag}-changed"
    assert len(book.cards_with(login, f"{tag}-changed")) == 1

    before = revision()
    quiet = run_now(connection)
    assert (quiet.state, counts(quiet)[:3]) == ("ok", (0, 0, 0)), quiet.message
    assert revision() == before


def test_an_expired_token_is_refreshed_and_a_refused_refresh_logs_in(server, sugar):
    seed(sugar, uuid.uuid4().hex[:6], 10)
    connection = connect("sugarcrm", sugar.settings())
    sugar.grants.clear()
    sugar.faults.token_lasts_requests = 2
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (10, 0, 0, 0, 0)), run.message
    assert sugar.grants[0] == "password" and "refresh_token" in sugar.grants
    sugar.grants.clear()
    sugar.faults.refresh_refused = True
    sugar.faults.token_lasts_requests = 1
    again = run_now(connection)
    assert again.state == "ok", again.message
    assert sugar.grants.count("password") >= 2  # the refresh was refused: a new login


def test_a_429_is_waited_out_and_a_long_wait_fails_the_run(server, sugar):
    tag = uuid.uuid4().hex[:6]
    seed(sugar, tag, 4)
    connection = connect("sugarcrm", sugar.settings())
    sugar.faults.busy = ["1"]
    waited = run_now(connection)
    assert (waited.state, counts(waited)) == ("ok", (4, 0, 0, 0, 0)), waited.message
    sugar.put(f"{tag}-0000", last_name="Later")
    before = (entries(connection), Connection.get_by_id(connection.id).state, revision())
    sugar.faults.busy = ["Wed, 21 Oct 2099 07:28:00 GMT"]
    failed = run_now(connection)
    unchanged_by_failure(connection, failed, *before)
    assert "SugarCRM asks to wait" in failed.message and "HTTP 429" in failed.message


def test_a_500_in_the_middle_of_paging_changes_nothing(server, sugar):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sugar, tag, 8)
    connection = connect("sugarcrm", sugar.settings())
    assert run_now(connection).state == "ok"
    for contact_id in ids:
        sugar.put(contact_id, last_name=f"{tag}-again")
    before = (entries(connection), Connection.get_by_id(connection.id).state, revision())
    sugar.faults.fail_on_page = 2
    failed = run_now(connection)
    unchanged_by_failure(connection, failed, *before)
    assert "HTTP 500" in failed.message and "fatal_error" in failed.message
    sugar.faults.fail_on_page = None
    recovered = run_now(connection)
    assert counts(recovered) == (0, 8, 0, 0, 0), recovered.message


def test_a_run_without_permission_fails_readably(server, sugar):
    seed(sugar, uuid.uuid4().hex[:6], 2)
    connection = connect("sugarcrm", sugar.settings())
    sugar.faults.no_read_access = True
    failed = run_now(connection)
    assert failed.state == "failed" and "may not read contacts" in failed.message
    assert entries(connection) == {}


def test_a_custom_field_mapping(server, sugar):
    seed(sugar, uuid.uuid4().hex[:6], 2, durchwahl_c="+49 40 77")
    connection = connect("sugarcrm", sugar.settings(), mapping={"phone_mobile": "durchwahl_c"})
    run = run_now(connection)
    assert run.state == "ok", run.message
    assert {e["phone_mobile"] for e in entries(connection).values()} == {"+49 40 77"}


def test_ten_thousand_contacts_over_many_pages(server):
    fake = FakeSugarCrm(max_page=100)
    try:
        tag = uuid.uuid4().hex[:6]
        for n in range(10_000):
            fake.put(f"{tag}-{n:05d}", last_name=f"S{n}", phone_work=f"+4940{n}")
        connection = connect("sugarcrm", fake.settings())
        fake.http.asked.clear()
        run = run_now(connection)
        assert (run.state, counts(run)) == ("ok", (10_000, 0, 0, 0, 0)), run.message
        assert len([a for a in fake.http.asked if a.path == "/rest/v11/Contacts"]) == 100
    finally:
        fake.stop()


def test_the_command_line_runs_a_sugarcrm_connection(server, sugar, fresh_database):
    seed(sugar, uuid.uuid4().hex[:6], 3)
    connection = connect("sugarcrm", sugar.settings())
    ran = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "ok: added 3, updated 0, removed 0, unchanged 0, skipped 0"
    assert sugar.password not in ran.stdout + ran.stderr


def test_a_value_longer_than_the_phonebook_holds_skips_that_contact(server, sugar):
    ids = seed(sugar, uuid.uuid4().hex[:6], 3)
    sugar.put(ids[1], last_name="ß" * 4000)
    connection = connect("sugarcrm", sugar.settings())
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (2, 0, 0, 0, 1)), run.message
    assert "last_name" in json.loads(run.errors)[0]["message"]


def test_an_address_that_is_no_sugarcrm_is_named(sugar):
    other = SourceServer().start()
    try:
        outcome = SUGARCRM.test(sugar.settings(url=other.base_url), HttpxSourceClient())
    finally:
        other.stop()
    assert checks(outcome) == [("url", True), ("reachable", True), ("answer", False)]
    assert "not as SugarCRM's REST API does" in outcome.checks[-1].message


def test_the_default_directory_mapping_makes_companies_and_persons(server, sugar):
    tag = uuid.uuid4().hex[:6]
    ids = seed(sugar, tag, 3, title="Leitung")
    connection = connect("sugarcrm", sugar.settings(), target="directory")
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (3, 0, 0, 0, 0)), run.message
    company, last_name, position, email = persons(connection)[ids[2]]
    assert (company, last_name, position) == (f"Zucker {tag}", f"{tag}-2", "Leitung")
    assert email == f"p2@{tag}.example"
