"""Connections over the JSON API (issue 13 item 7): the connector types with the schema a
form is built from, tests before and after a save, creation only after a passed test,
secrets that never come back (and are sealed in the database), changes re-tested and
checked part by part, with readable refusals that name the field."""

from __future__ import annotations

import time

import pytest

from resources.auth import audit
from resources.store.connectors import Connection
from tests import api_helpers
from tests.api_helpers import api_as, error_of, unique
from tests.source_server import SourceServer

admin = api_helpers.admin  # the fixture, under its own name

PASSWORD = "Pa55-word-only-the-source-knows"
CSV = b"id,last_name,first_name,phone_work\n1,Weber,Anna,+49 30 1\n2,Koch,Ben,+49 30 2\n"


@pytest.fixture(scope="module")
def files():
    source = SourceServer().start()
    yield source
    source.stop()


def csv_settings(files, path: str = "/book.csv", password: str = PASSWORD) -> dict:
    url = files.put(path, CSV, username="sync", password=PASSWORD)
    return {"url": url, "username": "sync", "password": password}


def new_connection(admin, files, **fields) -> dict:
    path = f"/{unique('book')}.csv"
    body = {"name": unique("CSV"), "type": "csv-url", "settings": csv_settings(files, path)}
    return admin.created("/connections", {**body, **fields})


def test_connector_types_are_listed_with_their_settings_schema(admin):
    answer = admin.get("/connector-types")
    assert answer.status_code == 200, answer.text
    types = {item["key"]: item for item in answer.json()["items"]}
    assert {"csv-url", "csv-file", "vcard-url", "carddav", "phonebook-json"} <= set(types)
    csv = types["csv-url"]
    assert csv["label"] and "last_name" in csv["source_fields"]
    settings = {spec["name"]: spec for spec in csv["settings"]}
    assert settings["url"]["required"] is True and settings["url"]["type"] == "url"
    assert settings["password"]["secret"] is True and settings["username"]["secret"] is False
    assert settings["delimiter"]["choices"] == ["auto", "comma", "semicolon", "tab", "pipe"]
    assert settings["verify_tls"]["default"] is True and settings["verify_tls"]["kind"] == "bool"
    assert {"name", "type", "kind", "required", "secret", "help", "default", "choices"} <= set(
        settings["url"]
    )
    targets = {target["key"]: target for target in answer.json()["targets"]}
    assert set(targets) == {"phonebook", "directory"}
    assert "phone_work" in targets["phonebook"]["fields"]
    assert {"company", "last_name", "company_category"} <= set(targets["directory"]["fields"])
    assert admin.get("/connector-types/csv-url").json() == csv
    assert error_of(admin.get("/connector-types/ftp"), 422)["code"] == "connector_type_unknown"


def test_settings_are_tested_before_the_first_save(admin, files):
    good = admin.post("/connector-types/csv-url/test", {"settings": csv_settings(files)})
    assert good.status_code == 200, good.text
    outcome = good.json()
    assert outcome["passed"] is True
    assert [c["check"] for c in outcome["checks"]] == ["url", "reachable", "answer", "format"]
    assert all(set(c) == {"check", "ok", "message", "code"} and c["ok"] for c in outcome["checks"])
    assert outcome["checks"][0]["code"] == "source_url_ok"
    assert outcome["source_fields"] == ["id", "last_name", "first_name", "phone_work"]

    bad = admin.post(
        "/connector-types/csv-url/test", {"settings": csv_settings(files, password="x")}
    )
    assert bad.status_code == 200 and bad.json()["passed"] is False
    assert bad.json()["checks"][-1] == {
        "check": "answer",
        "ok": False,
        "message": "The server refused the user name or password (HTTP 401).",
        "code": "source_login_refused",
    }
    assert PASSWORD not in bad.text and PASSWORD not in good.text
    refused = error_of(admin.post("/connector-types/csv-url/test", {"settings": {"fax": "1"}}), 422)
    assert refused["code"] == "connection_setting_unknown" and "fax" in refused["message"]


def test_a_failing_test_saves_nothing_and_answers_the_checks(admin, files):
    name = unique("CSV")
    body = {"name": name, "type": "csv-url", "settings": csv_settings(files, password="wrong")}
    answer = admin.post("/connections", body)
    assert answer.status_code == 422, answer.text
    refusal = answer.json()
    assert refusal["error"] == "invalid_value" and refusal["code"] == "connection_test_failed"
    assert refusal["field"] == "settings" and "HTTP 401" in refusal["message"]
    assert [c["ok"] for c in refusal["checks"]] == [True, True, False]
    assert Connection.get_or_none(Connection.name == name) is None
    assert not [e for e in audit.recent(200) if e.target == name]


def test_a_created_connection_reads_back_without_its_secret(admin, files):
    group = admin.created("/groups", {"name": unique("Sales")})["id"]
    user = admin.created("/users", {"login": unique("viewer")})["id"]
    answer = admin.post(
        "/connections",
        {
            "name": unique("CSV"),
            "type": "csv-url",
            "description": "the CRM's export",
            "settings": csv_settings(files, f"/{unique('b')}.csv"),
            "scope": {"everyone": False, "users": [user], "groups": [group]},
            "mapping": {"company": "last_name"},
            "defaults": {"email": "info@example.com"},
            "priority": 7,
            "interval_minutes": 60,
        },
    )
    assert answer.status_code == 201, answer.text
    assert PASSWORD not in answer.text
    made = answer.json()
    assert answer.headers["Location"].endswith(f"/api/v1/connections/{made['id']}")
    assert made["test"]["passed"] is True and made["test"]["source_fields"]
    shown = {k: v for k, v in made.items() if k != "test"}
    assert shown == {
        "id": made["id"],
        "name": made["name"],
        "type": "csv-url",
        "description": "the CRM's export",
        "target": "phonebook",
        "settings": {
            "url": shown["settings"]["url"],
            "username": "sync",
            "password": {"set": True},
        },
        "scope": {"everyone": False, "users": [user], "groups": [group]},
        "mapping": {"company": "last_name"},
        "defaults": {"email": "info@example.com"},
        "priority": 7,
        "interval_minutes": 60,
        "enabled": True,
        "last_run": None,
    }
    again = admin.get(f"/connections/{made['id']}")
    assert again.json() == shown and PASSWORD not in again.text
    listed = admin.get("/connections", params={"q": made["name"]})
    assert listed.json()["items"] == [shown] and PASSWORD not in listed.text

    stored = Connection.get_by_id(made["id"])
    assert PASSWORD not in stored.settings and PASSWORD not in stored.secrets
    assert "password" in stored.secrets  # sealed, under its name
    [logged] = [e for e in audit.recent(200) if e.target == made["name"]]
    assert logged.action == "connection.create" and logged.actor == admin.login
    assert f"groups:{group}" in logged.details and PASSWORD not in logged.details


def test_a_settings_change_is_tested_again_and_secrets_stay_unless_cleared(admin, files):
    made = new_connection(admin, files)
    url = made["settings"]["url"]
    moved = files.put(f"/{unique('moved')}.csv", CSV, username="sync", password=PASSWORD)
    # The password is left out: the sealed one is used for the test and kept.
    answer = admin.patch(f"/connections/{made['id']}", {"settings": {"url": moved}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["settings"] == {
        "url": moved,
        "username": "sync",
        "password": {"set": True},
    }
    assert answer.json()["test"]["passed"] is True
    assert PASSWORD not in answer.text

    wrong = admin.patch(
        f"/connections/{made['id']}", {"settings": {"password": "nope", "url": url}}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "connection_test_failed"
    assert wrong.json()["checks"][-1]["ok"] is False
    assert "nope" not in wrong.text and PASSWORD not in wrong.text
    assert admin.get(f"/connections/{made['id']}").json()["settings"]["url"] == moved

    cleared = admin.patch(f"/connections/{made['id']}", {"settings": {"password": ""}})
    assert cleared.status_code == 422  # without a password the source refuses: not saved
    assert admin.get(f"/connections/{made['id']}").json()["settings"]["password"] == {"set": True}

    # The saved connection's test, and a test of a change not yet saved.
    saved = admin.post(f"/connections/{made['id']}/test")
    assert saved.status_code == 200 and saved.json()["passed"] is True, saved.text
    trial = admin.post(f"/connections/{made['id']}/test", {"settings": {"password": "x"}})
    assert trial.json()["passed"] is False
    assert admin.post(f"/connections/{made['id']}/test").json()["passed"] is True

    renamed = admin.patch(
        f"/connections/{made['id']}", {"name": unique("Renamed"), "priority": -3, "enabled": False}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["priority"], renamed.json()["enabled"]) == (-3, False)
    assert "test" not in renamed.json()  # no settings changed: no test
    logged = [e for e in audit.recent(200) if e.action == "connection.update"]
    mine = [e for e in logged if e.target in (made["name"], renamed.json()["name"])]
    assert any("settings (url)" in e.details for e in mine)
    assert any("renamed from" in e.details and "priority" in e.details for e in mine)
    assert all(PASSWORD not in e.details and "nope" not in e.details for e in mine)


@pytest.mark.parametrize(
    "change, code, field, words",
    [
        ({"mapping": {"fax": "Fax"}}, "connection_field_unknown", "mapping", "fax"),
        ({"mapping": {"company": 7}}, "connection_object_invalid", "mapping", "mapping"),
        ({"mapping": ["company"]}, "connection_object_invalid", "mapping", "mapping"),
        ({"defaults": {"birthday": "x"}}, "connection_field_unknown", "defaults", "birthday"),
        (
            {"scope": {"everyone": False, "users": [987654321]}},
            "connection_scope_unknown_users",
            "scope",
            "987654321",
        ),
        ({"scope": {"groups": [987654321, 2**70]}}, "connection_scope_invalid", "scope", "scope"),
        (
            {"scope": {"groups": [987654321]}},
            "connection_scope_unknown_groups",
            "scope",
            "987654321",
        ),
        ({"scope": {"everyone": "yes"}}, "connection_scope_invalid", "scope", "everyone"),
        ({"scope": {"teams": []}}, "connection_scope_invalid", "scope", "scope"),
        ({"priority": 5000}, "connection_priority_invalid", "priority", "-1000 to 1000"),
        ({"priority": "high"}, "connection_priority_invalid", "priority", "priority"),
        ({"interval_minutes": 7}, "connection_interval_invalid", "interval_minutes", "daily"),
        ({"enabled": "no"}, "connection_enabled_invalid", "enabled", "enabled"),
        ({"type": "vcard-url"}, "connection_type_fixed", "type", "type"),
        ({"target": "directory"}, "connection_target_fixed", "target", "target"),
        (
            {"settings": {"delimiter": "dot"}},
            "connection_setting_choice",
            "settings.delimiter",
            "comma",
        ),
        (
            {"settings": {"verify_tls": "no"}},
            "connection_setting_not_bool",
            "settings.verify_tls",
            "true or false",
        ),
        ({"settings": {"url": ""}}, "connection_setting_required", "settings.url", "url"),
        ({"name": ""}, "connection_name_length", "name", "name"),
    ],
)
def test_bad_changes_are_refused_naming_the_field(admin, files, change, code, field, words):
    made = new_connection(admin, files)
    refusal = error_of(admin.patch(f"/connections/{made['id']}", change), 422)
    assert (refusal["code"], refusal.get("field")) == (code, field), refusal
    assert words in refusal["message"], refusal
    shown = admin.get(f"/connections/{made['id']}").json()
    assert shown == {k: v for k, v in made.items() if k != "test"}  # nothing saved


def test_a_mapping_must_name_fields_the_source_has_when_tested(admin, files):
    refusal = error_of(
        admin.post(
            "/connections",
            {
                "name": unique("CSV"),
                "type": "csv-url",
                "settings": csv_settings(files),
                "mapping": {"company": "Firma"},
            },
        ),
        422,
    )
    assert refusal["code"] == "connection_source_field_unknown" and "Firma" in refusal["message"]


def test_bad_bodies_are_refused_without_a_500(admin, files):
    for body, status, error in [
        ({"type": "csv-url"}, 422, "missing_field"),
        ({"name": "x", "type": {"a": 1}}, 422, "invalid_value"),
        ({"name": "x", "type": "csv-url", "colour": "red"}, 422, "unknown_field"),
        ({"name": "x", "type": "csv-url", "settings": "url"}, 422, "invalid_value"),
        ({"name": "x", "type": "csv-url", "target": "fax"}, 422, "invalid_value"),
        ([1, 2], 422, "wrong_type"),
    ]:
        assert error_of(admin.post("/connections", body), status)["error"] == error, body
    made = new_connection(admin, files)
    taken = error_of(admin.post("/connections", {**made, "settings": csv_settings(files)}), 422)
    assert taken["error"] == "unknown_field"  # id, test, last_run are not for a create
    same = {k: made[k] for k in ("name", "type")} | {"settings": csv_settings(files)}
    assert error_of(admin.post("/connections", same), 409)["code"] == "connection_name_taken"
    # A PATCH of what GET answered (with its read-only parts) changes nothing and is fine.
    shown = admin.get(f"/connections/{made['id']}").json()
    assert admin.patch(f"/connections/{made['id']}", shown).json() == shown  # secrets as read
    assert error_of(admin.get("/connections/987654321"), 404)["code"] == "no_such_connection"
    assert error_of(admin.get("/runs/987654321"), 404)["code"] == "no_such_run"


def test_only_administrators_use_the_connections(server, files):
    user = api_as(server, "user")
    for path in ("/connector-types", "/connections"):
        assert error_of(user.get(path), 403)["error"] == "forbidden"
    assert error_of(user.post("/connections", {"name": "x"}), 403)["error"] == "forbidden"


def test_scope_and_interval_changes_are_audited_and_move_the_next_run(admin, files):
    made = new_connection(admin, files)
    assert Connection.get_by_id(made["id"]).next_due is None  # on demand only
    timed = admin.patch(f"/connections/{made['id']}", {"interval_minutes": 15})
    assert timed.status_code == 200 and timed.json()["interval_minutes"] == 15, timed.text
    due = Connection.get_by_id(made["id"]).next_due
    assert due is not None and abs(due - time.time()) < 60  # never run: due now
    admin.patch(f"/connections/{made['id']}", {"enabled": False})
    assert Connection.get_by_id(made["id"]).next_due is None
    admin.patch(f"/connections/{made['id']}", {"enabled": True, "interval_minutes": 0})
    assert Connection.get_by_id(made["id"]).next_due is None

    user = admin.created("/users", {"login": unique("reader")})["id"]
    scoped = admin.patch(
        f"/connections/{made['id']}", {"scope": {"everyone": False, "users": [user]}}
    )
    assert scoped.json()["scope"] == {"everyone": False, "users": [user], "groups": []}
    logged = [e for e in audit.recent(200) if e.target == made["name"]]
    assert logged[0].action == "connection.update"
    assert logged[0].details == f"scope=users:{user} groups:-"
    assert any(e.details == "interval_minutes" for e in logged)
