"""The vcard-url connector type against a real web server on 127.0.0.1: its test's ordered
checks, and runs of a phone's .vcf export into the phonebook (keys by UID, unchanged runs,
a failed run that changes nothing)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors import run_queue
from resources.connectors.catalogue import connector_types
from resources.connectors.run_worker import run_claimed
from resources.connectors.vcard_url import VCARD_URL
from resources.store.connectors import Connection
from resources.store.database import write_transaction
from resources.store.directory import PhonebookEntry
from tests.source_server import SourceServer

CORPUS = Path(__file__).parent / "data" / "vcard"
PHONE_EXPORT = (
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:u-1\r\n"
    b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg\r\n"
    b"TEL;WORK;VOICE:+49 30 1\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-2\r\nFN:Eva Koch\r\nN:Koch;Eva;;;\r\n"
    b"TEL;TYPE=CELL:+49 170 2\r\nEND:VCARD\r\n"
)


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture
def connection(server, files):
    now = time.time()
    with write_transaction():
        return Connection.create(
            name=f"vCard {uuid.uuid4().hex[:8]}",
            type="vcard-url",
            target="phonebook",
            settings=json.dumps({"url": files.url("/contacts.vcf")}),
            created=now,
            modified=now,
        )


def run_now(connection: Connection):
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None
    return run_claimed(claimed, owner, HttpxSourceClient())


def entries(connection):
    return {
        e.external_id: (e.last_name, e.first_name, e.phone_work, e.phone_mobile)
        for e in PhonebookEntry.select().where(PhonebookEntry.origin == connection.name)
    }


def counts(run):
    return (run.added, run.updated, run.removed, run.unchanged, run.skipped)


def test_the_type_is_registered_and_offers_the_phonebook_fields():
    assert connector_types().get("vcard-url") is VCARD_URL
    for code in ("first_name", "last_name", "company", "phone_work", "phone_mobile", "email"):
        assert code in VCARD_URL.source_fields


def test_checks_pass_on_a_file_of_cards_and_stop_with_a_sentence(files):
    url = files.put("/a.vcf", PHONE_EXPORT, username="sync", password="pw")
    good = VCARD_URL.test({"url": url, "username": "sync", "password": "pw"}, HttpxSourceClient())
    assert [(c.check, c.ok) for c in good.checks] == [
        ("url", True),
        ("reachable", True),
        ("answer", True),
        ("format", True),
    ]
    assert "2 cards" in good.checks[-1].message
    refused = VCARD_URL.test({"url": url, "username": "sync", "password": "x"}, HttpxSourceClient())
    assert (refused.checks[-1].check, refused.checks[-1].ok) == ("answer", False)
    assert "user name or password" in refused.checks[-1].message
    csv = files.put("/b.vcf", b"id,last_name\n1,Weber\n")
    wrong = VCARD_URL.test({"url": csv}, HttpxSourceClient())
    assert (wrong.checks[-1].check, wrong.checks[-1].ok) == ("format", False)
    assert "BEGIN:VCARD" in wrong.checks[-1].message


def test_a_phone_export_runs_into_the_phonebook_keyed_by_uid(connection, files):
    files.put("/contacts.vcf", PHONE_EXPORT)
    first = run_now(connection)
    assert (first.state, counts(first)) == ("ok", (2, 0, 0, 0, 0))
    assert entries(connection) == {
        "u-1": ("M\u00fcller", "J\u00f6rg", "+49 30 1", ""),
        "u-2": ("Koch", "Eva", "", "+49 170 2"),
    }
    again = run_now(connection)
    assert counts(again) == (0, 0, 0, 2, 0)
    files.put("/contacts.vcf", PHONE_EXPORT.split(b"END:VCARD\r\n")[0] + b"END:VCARD\r\n")
    dropped = run_now(connection)
    assert counts(dropped) == (0, 0, 1, 1, 0)


def test_corpus_exports_run_and_cards_without_a_phone_are_skipped_by_line(connection, files):
    files.put("/contacts.vcf", (CORPUS / "android_21_multi_contact_qp_utf8_photo.vcf").read_bytes())
    run = run_now(connection)
    assert run.state == "ok"
    assert (run.added, run.skipped) == (4, 2)  # two cards have only an e-mail address
    assert [error["line"] for error in json.loads(run.errors)] == [1, 6]
    assert "no phone number" in json.loads(run.errors)[0]["message"]


@pytest.mark.parametrize(
    "breakage, reason",
    [
        ({"status": 500}, "HTTP 500"),
        ({"cut_after": 150}, "before it was complete"),
        ({"body": b"not a vcard\r\n"}, "BEGIN:VCARD"),
    ],
)
def test_a_failed_run_changes_nothing(connection, files, breakage, reason):
    files.put("/contacts.vcf", PHONE_EXPORT)
    run_now(connection)
    before = entries(connection)
    body = breakage.pop("body", PHONE_EXPORT * 3)
    files.put("/contacts.vcf", body, **breakage)
    failed = run_now(connection)
    assert failed.state == "failed" and reason in failed.message
    assert entries(connection) == before


def test_a_mapping_from_a_field_no_vcard_has_fails_the_run(connection, files):
    files.put("/contacts.vcf", PHONE_EXPORT)
    Connection.update(mapping=json.dumps({"last_name": "surname"})).where(
        Connection.id == connection.id
    ).execute()
    failed = run_now(connection)
    assert failed.state == "failed" and "no field surname" in failed.message
