"""URL generator and connection test (seed 003): the URL for a visible resource, the
reason otherwise, and each check of the test failing on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import pytest

from davserver.connection_round_trip import make_round_trip
from davserver.dav.dav_app import build_dav_app
from resources.auth.credentials import update_credential
from resources.errors import NotFound
from resources.organisation.connection_test import run_connection_test
from resources.organisation.url_generator import AccessRefused, resource_url
from resources.store.organisation import UserAccount
from tests.ical import event
from tests.organisation import build_org, phone_login


@pytest.fixture(scope="module")
def org(server):
    return build_org()


@pytest.fixture(scope="module")
def round_trip(server):
    return make_round_trip(build_dav_app(server.settings))


def test_url_for_visible_resource_and_reasons_otherwise(server, org):
    username, _ = phone_login(server.base_url, org)
    url = resource_url("https://dav.example.com", username, org.slugs["room_on"])
    assert url == f"https://dav.example.com/dav/calendars/{username}/{org.slugs['room_on']}/"
    for role, code in (
        ("room_off", "sync_not_allowed"),
        ("other_person", "not_own_person"),
        ("room_inactive", "resource_inactive"),
    ):
        if role == "room_inactive":
            from resources.store.organisation import Resource

            Resource.update(active=False).where(Resource.slug == org.slugs[role]).execute()
        with pytest.raises(AccessRefused) as refused:
            resource_url("https://dav.example.com", username, org.slugs[role])
        assert refused.value.code == code and refused.value.message
    with pytest.raises(NotFound):
        resource_url("https://dav.example.com", "not-saved-yet", org.slugs["room_on"])


def test_a_client_finds_principal_and_calendar_from_the_resource_url(server, org):
    username, session = phone_login(server.base_url, org)
    url = resource_url(server.base_url, username, org.slugs["own_person"])
    session.put(
        url + "e.ics", data=event(summary="Visible"), headers={"Content-Type": "text/calendar"}
    )
    with caldav.DAVClient(url=url, username=username, password="secret-pw") as client:
        calendars = client.principal().calendars()
        assert [str(c.url) for c in calendars if str(c.url) == url] == [url]
        assert "Visible" in caldav.Calendar(client=client, url=url).events()[0].data


def failing(result) -> list[str]:
    return [c.check for c in result.checks if not c.ok]


def test_all_checks_pass_with_round_trip_and_password(server, org, round_trip):
    username, _ = phone_login(server.base_url, org)
    result = run_connection_test(
        username, org.slugs["room_on"], password="secret-pw", round_trip=round_trip
    )
    assert result.ok, result.checks
    assert [c.check for c in result.checks][-3:] == ["options", "propfind", "password"]


def test_wrong_password_fails_the_round_trip(server, org, round_trip):
    username, _ = phone_login(server.base_url, org)
    result = run_connection_test(
        username, org.slugs["room_on"], password="wrong", round_trip=round_trip
    )
    assert failing(result) == ["password"]


@pytest.mark.parametrize(
    "case, expected",
    [
        ("not_saved", ["credential_saved"]),
        ("no_password", ["password_set"]),
        ("unconfirmed", ["confirmed"]),
        ("expired", ["validity_window"]),
        ("inactive_account", ["account_active"]),
        ("no_caldav", ["service_class"]),
        ("unknown_resource", ["resource_exists"]),
        ("sync_off", ["sync_allowed"]),
        ("other_person", ["resource_visible"]),
    ],
)
def test_each_failing_check_is_named(server, org, round_trip, case, expected):
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    settings = {
        "no_password": dict(password=None),
        "unconfirmed": dict(confirmed=False),
        "expired": dict(valid_until=today - timedelta(days=2)),
        "no_caldav": dict(service_classes_=("carddav",)),
    }
    username, _ = phone_login(server.base_url, org, **settings.get(case, {}))
    if case == "inactive_account":
        from resources.organisation.accounts import create_account

        account = create_account(f"off-{username}", employee=org.employee_id)
        update_credential(username, {"account": account.id})
        UserAccount.update(active=False).where(UserAccount.id == account.id).execute()
    slug = {
        "unknown_resource": "no-such-room",
        "sync_off": org.slugs["room_off"],
        "other_person": org.slugs["other_person"],
    }.get(case, org.slugs["room_on"])
    result = run_connection_test(
        "never-saved" if case == "not_saved" else username, slug, round_trip=round_trip
    )
    assert failing(result) == expected
    assert all(c.message.endswith(".") for c in result.checks)
    if case == "expired":
        (window,) = [c for c in result.checks if c.check == "validity_window"]
        assert (today - timedelta(days=2)).strftime("%d.%m.%Y") in window.message


def test_propfind_walk_from_the_resource_url_as_davx5_and_ios_do(server, org):
    from tests.davxml import hrefs_in, propfind_body, q, responses

    username, session = phone_login(server.base_url, org)
    url = resource_url(server.base_url, username, org.slugs["room_on"])
    headers = {"Depth": "0", "Content-Type": "application/xml"}
    start = session.request(
        "PROPFIND",
        url,
        data=propfind_body("D:current-user-principal", "D:resourcetype"),
        headers=headers,
    )
    (props,) = responses(start.content).values()
    principal = hrefs_in(props[q("D", "current-user-principal")][1])[0]
    found = session.request(
        "PROPFIND",
        server.base_url + principal,
        data=propfind_body("C:calendar-home-set"),
        headers=headers,
    )
    home = hrefs_in(responses(found.content)[principal][q("C", "calendar-home-set")][1])[0]
    listing = session.request(
        "PROPFIND",
        server.base_url + home,
        data=propfind_body("D:resourcetype"),
        headers={**headers, "Depth": "1"},
    )
    assert url[len(server.base_url) :] in responses(listing.content)


def test_public_url_comes_from_forwarded_headers_only_when_trusted(fresh_database):
    import requests

    from tests.server_harness import start_server

    trusting = start_server(fresh_database.url, trust_proxy=True)
    try:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dav.example.com"}
        r = requests.get(
            trusting.base_url + "/.well-known/caldav", headers=forwarded, allow_redirects=False
        )
        assert r.headers["Location"] == "https://dav.example.com/dav/"
    finally:
        trusting.stop()
    plain = start_server(fresh_database.url)
    try:
        r = requests.get(
            plain.base_url + "/.well-known/caldav", headers=forwarded, allow_redirects=False
        )
        assert r.headers["Location"] == "/dav/"
    finally:
        plain.stop()
