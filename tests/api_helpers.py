"""Talking to the JSON API in tests: a signed-in client, and an organisation built
through the API itself with unique names (the server is shared by the session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from resources.organisation.branches import default_branch
from resources.organisation.resource_calendars import delete_resource
from resources.store.organisation import Resource
from tests.logins import new_account, signed_in_session, unique


@dataclass
class Api:
    """A requests session signed in to /api/v1 as one account."""

    base_url: str
    login: str
    password: str
    http: requests.Session

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is None:  # a bodyless POST still says JSON, as the API requires against CSRF
            kwargs["headers"] = {"Content-Type": "application/json", **kwargs.get("headers", {})}
        return self.http.post(self.url(path), json=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.patch(self.url(path), json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url(path), json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.url(path), **kwargs)

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST that must answer 201; the created record."""
        response = self.post(path, body)
        assert response.status_code == 201, (response.status_code, response.text)
        return response.json()


def api_as(server, role: str) -> Api:
    """A new account with `role` and a password, signed in."""
    default_branch()  # the first branch stays the plain "Main" other test modules rely on
    login, password = new_account(role)
    return Api(server.base_url, login, password, signed_in_session(login, password))


@pytest.fixture
def admin(server) -> Api:
    return api_as(server, "admin")


@pytest.fixture
def forget_new_resources():
    """Delete the resources a test created, so that rooms with sync on do not appear in
    the homes of logins that later tests make."""
    last = Resource.select().order_by(Resource.id.desc()).first()
    first_new = (last.id if last else 0) + 1
    yield
    for resource in Resource.select().where(Resource.id >= first_new):
        delete_resource(resource.slug)


@dataclass
class Person:
    """An employee with a user account and a person resource, in one branch."""

    branch: int
    employee: int
    user: int
    slug: str


def new_branch(api: Api, **fields: Any) -> int:
    return api.created("/branches", {"name": unique("Branch"), **fields})["id"]


def new_person(api: Api, branch: int | None = None, *, sync_allowed: bool = True) -> Person:
    branch = branch or new_branch(api)
    employee = api.created(
        "/employees", {"first_name": "Erika", "last_name": unique("Muster"), "home_branch": branch}
    )["id"]
    user = api.created("/users", {"login": unique("erika"), "employee": employee})["id"]
    slug = unique("person")
    api.created(
        "/resources",
        {
            "slug": slug,
            "kind": "person",
            "name": "Erika",
            "employee": employee,
            "branch": branch,
            "sync_allowed": sync_allowed,
        },
    )
    return Person(branch, employee, user, slug)


def new_room(api: Api, branch: int, *, sync_allowed: bool = True, active: bool = True) -> str:
    slug = unique("room")
    api.created(
        "/resources",
        {
            "slug": slug,
            "kind": "room",
            "name": unique("Room"),
            "branch": branch,
            "sync_allowed": sync_allowed,
            "active": active,
        },
    )
    return slug


def new_credential(
    api: Api, person: Person, *, password: str | None = "phone-secret", **fields: Any
) -> str:
    username = unique("phone")
    body = {
        "username": username,
        "user": person.user,
        "branch": person.branch,
        "confirmed": True,
        **fields,
    }
    if password is not None:
        body["password"] = password
    api.created("/credentials", body)
    return username


def error_of(response: requests.Response, status: int) -> dict[str, str]:
    """The {"error", "message"} body of a refusal with `status`; a domain refusal may also
    name its catalogue code ("code") and the field it concerns ("field")."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"error", "message"} <= set(body) <= {"error", "message", "code", "field"}, body
    assert body["message"].endswith("."), body
    return body


def import_counts(response: requests.Response) -> dict[str, int]:
    """The counts of a phonebook import's answer (which also carries its run)."""
    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    return {name: body[name] for name in ("created", "updated", "deleted")}
