"""Appointments of a resource calendar through the JSON API (issue 4 §5): listing the
instances in a date range, and creating appointments that reach every phone that sees
the resource."""

from __future__ import annotations

import pytest
import requests

from tests.api_helpers import error_of, new_branch, new_credential, new_person, new_room, unique
from tests.davxml import propfind_body, responses
from tests.ical import event

pytestmark = pytest.mark.usefixtures("forget_new_resources")

PHONE_PASSWORD = "phone-secret"
EVENT_FIELDS = {"uid", "summary", "start", "end", "resource", "branch", "name", "recurrence_id"}


def phone_put(server, username: str, slug: str, name: str, body: str) -> int:
    return requests.put(
        f"{server.base_url}/dav/calendars/{username}/{slug}/{name}",
        data=body.encode(),
        auth=(username, PHONE_PASSWORD),
        headers={"Content-Type": "text/calendar"},
    ).status_code


def phone_listing(server, username: str, slug: str) -> set[str]:
    path = f"/dav/calendars/{username}/{slug}/"
    answer = requests.request(
        "PROPFIND",
        server.base_url + path,
        data=propfind_body("D:getetag"),
        auth=(username, PHONE_PASSWORD),
        headers={"Depth": "1", "Content-Type": "application/xml"},
    )
    assert answer.status_code == 207, answer.status_code
    return {href[len(path) :] for href in responses(answer.content) if href != path}


def test_created_appointment_reaches_the_phone(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    answer = admin.post(
        f"/resources/{person.slug}/events",
        {
            "summary": "Hörtest Frau Schulz",
            "start": "2030-06-04T09:30:00+02:00",
            "end": "2030-06-04T10:15:00+02:00",
            "location": "Raum 1",
        },
    )
    assert answer.status_code == 201, answer.text
    item = answer.json()
    assert set(item) == EVENT_FIELDS
    assert (item["summary"], item["resource"], item["branch"]) == (
        "Hörtest Frau Schulz",
        person.slug,
        person.branch,
    )
    assert (item["start"], item["end"]) == (
        "2030-06-04T09:30:00+02:00",
        "2030-06-04T10:15:00+02:00",
    )
    assert item["name"] in phone_listing(server, username, person.slug)
    body = requests.get(
        f"{server.base_url}/dav/calendars/{username}/{person.slug}/{item['name']}",
        auth=(username, PHONE_PASSWORD),
    )
    assert body.status_code == 200
    assert "SUMMARY:Hörtest Frau Schulz" in body.text and f"UID:{item['uid']}" in body.text
    assert "DTSTART:20300604T073000Z" in body.text


def test_room_appointment_reaches_every_login_that_sees_the_room(server, admin):
    first, second = new_person(admin), new_person(admin)
    logins = [new_credential(admin, first), new_credential(admin, second)]
    room = new_room(admin, first.branch)
    item = admin.created(
        f"/resources/{room}/events",
        {"summary": "Workshop", "start": "2030-06-05T08:00", "end": "2030-06-05T11:00"},
    )
    assert item["start"] == "2030-06-05T08:00:00+02:00"
    for username in logins:
        assert item["name"] in phone_listing(server, username, room)


def test_appointment_goes_to_the_branch_given(admin):
    person = new_person(admin)
    other_branch = new_branch(admin)
    item = admin.created(
        f"/resources/{person.slug}/events",
        {
            "summary": "Elsewhere",
            "start": "2030-06-06",
            "end": "2030-06-07",
            "branch": other_branch,
        },
    )
    assert (item["branch"], item["start"], item["end"]) == (
        other_branch,
        "2030-06-06",
        "2030-06-07",
    )
    listed = admin.get(
        f"/resources/{person.slug}/events", params={"start": "2030-06-06", "end": "2030-06-06"}
    )
    assert [(e["uid"], e["branch"]) for e in listed.json()["items"]] == [
        (item["uid"], other_branch)
    ]


def test_listing_takes_whole_days_in_the_branch_zone(admin):
    person = new_person(admin)
    slug = person.slug
    for summary, start, end in (
        ("Early", "2030-06-03T00:30", "2030-06-03T01:00"),
        ("Late", "2030-06-09T23:00", "2030-06-09T23:30"),
        ("After", "2030-06-10T00:00", "2030-06-10T00:30"),
    ):
        admin.created(f"/resources/{slug}/events", {"summary": summary, "start": start, "end": end})
    week = admin.get(
        f"/resources/{slug}/events", params={"start": "2030-06-03", "end": "2030-06-09"}
    )
    assert week.status_code == 200
    assert [e["summary"] for e in week.json()["items"]] == ["Early", "Late"]
    day = admin.get(
        f"/resources/{slug}/events", params={"start": "2030-06-10", "end": "2030-06-10"}
    )
    assert [e["summary"] for e in day.json()["items"]] == ["After"]


def test_device_appointments_are_listed_with_the_credentials_branch(server, admin):
    person = new_person(admin)
    phone_branch = new_branch(admin)
    username = new_credential(admin, person, branch=phone_branch)
    uid = unique("phone-made")
    assert (
        phone_put(
            server,
            username,
            person.slug,
            f"{uid}.ics",
            event(uid, "From the phone", "20300611T080000Z", "20300611T090000Z"),
        )
        == 201
    )
    items = admin.get(
        f"/resources/{person.slug}/events", params={"start": "2030-06-11", "end": "2030-06-11"}
    )
    assert [(e["uid"], e["branch"], e["name"]) for e in items.json()["items"]] == [
        (uid, phone_branch, f"{uid}.ics")
    ]
    assert items.json()["items"][0]["start"] == "2030-06-11T10:00:00+02:00"


def test_recurring_appointments_are_expanded_in_range(server, admin):
    person = new_person(admin)
    username = new_credential(admin, person)
    uid = unique("weekly")
    weekly = event(
        uid,
        "Team meeting",
        "20300603T070000Z",
        "20300603T080000Z",
        "RRULE:FREQ=WEEKLY;COUNT=10\r\n",
    )
    assert phone_put(server, username, person.slug, f"{uid}.ics", weekly) == 201
    items = admin.get(
        f"/resources/{person.slug}/events", params={"start": "2030-06-10", "end": "2030-06-30"}
    ).json()["items"]
    assert [e["start"] for e in items] == [
        "2030-06-10T09:00:00+02:00",
        "2030-06-17T09:00:00+02:00",
        "2030-06-24T09:00:00+02:00",
    ]
    assert all(e["uid"] == uid and e["recurrence_id"] == e["start"] for e in items)
    assert (
        admin.get(
            f"/resources/{person.slug}/events", params={"start": "2031-01-01", "end": "2031-01-31"}
        ).json()["items"]
        == []
    )


@pytest.mark.parametrize(
    "params, code",
    [
        ({"end": "2030-06-01"}, "missing_parameter"),
        ({"start": "2030-06-01"}, "missing_parameter"),
        ({"start": "01.06.2030", "end": "2030-06-02"}, "invalid_value"),
        ({"start": "2030-06-05", "end": "2030-06-01"}, "invalid_value"),
        ({"start": "2030-01-01", "end": "2032-01-01"}, "invalid_value"),
        ({"start": "0001-01-01T00:00+14:00", "end": "0001-01-02"}, "invalid_value"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "invalid_value"),
        ({"start": "0001-01-01T00:00:00+00:00", "end": "0001-01-03"}, "invalid_value"),
    ],
)
def test_listing_range_is_checked(admin, params, code):
    person = new_person(admin)
    assert (
        error_of(admin.get(f"/resources/{person.slug}/events", params=params), 422)["error"] == code
    )


@pytest.mark.parametrize(
    "body, code",
    [
        ({"start": "2030-06-01T09:00", "end": "2030-06-01T10:00"}, "missing_field"),
        ({"summary": "x", "start": "2030-06-01T09:00", "end": "2030-06-01T08:00"}, "invalid_value"),
        ({"summary": "x", "start": "2030-06-01", "end": "2030-06-01T08:00"}, "invalid_value"),
        ({"summary": "x", "start": "tomorrow", "end": "2030-06-01T08:00"}, "invalid_value"),
        ({"summary": " ", "start": "2030-06-01T09:00", "end": "2030-06-01T10:00"}, "invalid_value"),
        ({"summary": "x", "start": 1717232400, "end": "2030-06-01T10:00"}, "wrong_type"),
        ({"summary": "x", "start": "0001-01-01", "end": "0001-01-02"}, "invalid_value"),
        (
            {
                "summary": "x",
                "start": "2030-06-01T09:00",
                "end": "2030-06-01T10:00",
                "rrule": "FREQ=DAILY",
            },
            "unknown_field",
        ),
        (
            {
                "summary": "x",
                "start": "2030-06-01T09:00",
                "end": "2030-06-01T10:00",
                "branch": 987654321,
            },
            "unknown_reference",
        ),
    ],
)
def test_appointment_body_is_checked(admin, body, code):
    person = new_person(admin)
    assert error_of(admin.post(f"/resources/{person.slug}/events", body), 422)["error"] == code


def test_events_of_an_unknown_resource_are_404(admin):
    slug = unique("none")
    error_of(
        admin.get(f"/resources/{slug}/events", params={"start": "2030-06-01", "end": "2030-06-02"}),
        404,
    )
    error_of(
        admin.post(
            f"/resources/{slug}/events",
            {"summary": "x", "start": "2030-06-01", "end": "2030-06-02"},
        ),
        404,
    )


def test_appointment_needs_a_branch_when_the_resource_has_none(admin):
    slug = unique("room")
    admin.created("/resources", {"slug": slug, "kind": "room", "name": "Nowhere"})
    body = error_of(
        admin.post(
            f"/resources/{slug}/events",
            {"summary": "x", "start": "2030-06-01", "end": "2030-06-02"},
        ),
        422,
    )
    assert "branch" in body["message"]
