"""The push outbox of external calendar sync (issue 15 item 4): a change to a paired
calendar, from a phone's PUT/DELETE or from an .ics import, writes its outbox row with
the change; a calendar without a pair gets none; the background loop of a serving
process (davserver/external_sync_loop.py) sends a local change within seconds without
anyone asking; only administrators reach the API."""

from __future__ import annotations

import time

from davserver.external_sync_loop import ExternalSyncLoop
from resources.store.external_calendars import OutboxEntry, SyncPair
from tests.api_helpers import api_as
from tests.caldav_remotes import (
    event,
    local_calendar,
    make_pair,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    summaries,
)


def outbox(pair_id: int) -> list[str]:
    collection = SyncPair.get_by_id(pair_id).collection_id
    return [e.name for e in OutboxEntry.select().where(OutboxEntry.collection_id == collection)]


def test_phone_writes_and_imports_queue_pushes_and_unpaired_calendars_none(admin, login, radicale):
    pair = make_pair(admin, login, radicale)
    assert pair.run()["run"]["ok"] and outbox(pair.id) == []
    put_event(login, f"{pair.local}p.ics", event("box-1", "From a phone"))
    assert outbox(pair.id) == ["p.ics"]
    assert login.request("DELETE", f"{pair.local}p.ics").status_code == 204
    assert outbox(pair.id) == ["p.ics", "p.ics"]
    imported = admin.http.post(
        admin.url("/import"),
        params={"target": pair.local},
        data=event("box-2", "Imported").encode(),
        headers={"Content-Type": "text/calendar"},
        timeout=60,
    )
    assert imported.status_code == 200 and imported.json()["imported"] == 1, imported.text
    assert len(outbox(pair.id)) == 3
    before = OutboxEntry.select().count()
    unpaired = local_calendar(login)
    put_event(login, f"{unpaired}u.ics", event("box-3", "Not paired"))
    assert OutboxEntry.select().count() == before
    run = pair.run()["run"]
    assert run["ok"] and outbox(pair.id) == []
    assert pair.there() == {"box-2": "Imported"}


def test_the_background_loop_pushes_a_local_change_within_seconds(admin, login, radicale):
    pair = make_pair(admin, login, radicale, interval_minutes=60)
    assert pair.run()["run"]["ok"]
    loop = ExternalSyncLoop(poll_seconds=0.2).start()
    try:
        put_event(login, f"{pair.local}soon.ics", event("soon-1", "Pushed by the loop"))
        deadline = time.monotonic() + 10
        while summaries(radicale, pair.remote_calendar) != {"soon-1": "Pushed by the loop"}:
            assert time.monotonic() < deadline, "the change did not reach the remote"
            time.sleep(0.2)
    finally:
        loop.stop()


def test_only_administrators_use_the_external_calendar_api(server):
    user = api_as(server, "user")
    body = {"url": "http://127.0.0.1:1/", "username": "a", "password": "b"}
    assert user.post("/external-accounts", body).status_code == 403
    assert user.get("/external-syncs/1").status_code == 403
