"""The JSON API for service credentials (issue 4 §5, seed 003): lifecycle, the username
that never changes, passwords (set, generated once, self-service), the resource URL
and the connection test, each failing check named."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.api_helpers import (
    api_as,
    error_of,
    new_branch,
    new_credential,
    new_person,
    new_room,
    unique,
)
from tests.davxml import propfind_body

pytestmark = pytest.mark.usefixtures("forget_new_resources")

CREDENTIAL_FIELDS = {
    "username",
    "display_name",
    "kind",
    "user",
    "branch",
    "service_classes",
    "valid_from",
    "valid_until",
    "confirmed",
    "password_set",
    "last_used",
    "last_refusal",
}


def propfind(base_url: str, path: str, auth: tuple[str, str]) -> int:
    return requests.request(
        "PROPFIND",
        base_url + path,
        data=propfind_body("D:resourcetype"),
        auth=auth,
        headers={"Depth": "0", "Content-Type": "application/xml"},
    ).status_code


def test_credential_lifecycle(admin):
    person = new_person(admin)
    username = unique("Phone")
    created = admin.created(
        "/credentials",
        {
            "username": username,
            "user": person.user,
            "branch": person.branch,
            "service_classes": ["carddav", "caldav"],
            "valid_from": "2024-01-01",
            "valid_until": "2099-12-31",
        },
    )
    assert set(created) == CREDENTIAL_FIELDS
    assert created == {
        "username": username,
        "display_name": "",
        "kind": "individual",
        "user": person.user,
        "branch": person.branch,
        "service_classes": ["caldav", "carddav"],
        "valid_from": "2024-01-01",
        "valid_until": "2099-12-31",
        "confirmed": False,
        "password_set": False,
        "last_used": None,
        "last_refusal": None,
    }
    path = f"/credentials/{username}"
    assert admin.get(path.lower()).json() == created
    changed = admin.patch(
        path, {"confirmed": True, "valid_until": None, "service_classes": ["caldav"]}
    ).json()
    assert (changed["confirmed"], changed["valid_until"], changed["service_classes"]) == (
        True,
        None,
        ["caldav"],
    )
    assert any(c["username"] == username for c in admin.get("/credentials").json()["items"])
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_usernames_are_unique_without_regard_to_case(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    body = error_of(
        admin.post(
            "/credentials",
            {"username": username.upper(), "user": person.user, "branch": person.branch},
        ),
        409,
    )
    assert body["error"] == "already_exists" and "case" in body["message"]


def test_username_cannot_be_changed(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    body = error_of(admin.patch(f"/credentials/{username}", {"username": username + "-new"}), 422)
    assert "cannot be changed" in body["message"]
    assert "Delete" in body["message"] and "new one" in body["message"]
    assert admin.patch(f"/credentials/{username}", {"username": username}).status_code == 200
    error_of(admin.get(f"/credentials/{username}-new"), 404)


@pytest.mark.parametrize(
    "body, code",
    [
        ({"password_hash": "x"}, "unknown_field"),
        ({"confirmed": "true"}, "wrong_type"),
        ({"valid_from": "31.12.2024"}, "wrong_type"),
        ({"valid_from": 20241231}, "wrong_type"),
        ({"service_classes": "caldav"}, "wrong_type"),
        ({"service_classes": ["ftp"]}, "invalid_value"),
        ({"service_classes": []}, "invalid_value"),
        ({"kind": "token"}, "invalid_value"),
        ({"user": None}, "wrong_type"),
        ({"branch": 987654321}, "unknown_reference"),
        ({"valid_from": "2030-01-02", "valid_until": "2030-01-01"}, "invalid_value"),
    ],
)
def test_bad_credential_changes_are_refused(admin, body, code):
    person = new_person(admin)
    username = new_credential(admin, person)
    assert error_of(admin.patch(f"/credentials/{username}", body), 422)["error"] == code


def test_create_needs_user_and_branch(admin):
    body = error_of(admin.post("/credentials", {"username": unique("phone")}), 422)
    assert "user" in body["message"] and "branch" in body["message"]
    person = new_person(admin)
    bad_name = {"username": "has space", "user": person.user, "branch": person.branch}
    error_of(admin.post("/credentials", bad_name), 422)


def test_given_password_is_never_returned(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person, password=None)
    answer = admin.post(f"/credentials/{username}/password", {"password": "chosen-secret"})
    assert answer.status_code == 200 and answer.json() == {
        "username": username,
        "password_set": True,
        "generated": False,
    }
    assert "chosen-secret" not in admin.get(f"/credentials/{username}").text
    assert (
        propfind(server.base_url, f"/dav/calendars/{username}/", (username, "chosen-secret")) == 207
    )


def test_generated_password_is_returned_once_and_works(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person, password=None)
    assert admin.get(f"/credentials/{username}").json()["password_set"] is False
    answer = admin.post(f"/credentials/{username}/password", {})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = answer.json()["password"]
    assert answer.json()["generated"] is True and len(password) >= 16
    shown = admin.get(f"/credentials/{username}")
    assert shown.json()["password_set"] is True and password not in shown.text
    assert (
        password not in admin.get("/credentials").text and password not in admin.get("/audit").text
    )
    assert propfind(server.base_url, f"/dav/calendars/{username}/", (username, password)) == 207
    again = admin.post(f"/credentials/{username}/password", {}).json()["password"]
    assert again != password
    assert propfind(server.base_url, f"/dav/calendars/{username}/", (username, password)) == 401


def test_password_body_is_checked(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    error_of(admin.post(f"/credentials/{username}/password", {"password": ""}), 422)
    error_of(admin.post(f"/credentials/{username}/password", {"password": 42}), 422)
    error_of(admin.post(f"/credentials/{username}/password", {"secret": "x"}), 422)
    error_of(admin.post(f"/credentials/{unique('nobody')}/password", {}), 404)


def test_password_changes_are_audited_with_the_actor(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    admin.post(f"/credentials/{username}/password", {})
    admin.patch(f"/credentials/{username}", {"confirmed": False})
    entries = [e for e in admin.get("/audit").json()["items"] if e["target"] == username]
    actions = {e["action"] for e in entries if e["actor"] == admin.login}
    assert {"credential.create", "credential.password", "credential.update"} <= actions
    assert all(e["at"] for e in entries)


def test_user_sets_the_password_of_own_login_only(server, admin):
    user = api_as(server, "user")
    account = next(u for u in admin.get("/users").json()["items"] if u["login"] == user.login)
    branch = new_branch(admin)
    own = admin.created(
        "/credentials",
        {"username": unique("own"), "user": account["id"], "branch": branch, "confirmed": True},
    )["username"]
    foreign = new_credential(admin, new_person(admin))
    answer = user.put(f"/me/credentials/{own}/password", {"password": "my-own-secret"})
    assert answer.status_code == 200 and answer.json() == {"username": own, "password_set": True}
    assert propfind(server.base_url, f"/dav/calendars/{own}/", (own, "my-own-secret")) == 207
    assert (
        error_of(user.put(f"/me/credentials/{foreign}/password", {"password": "x"}), 404)["error"]
        == "not_found"
    )
    error_of(user.put(f"/me/credentials/{own}/password", {}), 422)
    error_of(user.put(f"/me/credentials/{own}/password", {"password": "x", "extra": 1}), 422)
    error_of(user.get(f"/credentials/{own}"), 403)
    entry = next(e for e in admin.get("/audit").json()["items"] if e["target"] == own)
    assert (entry["actor"], entry["action"]) == (user.login, "credential.password")


def test_url_for_a_visible_resource_works_on_the_phone(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    room = new_room(admin, person.branch)
    for slug in (person.slug, room):
        answer = admin.get(
            f"/credentials/{username}/url",
            params={"resource": slug},
            headers={"X-Forwarded-Host": "evil.example"},
        )
        assert answer.status_code == 200
        url = answer.json()["url"]
        assert url == f"{server.base_url}/dav/calendars/{username}/{slug}/"
        assert propfind(url, "", (username, "phone-secret")) == 207


@pytest.mark.parametrize(
    "case, code",
    [
        ("sync_off", "sync_not_allowed"),
        ("inactive", "resource_inactive"),
        ("other_person", "not_own_person"),
        ("no_caldav", "no_caldav"),
    ],
)
def test_url_for_a_refused_resource_names_the_reason(admin, case, code):
    person = new_person(admin)
    username = new_credential(
        admin, person, service_classes=["carddav"] if case == "no_caldav" else ["caldav"]
    )
    slug = {
        "sync_off": lambda: new_room(admin, person.branch, sync_allowed=False),
        "inactive": lambda: new_room(admin, person.branch, active=False),
        "other_person": lambda: new_person(admin, person.branch).slug,
        "no_caldav": lambda: person.slug,
    }[case]()
    body = error_of(admin.get(f"/credentials/{username}/url", params={"resource": slug}), 409)
    assert body["error"] == code


def test_url_needs_a_known_resource_and_login(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    error_of(admin.get(f"/credentials/{username}/url"), 422)
    error_of(admin.get(f"/credentials/{username}/url", params={"resource": unique("none")}), 404)
    error_of(admin.get(f"/credentials/{unique('none')}/url", params={"resource": person.slug}), 404)


def _test(admin, username: str, slug: str, **extra) -> dict:
    answer = admin.post(f"/credentials/{username}/test", {"resource": slug, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _failed(result: dict) -> list[str]:
    return [c["check"] for c in result["checks"] if not c["ok"]]


def test_connection_test_passes_with_a_round_trip(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    result = _test(admin, username, person.slug)
    assert result["ok"] is True
    checks = [c["check"] for c in result["checks"]]
    assert checks[:3] == ["credential_saved", "password_set", "confirmed"]
    assert {"options", "propfind"} <= set(checks) and "password" not in checks
    assert all(set(c) == {"check", "ok", "message"} and c["message"] for c in result["checks"])
    with_password = _test(admin, username, person.slug, password="phone-secret")
    assert with_password["ok"] is True and with_password["checks"][-1]["check"] == "password"


def test_connection_test_names_a_wrong_password(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    result = _test(admin, username, person.slug, password="not-it")
    assert result["ok"] is False and _failed(result) == ["password"]


@pytest.mark.parametrize(
    "case, check",
    [
        ("not_confirmed", "confirmed"),
        ("no_password", "password_set"),
        ("expired", "validity_window"),
        ("sync_off", "sync_allowed"),
        ("other_person", "resource_visible"),
        ("unknown_resource", "resource_exists"),
    ],
)
def test_connection_test_names_each_failing_check(admin, case, check):
    person = new_person(admin)
    settings = {
        "not_confirmed": {"confirmed": False},
        "no_password": {"password": None},
        "expired": {
            "valid_from": (date.today() - timedelta(days=30)).isoformat(),
            "valid_until": (date.today() - timedelta(days=2)).isoformat(),
        },
    }.get(case, {})
    username = new_credential(admin, person, **settings)
    slug = {
        "sync_off": lambda: new_room(admin, person.branch, sync_allowed=False),
        "other_person": lambda: new_person(admin, person.branch).slug,
        "unknown_resource": lambda: unique("none"),
    }.get(case, lambda: person.slug)()
    result = _test(admin, username, slug)
    assert result["ok"] is False
    assert _failed(result) == [check]
    failing = next(c for c in result["checks"] if c["check"] == check)
    assert failing["message"].endswith(".")
    assert "options" not in [c["check"] for c in result["checks"]]
    if case == "expired":
        assert (date.today() - timedelta(days=2)).strftime("%d.%m.%Y") in failing["message"]


def test_connection_test_of_an_unsaved_login(admin):
    result = _test(admin, unique("unsaved"), "x")
    assert result == {
        "ok": False,
        "checks": [
            {"check": "credential_saved", "ok": False, "message": result["checks"][0]["message"]}
        ],
    }


def test_connection_test_body_is_checked(admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    error_of(admin.post(f"/credentials/{username}/test", {}), 422)
    error_of(
        admin.post(f"/credentials/{username}/test", {"resource": person.slug, "verbose": True}), 422
    )
    error_of(admin.http.post(admin.url(f"/credentials/{username}/test"), data="resource=x"), 400)


def test_public_base_follows_the_proxy_only_when_trusted(server):
    from dataclasses import replace

    from davserver.web.api.settings import public_base
    from davserver.web.api_app import build_api_app

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dav.example.com"}
    cases = (
        (dict(trust_proxy=False), "http://10.0.0.5:8080"),
        (dict(trust_proxy=True), "https://dav.example.com"),
        (dict(public_url="https://cal.example.org/"), "https://cal.example.org"),
    )
    for overrides, expected in cases:
        app = build_api_app(replace(server.settings, **overrides), dav_app=None)
        with app.test_request_context(
            "/v1/credentials", base_url="http://10.0.0.5:8080/api", headers=forwarded
        ):
            assert public_base() == expected
