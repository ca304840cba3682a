"""External CalDAV accounts through the API (issue 15 item 1): discovery against Radicale
and a second davserver on 127.0.0.1, from the bare host (RFC 6764 well-known), the
principal, the calendar home and the calendar itself, with and without the trailing
slash and with All-Inkl's stray `/1/`; the calendars listed with name, colour,
components and read-only; a refused login, an unreachable host and a URL without
calendars answer 422 naming the failed check and save nothing; the password is sealed
and never answered."""

from __future__ import annotations

import uuid

import pytest

from resources.auth.audit import recent
from resources.store.external_calendars import ExternalAccount
from tests.caldav_remotes import (
    new_remote_calendar,
    other_davserver_fixture,  # noqa: F401 - a fixture
    principal_of,
    radicale_fixture,  # noqa: F401 - a fixture
    remote_home,
    xandikos_fixture,  # noqa: F401 - a fixture
)
from tests.server_harness import add_login_by_command, free_port

REMOTES = ["radicale", "other_davserver", "xandikos"]


def account_body(remote, url: str, password: str | None = None) -> dict[str, str]:
    return {
        "url": url,
        "username": remote.username,
        "password": remote.password if password is None else password,
    }


def found_paths(answer: dict) -> set[str]:
    return {calendar["url"].split("://", 1)[1].split("/", 1)[1] for calendar in answer["calendars"]}


@pytest.mark.parametrize("which", REMOTES)
def test_calendars_are_found_from_host_principal_home_and_calendar(request, admin, which):
    remote = request.getfixturevalue(which)
    calendar = new_remote_calendar(remote, "Termine")
    home, principal = remote_home(remote), principal_of(remote)
    starts = [
        remote.base_url,  # a bare host: /.well-known/caldav
        remote.base_url + "/",
        remote.base_url + principal,
        remote.base_url + principal.rstrip("/"),
        remote.base_url + home,
        remote.base_url + home.rstrip("/"),
        remote.base_url + home + "1/",  # All-Inkl's stray segment
        remote.base_url + calendar.rstrip("/"),
    ]
    for start in starts:
        answer = admin.post("/external-accounts", account_body(remote, start))
        assert answer.status_code == 201, (start, answer.text)
        assert calendar.strip("/") in {p.strip("/") for p in found_paths(answer.json())}, start
    own = admin.post("/external-accounts", account_body(remote, remote.base_url + calendar))
    listed = own.json()["calendars"]
    assert len(listed) == 1
    assert listed[0]["name"] == "Termine" and "VEVENT" in listed[0]["components"]
    assert listed[0]["read_only"] is False and isinstance(listed[0]["color"], str)


def test_an_account_is_shown_without_its_password_which_is_sealed(admin, radicale):
    new_remote_calendar(radicale)
    created = admin.post("/external-accounts", account_body(radicale, radicale.base_url))
    assert created.status_code == 201
    shown = admin.get(f"/external-accounts/{created.json()['id']}").json()
    assert shown["password"] == {"set": True} and radicale.password not in str(shown)
    stored = ExternalAccount.get_by_id(shown["id"])
    assert radicale.password not in stored.password and stored.password
    audited = [e for e in recent(50) if e.target == f"external-account:{shown['id']}"]
    assert [e.action for e in audited] == ["external_account.create"]
    assert radicale.password not in audited[0].details
    assert admin.get("/external-accounts/999999").status_code == 404


@pytest.mark.parametrize("which", ["radicale", "other_davserver"])  # Xandikos takes any
def test_a_refused_login_names_the_login_check_and_saves_nothing(request, admin, which):
    remote = request.getfixturevalue(which)
    before = ExternalAccount.select().count()
    answer = admin.post(
        "/external-accounts", account_body(remote, remote.base_url + "/", "wrong-password")
    )
    assert answer.status_code == 422, answer.text
    refused = answer.json()
    assert (refused["check"], refused["code"]) == ("login", "external_login_refused")
    assert refused["message"] == ("The CalDAV server refused the user name or password (HTTP 401).")
    assert ExternalAccount.select().count() == before


def test_an_unreachable_host_and_a_bad_url_name_their_checks(admin):
    nobody = f"http://127.0.0.1:{free_port()}/dav/"
    answer = admin.post("/external-accounts", {"url": nobody, "username": "a", "password": "b"})
    assert answer.status_code == 422 and answer.json()["check"] == "reach", answer.text
    bad = admin.post("/external-accounts", {"url": "ftp://x/", "username": "a", "password": "b"})
    assert bad.status_code == 422 and bad.json()["check"] == "url"
    wrong = admin.post("/external-accounts", {"url": 5, "username": "a", "password": "b"})
    assert wrong.status_code == 422
    missing = admin.post("/external-accounts", {"url": nobody})
    assert missing.status_code == 422


def test_a_url_without_calendars_names_the_calendars_check(admin, other_davserver):
    """A new login of the other davserver has an empty calendar home."""
    username = f"u{uuid.uuid4().hex[:8]}"
    add_login_by_command(other_davserver.database_url, username, f"pw-{username}")
    url = f"{other_davserver.base_url}/dav/calendars/{username}/"
    body = {"url": url, "username": username, "password": f"pw-{username}"}
    answer = admin.post("/external-accounts", body)
    assert answer.status_code == 422, answer.text
    assert (
        answer.json()["check"] == "calendars" and answer.json()["code"] == "external_no_calendars"
    )


def test_an_account_is_changed_only_when_its_calendars_are_found_and_deleted_with_its_syncs(
    admin, login, radicale
):
    from tests.caldav_remotes import make_pair

    pair = make_pair(admin, login, radicale)
    account_id = admin.get(f"/external-syncs/{pair.id}").json()["account"]
    path = f"/external-accounts/{account_id}"
    shown = admin.get(path).json()
    refused = admin.patch(path, {"password": "wrong-password"})
    assert refused.status_code == 422 and refused.json()["check"] == "login", refused.text
    assert admin.get(path).json() == shown  # nothing saved
    moved = admin.patch(path, {**shown, "url": radicale.base_url + "/"})  # as GET gave it
    assert moved.status_code == 200, moved.text
    assert moved.json()["url"] == radicale.base_url + "/" and moved.json()["password"] == {
        "set": True
    }
    assert admin.patch(path, {"id": account_id + 1}).status_code == 422
    listed = admin.get("/external-accounts", params={"limit": 1000}).json()["items"]
    assert account_id in {item["id"] for item in listed}
    assert radicale.password not in str(listed)
    assert admin.delete(path).status_code == 204
    assert admin.get(path).status_code == 404
    assert admin.get(f"/external-syncs/{pair.id}").status_code == 404
    actions = {(e.action, e.target) for e in recent(100)}
    assert ("external_account.change", f"external-account:{account_id}") in actions
    assert ("external_account.delete", f"external-account:{account_id}") in actions
    assert ("external_sync.delete", f"external-sync:{pair.id}") in actions
    assert all(radicale.password not in e.details for e in recent(100))
