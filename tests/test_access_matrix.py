"""Who sees which calendar (issue 4, seed 003), through HTTP as a phone would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resources.store.organisation import Resource, UserAccount
from tests.davxml import propfind_body, responses
from tests.ical import event
from tests.organisation import build_org, phone_login

XML = {"Content-Type": "application/xml", "Depth": "1"}


@pytest.fixture(scope="module")
def org(server):
    organisation = build_org()
    Resource.update(active=False).where(
        Resource.slug == organisation.slugs["room_inactive"]
    ).execute()
    return organisation


def home_slugs(server, username, session):
    r = session.request(
        "PROPFIND",
        f"{server.base_url}/dav/calendars/{username}/",
        data=propfind_body("D:resourcetype"),
        headers=XML,
    )
    assert r.status_code == 207, r.status_code
    home = f"/dav/calendars/{username}/"
    return {href[len(home) :].strip("/") for href in responses(r.content) if href != home}


def test_valid_credential_sees_own_person_and_enabled_active_rooms(server, org):
    username, session = phone_login(server.base_url, org)
    seen = home_slugs(server, username, session)
    assert {org.slugs["own_person"], org.slugs["room_on"]} <= seen
    hidden = {org.slugs[role] for role in ("other_person", "room_off", "room_inactive")}
    assert not seen & hidden
    # Beside its own person, a login sees every room with sync on: other modules' too,
    # since the test server is shared, and only those.
    others = seen - {org.slugs["own_person"], org.slugs["room_on"], "inbox", "outbox"}
    assert all(slug.startswith("room-on-") for slug in others), others
    for role in ("other_person", "room_off", "room_inactive"):
        url = f"{server.base_url}/dav/calendars/{username}/{org.slugs[role]}/"
        assert (
            session.request(
                "PROPFIND", url, data=propfind_body("D:resourcetype"), headers=XML
            ).status_code
            == 404
        )
        assert session.get(url + "x.ics").status_code == 404
        assert (
            session.put(url + "x.ics", data=event(), headers=CALENDAR_TYPE_HEADERS).status_code
            == 409
        )
        assert session.request("REPORT", url, data=MULTIGET, headers=XML).status_code == 404


CALENDAR_TYPE_HEADERS = {"Content-Type": "text/calendar"}
MULTIGET = b'<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><D:href>/x</D:href></C:calendar-multiget>'


@pytest.mark.parametrize(
    "state", ["expired", "not_yet_valid", "unconfirmed", "no_password", "inactive_account"]
)
def test_refused_states_all_look_the_same(server, org, state):
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    settings = {
        "expired": dict(valid_until=today - timedelta(days=1)),
        "not_yet_valid": dict(valid_from=today + timedelta(days=1)),
        "unconfirmed": dict(confirmed=False),
        "no_password": dict(password=None),
        "inactive_account": {},
    }[state]
    if state == "inactive_account":
        from resources.organisation.accounts import create_account

        account = create_account(f"inactive-{id(settings)}-{state}", employee=org.employee_id)
        UserAccount.update(active=False).where(UserAccount.id == account.id).execute()
        settings["account"] = account.id
    username, session = phone_login(server.base_url, org, **settings)
    if state == "no_password":
        session.auth = (username, "anything")
    refused = session.request(
        "PROPFIND", f"{server.base_url}/dav/", data=propfind_body("D:resourcetype"), headers=XML
    )
    unknown = session.request(
        "PROPFIND",
        f"{server.base_url}/dav/",
        data=propfind_body("D:resourcetype"),
        headers=XML,
        auth=(username + "-nobody", "x"),
    )
    assert refused.status_code == unknown.status_code == 401
    assert refused.content == unknown.content
    from resources.auth.credentials import find_credential

    expected_reason = {"unconfirmed": "not_confirmed", "inactive_account": "account_inactive"}.get(
        state, state
    )
    assert find_credential(username).last_refusal == expected_reason


def test_validity_dates_are_inclusive_today(server, org):
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    username, session = phone_login(server.base_url, org, valid_from=today, valid_until=today)
    assert home_slugs(server, username, session)


def test_validity_edges_follow_the_branch_timezone(server):
    """At 11:30 UTC on 1 March it is already 2 March in Auckland: a login valid until
    1 March (Auckland dates) is refused there, while a Berlin one still works."""
    from resources.auth.credentials import CredentialRefused, authenticate

    moment = datetime(2026, 3, 1, 11, 30, tzinfo=UTC)
    auckland = build_org("Pacific/Auckland")
    berlin = build_org("Europe/Berlin")
    nz_user, _ = phone_login("", auckland, valid_until=date(2026, 3, 1))
    de_user, _ = phone_login("", berlin, valid_until=date(2026, 3, 1))
    with pytest.raises(CredentialRefused) as refused:
        authenticate(nz_user, "secret-pw", now=moment)
    assert refused.value.reason_code == "expired"
    assert authenticate(de_user, "secret-pw", now=moment).username == de_user
    starts = build_org("Pacific/Auckland")
    early_user, _ = phone_login("", starts, valid_from=date(2026, 3, 2))
    assert authenticate(early_user, "secret-pw", now=moment).username == early_user


def test_credential_without_caldav_sees_no_calendars(server, org):
    username, session = phone_login(server.base_url, org, service_classes_=("carddav",))
    assert home_slugs(server, username, session) == set()
    url = f"{server.base_url}/dav/calendars/{username}/{org.slugs['room_on']}/"
    assert (
        session.request(
            "PROPFIND", url, data=propfind_body("D:resourcetype"), headers=XML
        ).status_code
        == 404
    )
    assert (
        session.request(
            "MKCALENDAR", f"{server.base_url}/dav/calendars/{username}/mine/"
        ).status_code
        == 403
    )


def test_sync_switch_removes_and_restores_the_calendar_with_its_data(server, org):
    from resources.organisation.resource_calendars import create_resource, set_sync_allowed
    from tests.organisation import unique

    slug = unique("raum")
    create_resource("room", "Switch room", slug, branch=org.branch_id, sync_allowed=True)
    username, session = phone_login(server.base_url, org)
    url = f"{server.base_url}/dav/calendars/{username}/{slug}/"
    assert (
        session.put(
            url + "a.ics", data=event(summary="kept"), headers=CALENDAR_TYPE_HEADERS
        ).status_code
        == 201
    )
    token = _sync_token(session, url)
    set_sync_allowed(slug, False)
    assert slug not in home_slugs(server, username, session)
    assert session.get(url + "a.ics").status_code == 404
    set_sync_allowed(slug, True)
    assert "kept" in session.get(url + "a.ics").text
    again = session.request(
        "REPORT",
        url,
        data=_SYNC.format(token=token),
        headers={"Content-Type": "application/xml", "Depth": "0"},
    )
    assert again.status_code == 207


_SYNC = '<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>'


def _sync_token(session, url) -> str:
    from lxml import etree

    r = session.request(
        "REPORT",
        url,
        data=_SYNC.format(token=""),
        headers={"Content-Type": "application/xml", "Depth": "0"},
    )
    return etree.fromstring(r.content).findtext("{DAV:}sync-token")


def test_device_appointments_get_the_credential_branch_and_keep_it(server, org):
    from resources.organisation.branches import create_branch
    from resources.store.models import StoredObject
    from tests.organisation import unique

    first_user, first = phone_login(server.base_url, org)
    other_branch = create_branch(unique("Nord"))
    second_user, second = phone_login(server.base_url, org)
    from resources.auth.credentials import update_credential

    update_credential(second_user, {"branch": other_branch.id})
    room = org.slugs["room_on"]
    body = event(summary="created on phone one")
    created = first.put(
        f"{server.base_url}/dav/calendars/{first_user}/{room}/branch.ics",
        data=body,
        headers=CALENDAR_TYPE_HEADERS,
    )
    assert created.status_code == 201
    row = StoredObject.get(StoredObject.name == "branch.ics")
    assert row.branch_id == org.branch_id
    updated = second.put(
        f"{server.base_url}/dav/calendars/{second_user}/{room}/branch.ics",
        data=body.replace("phone one", "phone two"),
        headers=CALENDAR_TYPE_HEADERS,
    )
    assert updated.status_code == 204
    assert StoredObject.get(StoredObject.name == "branch.ics").branch_id == org.branch_id


def test_resource_calendar_is_shared_and_not_deletable(server, org):
    first_user, first = phone_login(server.base_url, org)
    second_user, second = phone_login(server.base_url, org)
    room = org.slugs["room_on"]
    first.put(
        f"{server.base_url}/dav/calendars/{first_user}/{room}/shared.ics",
        data=event(summary="shared"),
        headers=CALENDAR_TYPE_HEADERS,
    )
    assert (
        "shared"
        in second.get(f"{server.base_url}/dav/calendars/{second_user}/{room}/shared.ics").text
    )
    assert (
        second.delete(f"{server.base_url}/dav/calendars/{second_user}/{room}/").status_code == 403
    )
