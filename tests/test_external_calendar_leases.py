"""One runner per sync pair (issue 15 item 5): the lease on the pair's row is claimed by
a conditional UPDATE, so a second owner (another process or host on the same database)
is refused while it is held, takes it once it expired, and "sync now" answers 409 while
another process runs the pair. On SQLite and PostgreSQL, as every test."""

from __future__ import annotations

import threading
import time

from davserver.external_caldav import HttpxCalDavClient
from resources.external_calendars.sync_runs import (
    SyncBusy,
    claim,
    reap_expired_runs,
    release,
    run_pair,
)
from resources.store.database import write_transaction
from resources.store.external_calendars import ExternalSyncRun, SyncPair
from tests.caldav_remotes import (
    event,
    make_pair,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
)


def test_a_held_lease_refuses_other_owners_until_it_is_released_or_expires(admin, login, radicale):
    pair = make_pair(admin, login, radicale)
    assert claim(pair.id, "host-a:1")
    assert not claim(pair.id, "host-b:2")
    queued = admin.post(f"/external-syncs/{pair.id}/run?wait=0")
    assert queued.status_code == 202, queued.text  # queued: host-a holds the pair
    run = queued.json()["run"]
    assert run["state"] == "queued" and queued.headers["Location"].endswith(f"/runs/{run['id']}")
    again = admin.post(f"/external-syncs/{pair.id}/run")
    assert again.status_code == 409 and again.json()["run"]["id"] == run["id"]
    assert claim(pair.id, "host-a:1")  # renewing one's own lease
    release(pair.id, "host-a:1")
    followed = until_ended(admin, f"/external-syncs/{pair.id}/runs/{run['id']}")
    assert followed["state"] == "ok" and followed["trigger"] == "manual", followed
    assert followed["queued"] <= followed["started"] <= followed["finished"]
    assert claim(pair.id, "host-b:2")
    with write_transaction():  # host-b's process died during a run: its lease runs out
        dead = ExternalSyncRun.create(
            pair=pair.id, state="running", queued=1.0, started=1.0, runner="host-b:2"
        )
        SyncPair.update(lease_until=1.0).where(SyncPair.id == pair.id).execute()
    assert reap_expired_runs() >= 1
    failed = admin.get(f"/external-syncs/{pair.id}/runs/{dead.id}").json()
    assert failed["state"] == "failed" and failed["code"] == "external_run_lease_expired"
    assert claim(pair.id, "host-c:3")
    release(pair.id, "host-c:3")
    listed = admin.get(f"/external-syncs/{pair.id}/runs").json()["items"]
    assert [r["id"] for r in listed][:2] == [dead.id, run["id"]]


def until_ended(admin, path: str) -> dict:
    deadline = time.monotonic() + 30
    while (found := admin.get(path).json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    return found


def test_two_runners_at_once_push_a_change_once(admin, login, radicale):
    pair = make_pair(admin, login, radicale)
    assert pair.run()["run"]["ok"]
    for number in range(5):
        put_event(login, f"{pair.local}race{number}.ics", event(f"race-{number}", "Once"))
    outcomes, refused = [], []

    def runner(owner: str) -> None:
        try:
            outcomes.append(run_pair(pair.id, HttpxCalDavClient(), owner, pull=False))
        except SyncBusy:
            refused.append(owner)

    threads = [threading.Thread(target=runner, args=(f"runner-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = sum(outcome.push.sent for outcome in outcomes)
    assert sent == 5 and len(outcomes) + len(refused) == 2
    assert pair.there() == {f"race-{n}": "Once" for n in range(5)}
