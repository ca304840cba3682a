"""Connector runs over the JSON API (issue 13 item 7): the play button queues a run that
the server's run loop takes, GET /runs/{id} follows it to its counts; a failed run says
why and changes nothing; a deletion takes the connection's synced entries and keeps
their manual copies; the JSON phonebook import is a run too; all of it audited."""

from __future__ import annotations

import time

import pytest

from davserver.connector_http import HttpxSourceClient
from resources.auth import audit
from resources.connectors.run_worker import RunWorker
from tests import api_helpers
from tests import company_book_reading as book
from tests.api_helpers import error_of, unique
from tests.conftest import make_login
from tests.source_server import SourceServer

admin = api_helpers.admin  # the fixture, under its own name

PASSWORD = "run-secret-4711"
HEADER = "id,last_name,first_name,phone_work\n"


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture(scope="module")
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture(scope="module")
def run_loop(server):
    """The run loop every serving process has (davserver/connector_runs.py), polling
    often so a test need not wait the default five seconds."""
    worker = RunWorker(HttpxSourceClient, poll_seconds=0.2).start()
    yield worker
    worker.stop()


def finished(admin, run_id: int, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        run = admin.get(f"/runs/{run_id}").json()
        if run["state"] in ("ok", "failed"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


def play(admin, connection_id: int) -> dict:
    answer = admin.post(f"/connections/{connection_id}/run")
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"].endswith(f"/api/v1/runs/{answer.json()['id']}")
    return finished(admin, answer.json()["id"])


def counts(run: dict) -> tuple[int, ...]:
    return tuple(run[name] for name in ("added", "updated", "removed", "unchanged", "skipped"))


def synced(admin, origin: str) -> dict[str, dict]:
    listed = admin.get("/phonebook", params={"source": "S", "limit": 1000}).json()["items"]
    return {e["last_name"]: e for e in listed if e["origin"] == origin}


def connection_on(admin, files, body: bytes) -> tuple[dict, str]:
    path = f"/{unique('book')}.csv"
    url = files.put(path, body, username="sync", password=PASSWORD)
    made = admin.created(
        "/connections",
        {
            "name": unique("CSV"),
            "type": "csv-url",
            "settings": {"url": url, "username": "sync", "password": PASSWORD},
        },
    )
    return made, path


def test_a_run_is_queued_followed_and_counted(admin, files, run_loop):
    tag = unique("Run")
    made, path = connection_on(
        admin, files, csv(f"1,{tag}-Weber,Anna,+49 30 1", f"2,{tag}-Koch,Ben,+49 30 2", "3,,,")
    )
    first = play(admin, made["id"])
    assert set(first) == {
        "id", "connection", "state", "trigger", "queued", "started", "finished",
        "added", "updated", "removed", "unchanged", "skipped", "errors", "message", "code",
    }  # fmt: skip
    assert (first["connection"], first["state"], first["message"]) == (made["id"], "ok", "")
    assert counts(first) == (2, 0, 0, 0, 1)
    assert first["errors"] == [
        {
            "line": 4,
            "message": "The record has no phone number.",
            "code": "record_no_phone",
            "values": {},
        }
    ]
    assert first["code"] is None
    assert first["finished"].endswith("+00:00") and first["started"] <= first["finished"]
    assert set(synced(admin, made["name"])) == {f"{tag}-Weber", f"{tag}-Koch"}

    second = play(admin, made["id"])
    assert (second["state"], counts(second)) == ("ok", (0, 0, 0, 2, 1))

    files.put(path, csv(f"1,{tag}-Weber,Anna,+49 30 9"), username="sync", password=PASSWORD)
    third = play(admin, made["id"])
    assert counts(third) == (0, 1, 1, 0, 0)
    assert synced(admin, made["name"])[f"{tag}-Weber"]["phone_work"] == "+49 30 9"

    runs = admin.get(f"/connections/{made['id']}/runs").json()
    assert [r["id"] for r in runs["items"]] == [third["id"], second["id"], first["id"]]
    assert runs["next"] is None and runs["items"][0] == third
    page = admin.get(f"/connections/{made['id']}/runs", params={"limit": 2}).json()
    assert [r["id"] for r in page["items"]] == [third["id"], second["id"]] and page["next"]
    rest = admin.get(f"/connections/{made['id']}/runs", params={"limit": 2, "after": page["next"]})
    assert [r["id"] for r in rest.json()["items"]] == [first["id"]]
    assert admin.get(f"/connections/{made['id']}").json()["last_run"] == third
    logged = [e for e in audit.recent(200) if e.action == "connection.run"]
    assert {f"run={r['id']}" for r in (first, second, third)} <= {e.details for e in logged}
    assert all(e.actor == admin.login for e in logged if e.target == made["name"])


def test_a_second_play_while_one_is_active_answers_409_with_that_run(admin, files, run_loop):
    made, path = connection_on(admin, files, csv("1,Solo,Anna,+49 1"))
    slow = csv("1,Solo,Anna,+49 1")
    files.put(path, slow, username="sync", password=PASSWORD, seconds_between_chunks=1.5)
    queued = admin.post(f"/connections/{made['id']}/run")
    assert queued.status_code == 202, queued.text
    again = admin.post(f"/connections/{made['id']}/run")
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "connection_run_active"
    assert again.json()["run"]["id"] == queued.json()["id"]
    assert again.json()["run"]["state"] in ("queued", "running")
    assert finished(admin, queued.json()["id"])["state"] == "ok"
    assert admin.delete(f"/connections/{made['id']}").status_code == 204  # its runs go too
    assert error_of(admin.get(f"/runs/{queued.json()['id']}"), 404)["code"] == "no_such_run"


def test_a_failed_run_says_why_and_changes_nothing(server, admin, files, run_loop):
    login = make_login(server, "phone")
    tag = unique("Fail")
    made, path = connection_on(admin, files, csv(f"1,{tag},Anna,+49 1", f"2,{tag}-B,Ben,+49 2"))
    assert play(admin, made["id"])["state"] == "ok"
    before, ctag = synced(admin, made["name"]), book.ctag(login)

    files.put(path, csv(f"1,{tag},Anna,+49 9"), username="sync", password="changed-at-source")
    failed = play(admin, made["id"])
    assert failed["state"] == "failed" and counts(failed) == (0, 0, 0, 0, 0)
    assert failed["message"] == "The server refused the user name or password (HTTP 401)."
    assert failed["code"] == "source_login_refused"
    assert synced(admin, made["name"]) == before and book.ctag(login) == ctag
    assert PASSWORD not in admin.get(f"/connections/{made['id']}/runs").text


def test_deleting_a_connection_removes_its_entries_and_keeps_manual_copies(
    server, admin, files, run_loop
):
    login = make_login(server, "phone")
    tag = unique("Gone")
    made, _path = connection_on(admin, files, csv(f"1,{tag},Anna,+49 1", f"2,{tag}-B,Ben,+49 2"))
    assert play(admin, made["id"])["state"] == "ok"
    kept = synced(admin, made["name"])[tag]
    copy = admin.post(f"/phonebook/{kept['id']}/copy-to-manual")
    assert copy.status_code == 201, copy.text
    assert len(book.cards_with(login, tag)) == 2  # Anna's copy, and Ben

    assert admin.delete(f"/connections/{made['id']}").status_code == 204
    assert error_of(admin.get(f"/connections/{made['id']}"), 404)["code"] == "no_such_connection"
    assert synced(admin, made["name"]) == {}
    manual = [e for e in admin.get("/phonebook", params={"source": "M"}).json()["items"]]
    assert [e["id"] for e in manual if e["last_name"] == tag] == [copy.json()["id"]]
    [card] = book.cards_with(login, tag)
    assert "X-DAVSERVER-SOURCE:M" in card
    [logged] = [e for e in audit.recent(200) if e.action == "connection.delete"][:1]
    assert logged.target == made["name"] and "entries removed=2" in logged.details


def test_the_json_import_is_a_run_of_its_own_connection(admin, run_loop):
    source, tag = unique("crm"), unique("Json")
    entries = [
        {"first_name": "Sam", "last_name": tag, "phone_work": "+49 1", "external_id": "c-1"},
        {"company": f"Shop {tag}", "phone_mobile": "+49 2"},
    ]
    answer = admin.post("/phonebook/import", {"source": source, "entries": entries})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["created"], body["updated"], body["deleted"]) == (2, 0, 0)
    run = body["run"]
    assert (run["state"], counts(run)) == ("ok", (2, 0, 0, 0, 0))
    assert admin.get(f"/runs/{run['id']}").json() == run

    [connection] = admin.get("/connections", params={"q": source}).json()["items"]
    assert (connection["name"], connection["type"]) == (source, "phonebook-json")
    assert connection["id"] == run["connection"] and connection["last_run"] == run

    again = admin.post("/phonebook/import", {"source": source, "entries": entries[:1]}).json()
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 1)
    assert counts(again["run"]) == (0, 0, 1, 1, 0)
    runs = admin.get(f"/connections/{connection['id']}/runs").json()["items"]
    assert [r["id"] for r in runs] == [again["run"]["id"], run["id"]]
    logged = [e for e in audit.recent(200) if e.target == source]
    assert {"phonebook.import", "connection.create"} <= {e.action for e in logged}

    # The play button of such a connection has nothing to fetch: the run says so.
    queued = admin.post(f"/connections/{connection['id']}/run")
    assert queued.status_code == 202, queued.text
    failed = finished(admin, queued.json()["id"])
    assert failed["state"] == "failed" and "nothing to fetch" in failed["message"]
    assert len(synced(admin, source)) == 1  # and it changed nothing


def test_an_import_into_a_connection_of_another_type_is_refused(admin, files):
    made, _path = connection_on(admin, files, csv("1,Other,Anna,+49 1"))
    refusal = error_of(
        admin.post("/phonebook/import", {"source": made["name"], "entries": []}), 409
    )
    assert refusal["code"] == "connection_other_type" and "csv-url" in refusal["message"]


def test_an_upload_connection_saved_over_the_api_has_nothing_to_fetch(admin, run_loop):
    made = admin.created("/connections", {"name": unique("Upload"), "type": "csv-file"})
    assert [c["check"] for c in made["test"]["checks"]] == ["upload"]
    failed = play(admin, made["id"])
    assert failed["state"] == "failed" and "nothing to fetch" in failed["message"]
