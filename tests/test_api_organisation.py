"""The JSON API for the organisation (issue 4 §5): branches, employees, users, groups and
resources over HTTP; sign-in, roles, bad input and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.api_helpers import api_as, error_of, new_branch, new_person, new_room, unique

pytestmark = pytest.mark.usefixtures("forget_new_resources")


def test_without_sign_in_answers_401_with_a_challenge(server):
    response = requests.get(f"{server.base_url}/api/v1/branches")
    error_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_wrong_password_is_401(server, admin):
    response = requests.get(admin.url("/branches"), auth=(admin.login, "wrong"))
    assert error_of(response, 401)["error"] == "unauthorized"


def test_plain_user_is_refused_on_admin_routes(server):
    user = api_as(server, "user")
    for path in (
        "/branches",
        "/employees",
        "/users",
        "/groups",
        "/resources",
        "/credentials",
        "/audit",
    ):
        assert error_of(user.get(path), 403)["error"] == "forbidden"
    error_of(user.post("/branches", {"name": unique("Branch")}), 403)


def test_unknown_address_is_404_json(admin):
    assert error_of(admin.get("/nothing-here"), 404)["error"] == "not_found"
    assert error_of(admin.get("/branches/99999999999999999999999"), 404)["error"] == "not_found"


def test_method_not_allowed_is_json(admin):
    assert error_of(admin.put("/branches", {}), 405)["error"] == "method_not_allowed"


def test_branch_lifecycle(admin):
    name = unique("Filiale")
    created = admin.created(
        "/branches", {"name": name, "address": "Hafen 5", "timezone": "Europe/Vienna"}
    )
    assert created == {
        "id": created["id"],
        "name": name,
        "address": "Hafen 5",
        "timezone": "Europe/Vienna",
        "opening_hours": "",  # always open
        "opening_hours_by_day": {},
    }
    path = f"/branches/{created['id']}"
    assert admin.get(path).json() == created
    assert created in admin.get("/branches").json()["items"]
    changed = admin.patch(path, {"address": "Markt 1"})
    assert changed.status_code == 200 and changed.json()["address"] == "Markt 1"
    assert admin.get(path + "/").json()["address"] == "Markt 1"
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_branch_defaults_to_berlin_and_refuses_bad_zone(admin):
    assert admin.created("/branches", {"name": unique("Filiale")})["timezone"] == "Europe/Berlin"
    body = error_of(
        admin.post("/branches", {"name": unique("Filiale"), "timezone": "Mars/Olympus"}), 422
    )
    assert "IANA" in body["message"]


def test_branch_names_are_unique_without_regard_to_case(admin):
    name = unique("Filiale")
    admin.created("/branches", {"name": name})
    assert (
        error_of(admin.post("/branches", {"name": name.upper()}), 409)["error"] == "already_exists"
    )
    other = new_branch(admin)
    error_of(admin.patch(f"/branches/{other}", {"name": name}), 409)


def test_branch_in_use_cannot_be_deleted(admin):
    person = new_person(admin)
    body = error_of(admin.delete(f"/branches/{person.branch}"), 409)
    assert body["error"] == "in_use"
    assert "employee" in body["message"] and "resource" in body["message"]


def test_employee_lifecycle(admin):
    branch = new_branch(admin)
    created = admin.created(
        "/employees",
        {
            "first_name": "Ben",
            "last_name": "Koch",
            "email": "ben@example.com",
            "home_branch": branch,
        },
    )
    assert created == {
        "id": created["id"],
        "first_name": "Ben",
        "last_name": "Koch",
        "email": "ben@example.com",
        "home_branch": branch,
        "active": True,
    }
    path = f"/employees/{created['id']}"
    assert admin.patch(path, {"active": False, "home_branch": None}).json()["home_branch"] is None
    assert admin.get(path).json()["active"] is False
    assert any(e["id"] == created["id"] for e in admin.get("/employees").json()["items"])
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_employee_needs_a_name_and_an_existing_branch(admin):
    error_of(admin.post("/employees", {"email": "x@example.com"}), 422)
    body = error_of(admin.post("/employees", {"last_name": "X", "home_branch": 987654321}), 422)
    assert body["error"] == "unknown_reference" and "987654321" in body["message"]


def test_employee_with_a_resource_cannot_be_deleted(admin):
    person = new_person(admin)
    body = error_of(admin.delete(f"/employees/{person.employee}"), 409)
    assert person.slug in body["message"]


def test_user_lifecycle_without_password_in_answers(admin):
    login = unique("carla")
    created = admin.created(
        "/users", {"login": login, "display_name": "Carla", "password": "secret-1"}
    )
    assert created == {
        "id": created["id"],
        "login": login,
        "display_name": "Carla",
        "employee": None,
        "role": "user",
        "active": True,
        "password_set": True,
    }
    path = f"/users/{created['id']}"
    assert admin.patch(path, {"role": "admin"}).json()["role"] == "admin"
    assert requests.get(admin.url("/branches"), auth=(login, "secret-1")).status_code == 200
    assert admin.patch(path, {"active": False}).json()["active"] is False
    assert requests.get(admin.url("/branches"), auth=(login, "secret-1")).status_code == 401
    assert "secret-1" not in admin.get("/users").text
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_user_password_change_takes_effect(server, admin):
    user = api_as(server, "admin")
    account_id = next(
        u["id"] for u in admin.get("/users").json()["items"] if u["login"] == user.login
    )
    assert admin.patch(f"/users/{account_id}", {"password": "new-secret"}).status_code == 200
    assert user.get("/branches").status_code == 401
    assert requests.get(admin.url("/branches"), auth=(user.login, "new-secret")).status_code == 200


def test_user_logins_are_unique_without_regard_to_case(admin):
    login = unique("dora")
    admin.created("/users", {"login": login})
    assert (
        error_of(admin.post("/users", {"login": login.upper()}), 409)["error"] == "already_exists"
    )


def test_user_with_logins_cannot_be_deleted(admin):
    person = new_person(admin)
    admin.created(
        "/credentials", {"username": unique("phone"), "user": person.user, "branch": person.branch}
    )
    body = error_of(admin.delete(f"/users/{person.user}"), 409)
    assert "login" in body["message"]


def test_user_role_is_checked(admin):
    body = error_of(admin.post("/users", {"login": unique("x"), "role": "boss"}), 422)
    assert "admin" in body["message"]


def test_group_lifecycle(admin):
    first = admin.created("/users", {"login": unique("g1")})["id"]
    second = admin.created("/users", {"login": unique("g2")})["id"]
    name = unique("Team")
    created = admin.created("/groups", {"name": name, "members": [first]})
    assert created == {"id": created["id"], "name": name, "members": [first]}
    path = f"/groups/{created['id']}"
    assert admin.patch(path, {"members": [first, second, second]}).json()["members"] == sorted(
        [first, second]
    )
    assert admin.get(path).json()["members"] == sorted([first, second])
    listed = next(g for g in admin.get("/groups").json()["items"] if g["id"] == created["id"])
    assert listed["members"] == sorted([first, second])
    error_of(admin.post("/groups", {"name": name.lower()}), 409)
    assert (
        error_of(admin.patch(path, {"members": [987654321]}), 422)["error"] == "unknown_reference"
    )
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_resource_lifecycle(admin):
    branch = new_branch(admin)
    slug = unique("raum")
    created = admin.created(
        "/resources",
        {"slug": slug, "kind": "room", "name": "Raum 7", "branch": branch, "colour": "#112233"},
    )
    assert created == {
        "slug": slug,
        "kind": "room",
        "name": "Raum 7",
        "employee": None,
        "branch": branch,
        "colour": "#112233",
        "sync_allowed": False,
        "active": True,
    }
    path = f"/resources/{slug}"
    assert (
        admin.patch(path, {"sync_allowed": True, "name": "Raum 8"}).json()["sync_allowed"] is True
    )
    assert admin.get(path).json()["name"] == "Raum 8"
    assert any(r["slug"] == slug for r in admin.get("/resources").json()["items"])
    assert admin.delete(path).status_code == 204
    error_of(admin.get(path), 404)


def test_resource_slug_is_stable(admin):
    slug = new_room(admin, new_branch(admin), sync_allowed=False)
    body = error_of(admin.patch(f"/resources/{slug}", {"slug": slug + "-x"}), 422)
    assert "cannot be changed" in body["message"] and "new resource" in body["message"]
    assert admin.patch(f"/resources/{slug}", {"slug": slug}).status_code == 200


def test_resource_kind_rules(admin):
    person = new_person(admin)
    branch = person.branch
    error_of(
        admin.post(
            "/resources", {"slug": unique("p"), "kind": "person", "name": "P", "branch": branch}
        ),
        422,
    )
    error_of(
        admin.post(
            "/resources",
            {"slug": unique("r"), "kind": "room", "name": "R", "employee": person.employee},
        ),
        422,
    )
    error_of(admin.post("/resources", {"slug": "Not A Slug", "kind": "room", "name": "R"}), 422)
    error_of(admin.post("/resources", {"slug": person.slug, "kind": "room", "name": "R"}), 409)
    room = admin.patch(f"/resources/{person.slug}", {"kind": "room"}).json()
    assert room["kind"] == "room" and room["employee"] is None


@pytest.mark.parametrize(
    "path, body",
    [
        ("/branches", {"name": "x", "colour": "red"}),
        ("/employees", {"last_name": "x", "nickname": "y"}),
        ("/users", {"login": "x", "is_admin": True}),
        ("/groups", {"name": "x", "owner": 1}),
        ("/resources", {"slug": "x", "kind": "room", "name": "x", "capacity": 4}),
    ],
)
def test_unknown_fields_are_refused(admin, path, body):
    response = error_of(admin.post(path, body), 422)
    assert response["error"] == "unknown_field"


@pytest.mark.parametrize(
    "path, body",
    [
        ("/branches", {"name": 5}),
        ("/employees", {"last_name": "x", "active": "yes"}),
        ("/employees", {"last_name": "x", "home_branch": "1"}),
        ("/users", {"login": "x", "employee": True}),
        ("/groups", {"name": "x", "members": "1,2"}),
        ("/resources", {"slug": "x", "kind": "room", "name": "x", "sync_allowed": 1}),
        ("/resources", {"slug": "x", "kind": "room", "name": None}),
    ],
)
def test_wrong_types_are_refused(admin, path, body):
    assert error_of(admin.post(path, body), 422)["error"] == "wrong_type"


def test_nul_characters_are_refused(admin):
    assert error_of(admin.post("/branches", {"name": "a\u0000b"}), 422)["error"] == "invalid_value"


def test_missing_fields_are_named(admin):
    body = error_of(admin.post("/resources", {"slug": unique("x")}), 422)
    assert (
        body["error"] == "missing_field" and "kind" in body["message"] and "name" in body["message"]
    )


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("{", "application/json", 400),
        ("\xff", "application/json", 400),
        ('{"name": "x"}', "text/plain", 400),
        ("", None, 400),
        ('["name"]', "application/json", 422),
        ("null", "application/json", 422),
        ("[" * 100000, "application/json", 400),
    ],
)
def test_malformed_bodies_are_refused_never_500(admin, data, content_type, status):
    headers = {"Content-Type": content_type} if content_type else {}
    response = admin.http.post(admin.url("/branches"), data=data.encode("latin-1"), headers=headers)
    error_of(response, status)


def test_audit_names_who_and_when(admin):
    person = new_person(admin)
    before = datetime.now(UTC) - timedelta(seconds=5)
    admin.patch(f"/resources/{person.slug}", {"sync_allowed": False})
    admin.patch(f"/users/{person.user}", {"role": "admin"})
    entries = admin.get("/audit", params={"limit": 50}).json()["items"]
    mine = [e for e in entries if e["actor"] == admin.login]
    switch = next(
        e for e in mine if e["action"] == "resource.update" and e["target"] == person.slug
    )
    assert "sync_allowed=False" in switch["details"]
    role = next(e for e in mine if e["action"] == "account.update")
    assert "role=admin" in role["details"]
    assert datetime.fromisoformat(switch["at"]) >= before


def test_audit_paging_is_checked(admin):
    assert len(admin.get("/audit", params={"limit": 1}).json()["items"]) == 1
    error_of(admin.get("/audit", params={"limit": "many"}), 422)
    error_of(admin.get("/audit", params={"limit": 0}), 422)
