"""External calendar sync when things go wrong (issue 15 items 3-4): the remote stopped
during a push and started again (the outbox keeps every change, nothing arrives twice);
a failed pull changes nothing; a 412 on the remote resolved by each conflict policy; a
sync token the remote no longer knows starts a full comparison that loses nothing; a
remote without sync-collection is compared by ctag and ETags, and a pull that finds
nothing changed costs at most two requests. The remote sits behind a recording proxy
(tests/carddav_sources.py) that can be stopped and started on the same port."""

from __future__ import annotations

import pytest

from davserver.external_caldav import HttpxCalDavClient
from resources.external_calendars.sync_runs import process_owner, run_pair
from resources.store.database import write_transaction
from resources.store.external_calendars import OutboxEntry, SyncPair
from tests.caldav_remotes import (
    event,
    make_pair,
    new_remote_calendar,
    other_davserver_fixture,  # noqa: F401 - a fixture
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    summaries,
    xandikos_fixture,  # noqa: F401 - a fixture
)
from tests.carddav_sources import DavProxy, DavServer

REMOTES = ["radicale", "other_davserver", "xandikos"]


def behind_proxy(remote: DavServer, **options) -> tuple[DavProxy, DavServer]:
    proxy = DavProxy(remote.base_url, **options).start()
    return proxy, DavServer(proxy.base_url, remote.username, remote.password)


@pytest.mark.parametrize("which", REMOTES)
def test_a_remote_down_during_the_push_loses_and_doubles_nothing(request, admin, login, which):
    remote = request.getfixturevalue(which)
    proxy, through = behind_proxy(remote)
    calendar = new_remote_calendar(remote)
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    assert pair.run()["run"]["ok"]
    proxy.stop()
    put_event(login, f"{pair.local}a.ics", event("down-1", "Made while down"))
    put_event(login, f"{pair.local}b.ics", event("down-2", "Also while down"))
    before = SyncPair.get_by_id(pair.id)
    failed = pair.run()
    assert not failed["run"]["ok"] and failed["run"]["error"].endswith(".")
    assert failed["state"]["pending_pushes"] == 2 and failed["state"]["last_error"]
    after = SyncPair.get_by_id(pair.id)
    assert (after.sync_token, after.ctag) == (
        before.sync_token,
        before.ctag,
    )  # pull changed nothing
    assert summaries(login, pair.local) == {
        "down-1": "Made while down",
        "down-2": "Also while down",
    }
    proxy.start()  # the same port again
    assert pair.run()["run"]["ok"]
    assert pair.there() == {"down-1": "Made while down", "down-2": "Also while down"}
    assert pair.run()["run"]["pushed"]["sent"] == 0
    puts = [path for method, path, _ in proxy.requests if method == "PUT"]
    assert sorted(puts) == sorted({*puts}) and len(puts) == 2  # each sent once
    assert OutboxEntry.select().where(OutboxEntry.collection_id == after.collection_id).count() == 0


@pytest.mark.parametrize(("policy", "winner"), [("remote_wins", "Theirs"), ("local_wins", "Ours")])
def test_a_412_on_the_remote_is_resolved_by_the_policy(admin, login, radicale, policy, winner):
    pair = make_pair(admin, login, radicale, conflict=policy)
    put_event(login, f"{pair.local}c.ics", event("clash-1", "First"))
    assert pair.run()["run"]["ok"]
    href = next(iter(pair_hrefs(pair)))
    put_event(radicale, href, event("clash-1", "Theirs", stamp="20260102T000000Z"))
    put_event(login, f"{pair.local}c.ics", event("clash-1", "Ours"))
    outcome = run_pair(pair.id, HttpxCalDavClient(), process_owner(), pull=False)
    assert outcome.push.conflicts == 1 and not outcome.error
    assert pair.here() == pair.there() == {"clash-1": winner}


def test_newest_wins_compares_the_remote_s_last_modified(admin, login, radicale):
    pair = make_pair(admin, login, radicale, conflict="newest_wins")
    put_event(login, f"{pair.local}n.ics", event("new-1", "First"))
    assert pair.run()["run"]["ok"]
    href = next(iter(pair_hrefs(pair)))
    put_event(radicale, href, event("new-1", "Old there", stamp="20200101T000000Z"))
    put_event(login, f"{pair.local}n.ics", event("new-1", "Newer here"))
    assert pair.run()["run"]["ok"]  # the pull meets the conflict first
    assert pair.here() == pair.there() == {"new-1": "Newer here"}
    put_event(radicale, href, event("new-1", "Newest there", stamp="20990101T000000Z"))
    put_event(login, f"{pair.local}n.ics", event("new-1", "Older here"))
    assert pair.run()["run"]["ok"]
    assert pair.here() == pair.there() == {"new-1": "Newest there"}


def pair_hrefs(pair) -> list[str]:
    from resources.store.external_calendars import SyncedObject

    return [row.remote_href for row in SyncedObject.select().where(SyncedObject.pair == pair.id)]


@pytest.mark.parametrize("which", REMOTES)
def test_an_invalid_sync_token_starts_a_full_comparison(request, admin, login, which):
    remote = request.getfixturevalue(which)
    calendar = new_remote_calendar(remote)
    put_event(remote, f"{calendar}one.ics", event("tok-1", "Kept"))
    pair = make_pair(admin, login, remote, remote_calendar=calendar)
    assert pair.run()["run"]["ok"]
    assert SyncPair.get_by_id(pair.id).sync_token
    with write_transaction():
        SyncPair.update(sync_token="http://example.invalid/sync/999999").where(
            SyncPair.id == pair.id
        ).execute()
    put_event(remote, f"{calendar}two.ics", event("tok-2", "Added"))
    assert remote.request("DELETE", f"{calendar}one.ics").status_code in (200, 204)
    pulled = pair.run()["run"]["pulled"]
    assert pulled["added"] == 1 and pulled["removed"] == 1
    assert pair.here() == pair.there() == {"tok-2": "Added"}


@pytest.mark.parametrize("hide", [False, True])
def test_a_pull_that_finds_nothing_costs_at_most_two_requests(admin, login, radicale, hide):
    proxy, through = behind_proxy(radicale, hide_sync_collection=hide)
    calendar = new_remote_calendar(radicale)
    put_event(radicale, f"{calendar}x.ics", event("cost-1", "There"))
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    assert pair.run()["run"]["pulled"]["added"] == 1
    put_event(radicale, f"{calendar}x.ics", event("cost-1", "Changed there"))
    changed = pair.run()["run"]["pulled"]
    assert changed["updated"] == 1 and pair.here() == {"cost-1": "Changed there"}
    proxy.requests.clear()
    quiet = pair.run()["run"]
    assert quiet["pulled"]["requests"] <= 2 and len(proxy.requests) <= 2, proxy.requests
    if hide:
        assert not SyncPair.get_by_id(pair.id).sync_token and SyncPair.get_by_id(pair.id).ctag
    proxy.stop()


@pytest.mark.parametrize("which", REMOTES)
def test_a_push_whose_answer_was_lost_is_not_doubled(request, admin, login, which):
    """The remote stored the PUT but the answer never came: the next run's pull meets
    the object there with the UID of ours and joins the two, so one copy stays."""
    remote = request.getfixturevalue(which)
    proxy, through = behind_proxy(remote)
    calendar = new_remote_calendar(remote)
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    assert pair.run()["run"]["ok"]
    proxy.lose_answers.append("PUT")
    put_event(login, f"{pair.local}lost.ics", event("lost-1", "Answer lost"))
    assert not pair.run()["run"]["ok"]
    again = pair.run()["run"]
    assert again["ok"] and again["pulled"]["added"] == 0, again
    assert pair.there() == pair.here() == {"lost-1": "Answer lost"}
    assert pair.run()["run"]["pushed"]["sent"] == 0
    assert len([m for m, _, _ in proxy.requests if m == "PUT"]) == 1
    proxy.stop()


def test_a_retried_push_meeting_its_own_earlier_put_keeps_one_copy(admin, login, radicale):
    """Push only (no pull between): If-None-Match meets the copy the lost PUT made; the
    412 is resolved by the policy (Radicale rewrites the body it stores, so ours is sent
    once more over its ETag); one copy stays there."""
    proxy, through = behind_proxy(radicale)
    calendar = new_remote_calendar(radicale)
    pair = make_pair(admin, login, through, remote_calendar=calendar, conflict="local_wins")
    assert pair.run()["run"]["ok"]
    proxy.lose_answers.append("PUT")
    put_event(login, f"{pair.local}twice.ics", event("twice-1", "Once only"))
    assert not pair.run()["run"]["ok"]
    outcome = run_pair(pair.id, HttpxCalDavClient(), process_owner(), pull=False, every_push=True)
    assert not outcome.error and outcome.push.conflicts == 1
    assert pair.there() == pair.here() == {"twice-1": "Once only"}
    puts = [path for method, path, _ in proxy.requests if method == "PUT"]
    assert len(set(puts)) == 1 and len(puts) == 3  # lost, refused with 412, sent with If-Match
    proxy.stop()


def test_a_truncated_sync_collection_is_asked_again_and_deletes_nothing(
    admin, login, other_davserver
):
    """The remote answers at most two members at a time (507 and a token to go on)."""
    proxy, through = behind_proxy(other_davserver, sync_limit=2)
    calendar = new_remote_calendar(other_davserver)
    wanted = {f"page-{n}": "Paged" for n in range(5)}
    for uid in wanted:
        put_event(other_davserver, f"{calendar}{uid}.ics", event(uid, "Paged"))
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    first = pair.run()["run"]
    assert first["ok"] and first["pulled"]["added"] == 5, first
    assert len(proxy.reports(b"sync-collection")) >= 3
    put_event(other_davserver, f"{calendar}page-0.ics", event("page-0", "Changed"))
    again = pair.run()["run"]["pulled"]
    assert (again["updated"], again["removed"]) == (1, 0)
    assert pair.here() == {**wanted, "page-0": "Changed"}
    proxy.stop()
