"""The csv-url connector type against a real web server on 127.0.0.1: its test's ordered
checks, and its records, through the httpx client the server uses."""

from __future__ import annotations

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.connectors.connector_types import RecordProblem, SourceRecord, SourceUnreadable
from resources.connectors.csv_url import CSV_URL
from resources.connectors.source_http import MAX_REDIRECTS
from tests.source_server import SourceServer

CSV = (
    "id;last_name;first_name;company;phone_work;email\r\n"
    "17;M\u00fcller;Hans;Acme GmbH;+49 30 1234;hans@example.com\r\n"
    "18;Schmidt;;;;\r\n"
    '19;"Meier; Partner";Eva;;+49 40 55;\r\n'
).encode("windows-1252")


@pytest.fixture
def files():
    server = SourceServer().start()
    yield server
    server.stop()


def checks(outcome):
    return [(check.check, check.ok) for check in outcome.checks]


def test_a_readable_file_passes_and_offers_its_columns(files):
    url = files.put("/export/phonebook.csv", CSV, username="sync", password="s3cret")
    outcome = CSV_URL.test(
        {"url": url, "username": "sync", "password": "s3cret"}, HttpxSourceClient()
    )
    assert checks(outcome) == [
        ("url", True),
        ("reachable", True),
        ("answer", True),
        ("format", True),
    ]
    assert outcome.passed
    assert outcome.source_fields == (
        "id",
        "last_name",
        "first_name",
        "company",
        "phone_work",
        "email",
    )
    assert "3 rows" in outcome.checks[-1].message


@pytest.mark.parametrize(
    "settings, failed, words",
    [
        ({"url": "ftp://example.com/x.csv"}, "url", "http:// or https://"),
        (
            {"url": "/export/phonebook.csv", "password": "wrong", "username": "sync"},
            "answer",
            "user name or password",
        ),
        ({"url": "/missing.csv"}, "answer", "HTTP 404"),
        ({"url": "/broken.csv"}, "answer", "HTTP 500"),
        ({"url": "/loop.csv"}, "reachable", f"more than {MAX_REDIRECTS} times"),
        ({"url": "/cut.csv"}, "reachable", "before it was complete"),
        ({"url": "/empty.csv"}, "format", "empty"),
        ({"url": "http://127.0.0.1:9/closed.csv"}, "reachable", "cannot be reached"),
    ],
)
def test_each_failure_stops_the_test_at_its_check_with_a_sentence(files, settings, failed, words):
    files.put("/export/phonebook.csv", CSV, username="sync", password="s3cret")
    files.put("/broken.csv", b"", status=500)
    files.put("/loop.csv", b"", redirect_to="/loop.csv")
    files.put("/cut.csv", CSV * 100, cut_after=5000)
    files.put("/empty.csv", b"")
    if settings["url"].startswith("/"):
        settings = {**settings, "url": files.url(settings["url"])}
    outcome = CSV_URL.test(settings, HttpxSourceClient())
    assert not outcome.passed
    last = outcome.checks[-1]
    assert (last.check, last.ok) == (failed, False)
    assert words in last.message
    assert all(check.ok for check in outcome.checks[:-1])


def test_fetch_yields_records_with_their_keys_and_lines(files):
    url = files.put("/phonebook.csv", CSV)
    rows = list(CSV_URL.fetch({"url": url}, None, HttpxSourceClient()))
    assert [type(row) for row in rows] == [SourceRecord, SourceRecord, SourceRecord]
    assert [(row.key, row.position) for row in rows] == [("17", 2), ("18", 3), ("19", 4)]
    assert rows[0].values["last_name"] == "M\u00fcller"
    assert rows[2].values["last_name"] == "Meier; Partner"


def test_fetch_fails_naming_missing_mandatory_columns_and_never_yields_half(files):
    url = files.put("/phonebook.csv", CSV)
    with pytest.raises(SourceUnreadable, match="phone_mobile"):
        list(CSV_URL.fetch({"url": url}, None, HttpxSourceClient(), mandatory=("phone_mobile",)))


def test_a_row_problem_is_reported_and_the_other_rows_come(files):
    body = b"last_name,phone_work\nA,1\nB,2,3\nC,4\n"
    url = files.put("/rows.csv", body)
    rows = list(CSV_URL.fetch({"url": url}, None, HttpxSourceClient()))
    assert [type(row) for row in rows] == [SourceRecord, RecordProblem, SourceRecord]
    assert rows[1].position == 3


def test_a_body_cut_short_fails_the_fetch(files):
    url = files.put("/cut.csv", b"last_name,phone_work\n" + b"A,1\n" * 20_000, cut_after=30_000)
    with pytest.raises(SourceUnreadable, match="before it was complete"):
        list(CSV_URL.fetch({"url": url}, None, HttpxSourceClient()))
