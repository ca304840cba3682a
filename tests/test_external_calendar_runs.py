"""Runs of external calendar sync (issue 15 items 5 and 6): "sync now" on a remote that
takes its time answers 202 with the run and where to follow it, and the run goes on to
end ok; a pull that fails is a failed run with its reason as a catalogue sentence, in
the pair's state too, and changes nothing; the pair's state names its last run."""

from __future__ import annotations

import threading
import time

from resources.store.external_calendars import SyncPair
from tests.caldav_remotes import (
    event,
    make_pair,
    new_remote_calendar,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
)
from tests.carddav_sources import DavProxy, DavServer


def behind_proxy(remote: DavServer) -> tuple[DavProxy, DavServer]:
    proxy = DavProxy(remote.base_url).start()
    return proxy, DavServer(proxy.base_url, remote.username, remote.password)


def until_ended(admin, path: str) -> dict:
    deadline = time.monotonic() + 30
    while (found := admin.get(path).json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    return found


def test_a_long_sync_now_answers_202_with_the_run_to_follow(admin, login, radicale):
    proxy, through = behind_proxy(radicale)
    calendar = new_remote_calendar(radicale)
    put_event(radicale, f"{calendar}slow.ics", event("slow-1", "Slow remote"))
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    proxy.hold = threading.Event()  # the remote now keeps every request waiting
    try:
        answer = admin.post(f"/external-syncs/{pair.id}/run?wait=0.2")
        assert answer.status_code == 202, answer.text
        run = answer.json()["run"]
        assert run["state"] in ("queued", "running") and not run["ok"]
        follow = answer.headers["Location"]
        assert follow.endswith(f"/api/v1/external-syncs/{pair.id}/runs/{run['id']}")
        shown = admin.get(f"/external-syncs/{pair.id}").json()["state"]["last_run"]
        assert shown["id"] == run["id"] and shown["state"] in ("queued", "running")
        busy = admin.post(f"/external-syncs/{pair.id}/run")
        assert busy.status_code == 409 and busy.json()["code"] == "external_sync_run_active"
    finally:
        proxy.hold.set()
    ended = until_ended(admin, follow.split("/api/v1", 1)[1])
    assert ended["state"] == "ok" and ended["pulled"]["added"] == 1, ended
    assert pair.here() == {"slow-1": "Slow remote"}
    assert admin.post(f"/external-syncs/{pair.id}/run?wait=31").status_code == 422
    assert admin.post(f"/external-syncs/{pair.id}/run?wait=soon").status_code == 422
    proxy.stop()


def test_a_failed_pull_is_a_failed_run_in_words_and_changes_nothing(admin, login, radicale):
    proxy, through = behind_proxy(radicale)
    calendar = new_remote_calendar(radicale)
    put_event(radicale, f"{calendar}kept.ics", event("kept-1", "Before"))
    pair = make_pair(admin, login, through, remote_calendar=calendar)
    assert pair.run()["run"]["state"] == "ok"
    before = SyncPair.get_by_id(pair.id)
    proxy.stop()
    put_event(radicale, f"{calendar}kept.ics", event("kept-1", "Changed while away"))
    failed = pair.run()
    run = failed["run"]
    assert run["state"] == "failed" and run["code"] == "source_unreachable", run
    assert run["message"] and run["message"] == failed["state"]["last_error"]
    assert failed["state"]["last_run"]["id"] == run["id"]
    after = SyncPair.get_by_id(pair.id)
    assert (after.sync_token, after.ctag, after.last_pull) == (
        before.sync_token,
        before.ctag,
        before.last_pull,
    )
    assert pair.here() == {"kept-1": "Before"}
    runs = admin.get(f"/external-syncs/{pair.id}/runs").json()["items"]
    assert [r["state"] for r in runs] == ["failed", "ok"]
    assert admin.get(f"/external-syncs/{pair.id}/runs/999999").status_code == 404


def test_the_loop_records_an_interval_pull_as_a_run(admin, login, radicale):
    from davserver.external_caldav import HttpxCalDavClient
    from resources.external_calendars.sync_runs import process_owner, run_due
    from resources.store.database import write_transaction

    calendar = new_remote_calendar(radicale)
    put_event(radicale, f"{calendar}due.ics", event("due-1", "Due"))
    pair = make_pair(admin, login, radicale, remote_calendar=calendar)
    with write_transaction():  # its interval has passed
        SyncPair.update(next_pull=1.0).where(SyncPair.id == pair.id).execute()
    assert run_due(HttpxCalDavClient(), process_owner()) >= 1
    run = admin.get(f"/external-syncs/{pair.id}").json()["state"]["last_run"]
    assert (run["state"], run["trigger"], run["pulled"]["added"]) == ("ok", "interval", 1)
    assert pair.here() == {"due-1": "Due"}
