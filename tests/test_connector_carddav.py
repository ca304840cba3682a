"""The carddav connector type against real CardDAV servers on 127.0.0.1: Radicale (from
PyPI) and a second davserver (`davserver serve` on a database of its own). Discovery from
the root, a principal, the address book home and the book; several books; a refused
login; incremental runs with sync-collection and, where a server offers none, with the
ctag and ETags (a recording proxy in front counts what each run fetches); a failed run
keeps the state of the last good one. Runs go through run_claimed, as the run loop does,
and through `davserver connection run NAME`."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors import run_queue
from resources.connectors.carddav_source import CARDDAV_SOURCE
from resources.connectors.catalogue import connector_types
from resources.connectors.connection_settings import split_settings
from resources.connectors.run_worker import run_claimed
from resources.store.connectors import Connection
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry
from tests.carddav_sources import DavProxy, DavServer, start_radicale, vcard
from tests.server_harness import FreshDatabase, add_login_by_command, start_server_process
from tests.test_cli import davserver


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def other_davserver(tmp_path_factory):
    """A second davserver with a login of its own; its home has `contacts` and `company`."""
    work = tmp_path_factory.mktemp("other-davserver")
    database = FreshDatabase(str(work))
    add_login_by_command(database.url, "sam", "sam-password-1")
    process = start_server_process(database.url, work, env={"DAVSERVER_SECRET_KEYS": ""})
    yield DavServer(process.base_url, "sam", "sam-password-1", database_url=database.url)
    process.stop()
    database.drop()


def new_book(server: DavServer, name: str = "") -> str:
    path = f"/{server.username}/{uuid.uuid4().hex[:10]}/"
    server.make_book(path, name or path.strip("/"))
    return path


def fresh_book(server: DavServer) -> tuple[DavServer, str]:
    """An empty address book of its own: a new book on Radicale; on davserver, whose
    homes have a fixed `contacts` book, the book of a new login."""
    if not server.database_url:
        return server, new_book(server)
    username = f"u{uuid.uuid4().hex[:8]}"
    add_login_by_command(server.database_url, username, f"pw-{username}")
    login = DavServer(server.base_url, username, f"pw-{username}")
    return login, f"/dav/addressbooks/{username}/contacts/"


def settings_for(server: DavServer, url: str, **more: str) -> dict[str, str]:
    return {"url": url, "username": server.username, "password": server.password, **more}


def make_connection(settings: dict[str, str]) -> Connection:
    plain, sealed = split_settings(settings, CARDDAV_SOURCE.settings)
    now = time.time()
    with write_transaction():
        return Connection.create(
            name=f"CardDAV {uuid.uuid4().hex[:8]}",
            type="carddav",
            target="phonebook",
            settings=plain,
            secrets=sealed,
            created=now,
            modified=now,
        )


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None and claimed.connection_id == connection.id
    return run_claimed(claimed, owner, HttpxSourceClient())


def counts(run) -> tuple[int, int, int, int, int]:
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def entries(connection: Connection) -> dict[str, tuple[str, str]]:
    return {
        e.external_id: (e.last_name, e.phone_work)
        for e in PhonebookEntry.select().where(PhonebookEntry.origin == connection.name)
    }


def state_of(connection: Connection) -> dict:
    return json.loads(Connection.get_by_id(connection.id).state)


def checks(outcome) -> list[tuple[str, bool]]:
    return [(check.check, check.ok) for check in outcome.checks]


def test_the_type_is_registered_with_its_settings():
    assert connector_types().get("carddav") is CARDDAV_SOURCE
    assert [spec.name for spec in CARDDAV_SOURCE.settings] == [
        "url",
        "username",
        "password",
        "verify_tls",
        "addressbook",
    ]
    assert "phone_mobile" in CARDDAV_SOURCE.source_fields


def test_radicale_is_found_from_the_root_the_principal_and_the_book(radicale):
    first = new_book(radicale, "Kunden")
    second = new_book(radicale, "Lieferanten")
    radicale.put_card(first + "a.vcf", vcard("k-1", "Weber", "+49 30 1"))
    client = HttpxSourceClient()
    book = CARDDAV_SOURCE.test(settings_for(radicale, radicale.base_url + first), client)
    assert checks(book) == [
        ("url", True),
        ("reachable", True),
        ("answer", True),
        ("addressbook", True),
        ("sync", True),
    ]
    assert "'Kunden'" in book.checks[3].message and "sync-collection" in book.checks[4].message
    for start in ("/", "/alice/"):
        several = CARDDAV_SOURCE.test(settings_for(radicale, radicale.base_url + start), client)
        assert checks(several)[-1] == ("addressbook", False)
        assert "'Kunden'" in several.checks[-1].message
        assert "'Lieferanten'" in several.checks[-1].message
        assert "setting 'addressbook'" in several.checks[-1].message
        chosen = CARDDAV_SOURCE.test(
            settings_for(radicale, radicale.base_url + start, addressbook="Kunden"), client
        )
        assert chosen.passed, chosen.checks
        assert first in chosen.checks[3].message and second in chosen.checks[3].message
    missing = CARDDAV_SOURCE.test(
        settings_for(radicale, radicale.base_url + "/", addressbook="Nope"), client
    )
    assert checks(missing)[-1] == ("addressbook", False)
    assert "No address book is called 'Nope'" in missing.checks[-1].message


def test_a_second_davserver_is_found_from_root_principal_home_and_book(other_davserver):
    client = HttpxSourceClient()
    base = other_davserver.base_url
    home = CARDDAV_SOURCE.test(
        settings_for(other_davserver, base + "/dav/addressbooks/sam/"), client
    )
    assert checks(home)[-1] == ("addressbook", False)
    assert "/dav/addressbooks/sam/contacts/" in home.checks[-1].message
    assert "/dav/addressbooks/sam/company/" in home.checks[-1].message
    for start in ("/", "/dav/principals/sam/", "/dav/addressbooks/sam/"):
        found = CARDDAV_SOURCE.test(
            settings_for(other_davserver, base + start, addressbook="contacts"), client
        )
        assert found.passed, (start, found.checks)
        assert "/dav/addressbooks/sam/contacts/" in found.checks[3].message
    book = CARDDAV_SOURCE.test(
        settings_for(other_davserver, base + "/dav/addressbooks/sam/contacts/"), client
    )
    assert book.passed and "sync-collection" in book.checks[-1].message


@pytest.mark.parametrize("which", ["radicale", "other_davserver"])
def test_a_refused_login_fails_the_test_and_the_run(request, server, which):
    source, path = fresh_book(request.getfixturevalue(which))
    wrong = {**settings_for(source, source.base_url + path), "password": "wrong"}
    outcome = CARDDAV_SOURCE.test(wrong, HttpxSourceClient())
    assert checks(outcome) == [("url", True), ("reachable", True), ("answer", False)]
    assert "user name or password (HTTP 401)" in outcome.checks[-1].message
    failed = run_now(make_connection(wrong))
    assert failed.state == "failed" and "user name or password" in failed.message


@pytest.mark.parametrize("which", ["radicale", "other_davserver"])
def test_sync_collection_runs_fetch_only_what_changed(request, server, which):
    source, path = fresh_book(request.getfixturevalue(which))
    tag = uuid.uuid4().hex[:6]
    for n in (1, 2, 3):
        source.put_card(f"{path}{tag}-{n}.vcf", vcard(f"{tag}-{n}", f"Name{n}", f"+49 30 {n}"))
    proxy = DavProxy(source.base_url).start()
    try:
        connection = make_connection(settings_for(source, proxy.base_url + path))
        first = run_now(connection)
        assert (first.state, counts(first)) == ("ok", (3, 0, 0, 0, 0)), first.message
        assert proxy.multiget_hrefs() == 3
        assert state_of(connection)["mode"] == "sync"
        source.put_card(f"{path}{tag}-4.vcf", vcard(f"{tag}-4", "Name4", "+49 30 4"))
        source.put_card(f"{path}{tag}-2.vcf", vcard(f"{tag}-2", "Changed2", "+49 30 2"))
        source.delete(f"{path}{tag}-3.vcf")
        proxy.requests.clear()
        second = run_now(connection)
        assert (second.state, counts(second)) == ("ok", (1, 1, 1, 1, 0)), second.message
        assert proxy.multiget_hrefs() == 2  # the added card and the changed one
        assert len(proxy.reports(b"sync-collection")) == 1
        assert entries(connection) == {
            f"{tag}-1": ("Name1", "+49 30 1"),
            f"{tag}-2": ("Changed2", "+49 30 2"),
            f"{tag}-4": ("Name4", "+49 30 4"),
        }
        proxy.requests.clear()
        quiet = run_now(connection)
        assert counts(quiet) == (0, 0, 0, 3, 0)
        assert proxy.multiget_hrefs() == 0
        assert [method for method, _, _ in proxy.requests] == ["PROPFIND", "REPORT"]
    finally:
        proxy.stop()


def test_without_sync_collection_the_ctag_and_etags_decide(radicale, server):
    path = new_book(radicale)
    for n in (1, 2):
        radicale.put_card(f"{path}c{n}.vcf", vcard(f"c{n}-{path}", f"Ctag{n}", f"+49 40 {n}"))
    proxy = DavProxy(radicale.base_url, hide_sync_collection=True).start()
    try:
        client = HttpxSourceClient()
        outcome = CARDDAV_SOURCE.test(settings_for(radicale, proxy.base_url + path), client)
        assert outcome.passed and "ctag and ETags" in outcome.checks[-1].message
        connection = make_connection(settings_for(radicale, proxy.base_url + path))
        first = run_now(connection)
        assert (first.state, counts(first)) == ("ok", (2, 0, 0, 0, 0)), first.message
        assert state_of(connection)["mode"] == "ctag" and state_of(connection)["ctag"]
        assert proxy.reports(b"sync-collection") == []
        proxy.requests.clear()
        unchanged = run_now(connection)
        assert counts(unchanged) == (0, 0, 0, 2, 0)
        assert [method for method, _, _ in proxy.requests] == ["PROPFIND"]  # the ctag only
        radicale.put_card(f"{path}c2.vcf", vcard(f"c2-{path}", "Ctag2b", "+49 40 2"))
        proxy.requests.clear()
        changed = run_now(connection)
        assert counts(changed) == (0, 1, 0, 1, 0)
        assert proxy.multiget_hrefs() == 1
    finally:
        proxy.stop()


def test_a_failed_run_keeps_the_state_of_the_last_good_run(radicale, server):
    path = new_book(radicale)
    radicale.put_card(f"{path}f1.vcf", vcard(f"f1-{path}", "Fest", "+49 89 1"))
    proxy = DavProxy(radicale.base_url).start()
    try:
        connection = make_connection(settings_for(radicale, proxy.base_url + path))
        assert run_now(connection).state == "ok"
        good_state = Connection.get_by_id(connection.id).state
        radicale.put_card(f"{path}f2.vcf", vcard(f"f2-{path}", "Neu", "+49 89 2"))
        proxy.stop()  # the source is gone while the run asks
        failed = run_now(connection)
        assert failed.state == "failed" and "cannot be reached" in failed.message
        assert Connection.get_by_id(connection.id).state == good_state
        assert set(entries(connection)) == {f"f1-{path}"}
        proxy = DavProxy(radicale.base_url, port=proxy.port).start()  # back, same URL
        recovered = run_now(connection)
        assert counts(recovered) == (1, 0, 0, 1, 0), recovered.message
        assert proxy.multiget_hrefs() == 1  # from the old state: only the new card
    finally:
        proxy.stop()


def test_a_card_of_the_book_that_is_no_vcard_is_skipped_and_named(radicale, server):
    path = new_book(radicale)
    radicale.put_card(f"{path}ok.vcf", vcard(f"ok-{path}", "Gut", "+49 30 7"))
    radicale.put_card(f"{path}nophone.vcf", vcard(f"np-{path}", "Ohne", ""))
    connection = make_connection(settings_for(radicale, radicale.base_url + path))
    run = run_now(connection)
    assert (run.state, counts(run)) == ("ok", (1, 0, 0, 0, 1))
    assert "no phone number" in json.loads(run.errors)[0]["message"]


def test_the_command_line_runs_a_carddav_connection(radicale, server, fresh_database):
    path = new_book(radicale)
    radicale.put_card(f"{path}cli.vcf", vcard(f"cli-{path}", "Kommando", "+49 30 9"))
    connection = make_connection(settings_for(radicale, radicale.base_url + path))
    ran = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "ok: added 1, updated 0, removed 0, unchanged 0, skipped 0"
    assert state_of(connection)["mode"] == "sync"
    again = davserver("connection", "run", connection.name, "--database", fresh_database.url)
    assert again.stdout.splitlines()[0].endswith("unchanged 1, skipped 0")


@pytest.mark.parametrize("which", ["radicale", "other_davserver"])
def test_a_sync_token_the_server_no_longer_knows_costs_a_listing_not_the_cards(
    request, server, which
):
    source, path = fresh_book(request.getfixturevalue(which))
    tag = uuid.uuid4().hex[:6]
    source.put_card(f"{path}{tag}.vcf", vcard(tag, "Token", "+49 30 5"))
    proxy = DavProxy(source.base_url).start()
    try:
        connection = make_connection(settings_for(source, proxy.base_url + path))
        first = run_now(connection)
        assert first.state == "ok", first.message
        state = state_of(connection)
        state["token"] = state["token"][:-6] + "000000"  # a token the server never gave
        Connection.update(state=json.dumps(state)).where(Connection.id == connection.id).execute()
        proxy.requests.clear()
        again = run_now(connection)
        assert (again.state, counts(again)) == ("ok", (0, 0, 0, 1, 0)), again.message
        assert len(proxy.reports(b"sync-collection")) == 2  # refused, then from the start
        assert proxy.multiget_hrefs() == 0  # every ETag is as the state has it
    finally:
        proxy.stop()
