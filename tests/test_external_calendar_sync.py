"""Two-way sync of a local calendar with an external one (issue 15 items 2-5), against
Radicale and a second davserver on 127.0.0.1, driven through the API's "sync now"
(POST /api/v1/external-syncs/{id}/run): appointments that existed on either side before
arrive on the other; creating, changing and deleting on each side is seen on the other;
what came from the remote is never pushed back; a second pull that finds nothing costs
little; the pair's options are checked and audited."""

from __future__ import annotations

import pytest

from resources.auth.audit import recent
from tests.caldav_remotes import (
    event,
    local_calendar,
    make_pair,
    new_remote_calendar,
    other_davserver_fixture,  # noqa: F401 - a fixture
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    xandikos_fixture,  # noqa: F401 - a fixture
)

REMOTES = ["radicale", "other_davserver", "xandikos"]


@pytest.mark.parametrize("which", REMOTES)
def test_both_sides_arrive_and_every_change_follows(request, admin, login, which):
    remote = request.getfixturevalue(which)
    remote_calendar = new_remote_calendar(remote)
    put_event(remote, f"{remote_calendar}there.ics", event("there-1", "Remote before"))
    local = local_calendar(login)
    put_event(login, f"{local}here.ics", event("here-1", "Local before"))
    pair = make_pair(admin, login, remote, remote_calendar=remote_calendar, local=local)
    first = pair.run()
    assert first["run"]["ok"], first
    assert pair.here() == pair.there() == {"there-1": "Remote before", "here-1": "Local before"}
    again = pair.run()["run"]
    assert again["pushed"]["sent"] == 0  # what came from there is not sent back
    assert again["pulled"]["added"] == again["pulled"]["updated"] == 0

    put_event(login, f"{local}new.ics", event("here-2", "Local new"))
    put_event(login, f"{local}here.ics", event("here-1", "Local changed"))
    put_event(remote, f"{remote_calendar}there2.ics", event("there-2", "Remote new"))
    put_event(remote, f"{remote_calendar}there.ics", event("there-1", "Remote changed"))
    assert pair.run()["run"]["ok"]
    expected = {
        "there-1": "Remote changed",
        "there-2": "Remote new",
        "here-1": "Local changed",
        "here-2": "Local new",
    }
    assert pair.here() == pair.there() == expected

    assert login.request("DELETE", f"{local}new.ics").status_code == 204
    assert remote.request("DELETE", f"{remote_calendar}there2.ics").status_code in (200, 204)
    assert pair.run()["run"]["ok"]
    assert pair.here() == pair.there() == {"there-1": "Remote changed", "here-1": "Local changed"}
    state = admin.get(f"/external-syncs/{pair.id}").json()["state"]
    assert state["pending_pushes"] == 0 and state["last_pull"] and state["last_push"]


def test_existing_appointments_stay_here_when_push_existing_is_off(admin, login, radicale):
    local = local_calendar(login)
    put_event(login, f"{local}old.ics", event("old-1", "Before the pair"))
    pair = make_pair(admin, login, radicale, local=local, push_existing=False)
    assert pair.run()["run"]["ok"]
    assert pair.there() == {}
    put_event(login, f"{local}old.ics", event("old-1", "Edited after"))
    assert pair.run()["run"]["ok"]
    assert pair.there() == {"old-1": "Edited after"}


def test_a_pair_s_options_are_checked_changed_and_audited(admin, login, radicale):
    pair = make_pair(admin, login, radicale)
    shown = admin.get(f"/external-syncs/{pair.id}").json()
    assert shown["local_calendar"] == pair.local and shown["state"]["pending_pushes"] == 0
    assert (shown["conflict"], shown["interval_minutes"], shown["push_existing"]) == (
        "remote_wins",
        5,
        True,
    )
    for bad in ({"interval_minutes": 0}, {"interval_minutes": 61}, {"conflict": "coin"}):
        assert admin.patch(f"/external-syncs/{pair.id}", bad).status_code == 422
    changed = admin.patch(
        f"/external-syncs/{pair.id}", {**shown, "conflict": "newest_wins", "interval_minutes": 60}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["conflict"] == "newest_wins"
    moved = admin.patch(f"/external-syncs/{pair.id}", {"local_calendar": "/dav/calendars/x/y/"})
    assert moved.status_code == 422
    again = admin.post(
        "/external-syncs",
        {
            "account": shown["account"],
            "remote_calendar": shown["remote_calendar"],
            "local_calendar": pair.local,
        },
    )
    assert again.status_code == 409
    unknown = admin.post(
        "/external-syncs",
        {
            "account": shown["account"],
            "remote_calendar": "http://x/",
            "local_calendar": local_calendar(login),
        },
    )
    assert unknown.status_code == 422
    nowhere = admin.post(
        "/external-syncs",
        {
            "account": shown["account"],
            "remote_calendar": shown["remote_calendar"],
            "local_calendar": "/dav/calendars/nobody/x/",
        },
    )
    assert nowhere.status_code == 404
    assert admin.delete(f"/external-syncs/{pair.id}").status_code == 204
    assert admin.get(f"/external-syncs/{pair.id}").status_code == 404
    actions = [e.action for e in recent(50) if e.target == f"external-sync:{pair.id}"]
    assert {"external_sync.create", "external_sync.change", "external_sync.delete"} <= set(actions)


def test_a_resource_calendar_is_paired_by_its_slug(admin, login, radicale, forget_new_resources):
    from tests.api_helpers import new_branch, new_room

    slug = new_room(admin, new_branch(admin))
    remote_calendar = new_remote_calendar(radicale)
    put_event(radicale, f"{remote_calendar}r.ics", event("room-1", "Room booked there"))
    account = admin.created(
        "/external-accounts",
        {
            "url": radicale.base_url + remote_calendar,
            "username": radicale.username,
            "password": radicale.password,
        },
    )
    body = {
        "account": account["id"],
        "remote_calendar": account["calendars"][0]["url"],
        "resource": slug,
    }
    pair = admin.created("/external-syncs", body)
    assert pair["resource"] == slug and "local_calendar" not in pair
    run = admin.post(f"/external-syncs/{pair['id']}/run").json()["run"]
    assert run["ok"] and run["pulled"]["added"] == 1


SERIES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//external//EN\r\n"
    "BEGIN:VEVENT\r\nUID:series-{n}\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\n"
    "EXDATE:20260107T090000Z\r\nSUMMARY:Daily {summary}\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:series-{n}\r\nDTSTAMP:20260101T000000Z\r\n"
    "RECURRENCE-ID:20260106T090000Z\r\nDTSTART:20260106T140000Z\r\nDTEND:20260106T150000Z\r\n"
    "SUMMARY:Moved instance\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def series_lines(body: str) -> list[str]:
    """The lines that make the series: rule, cancelled and overridden instances."""
    wanted = ("RRULE", "EXDATE", "RECURRENCE-ID", "DTSTART", "SUMMARY", "UID")
    lines = body.replace("\r\n ", "").splitlines()
    return sorted(line for line in lines if line.split(";")[0].split(":")[0] in wanted)


@pytest.mark.parametrize("which", REMOTES)
def test_a_series_with_a_moved_and_a_cancelled_instance_survives_both_ways(
    request, admin, login, which
):
    remote = request.getfixturevalue(which)
    remote_calendar = new_remote_calendar(remote)
    there = SERIES.format(n=1, summary="there")
    put_event(remote, f"{remote_calendar}s1.ics", there)
    local = local_calendar(login)
    here = SERIES.format(n=2, summary="here")
    put_event(login, f"{local}s2.ics", here)
    pair = make_pair(admin, login, remote, remote_calendar=remote_calendar, local=local)
    assert pair.run()["run"]["ok"]
    pulled = login.request("GET", f"{local}s1.ics")
    assert series_lines(pulled.text) == series_lines(there)
    pushed = remote.request("GET", f"{remote_calendar}s2.ics")
    assert pushed.status_code == 200 and series_lines(pushed.text) == series_lines(here)


def test_a_phone_s_appointment_keeps_its_branch_when_changed_there(admin, login, radicale):
    from resources.store.models import StoredObject

    pair = make_pair(admin, login, radicale)
    put_event(login, f"{pair.local}branch.ics", event("branch-1", "Booked by phone"))
    branch = StoredObject.get(StoredObject.uid == "branch-1").branch_id
    assert branch is not None
    assert pair.run()["run"]["ok"]
    href = f"{pair.remote_calendar}branch.ics"
    put_event(radicale, href, event("branch-1", "Moved there", stamp="20260301T000000Z"))
    assert pair.run()["run"]["pulled"]["updated"] == 1
    kept = StoredObject.get(StoredObject.uid == "branch-1")
    assert kept.branch_id == branch and pair.here() == {"branch-1": "Moved there"}
