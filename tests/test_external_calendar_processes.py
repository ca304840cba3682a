"""Two `davserver serve` processes on the test server's database (SQLite file or
PostgreSQL) push a paired calendar's changes from their background loops: every change
reaches the remote, each exactly once, although both processes look for due pairs
(issue 15 items 4, 5 and 7: the pair's lease lets one process at a time work on it).
The remote is down at first: a serving process's loop tries, note a growing pause on each outbox row,
and are stopped (a server restart); two new processes send the changes once the remote
is back, after the pause, and nothing is lost or doubled."""

from __future__ import annotations

import time

from resources.store.external_calendars import OutboxEntry, SyncPair
from tests.caldav_remotes import (
    event,
    make_pair,
    new_remote_calendar,
    put_event,
    radicale_fixture,  # noqa: F401 - a fixture
    summaries,
)
from tests.carddav_sources import DavProxy, DavServer
from tests.server_harness import start_server_process


def test_two_processes_push_every_change_once(admin, login, radicale, server, tmp_path):
    proxy = DavProxy(radicale.base_url).start()
    through = DavServer(proxy.base_url, radicale.username, radicale.password)
    calendar = new_remote_calendar(radicale)
    pair = make_pair(admin, login, through, remote_calendar=calendar, interval_minutes=60)
    assert pair.run()["run"]["ok"]
    proxy.requests.clear()
    proxy.stop()
    wanted = {}
    for number in range(8):
        put_event(login, f"{pair.local}p{number}.ics", event(f"proc-{number}", "Once"))
        wanted[f"proc-{number}"] = "Once"
    collection = SyncPair.get_by_id(pair.id).collection_id

    def waiting() -> list[OutboxEntry]:  # read anew each time (a peewee query keeps its rows)
        return list(OutboxEntry.select().where(OutboxEntry.collection_id == collection))

    first = start_server_process(server.database_url, tmp_path)
    try:
        deadline = time.monotonic() + 30
        rows = waiting()
        while not all(row.attempts >= 1 for row in rows):  # the loop met the outage
            assert time.monotonic() < deadline, [(r.name, r.attempts) for r in rows]
            time.sleep(0.2)
            rows = waiting()
        assert len(rows) == 8 and all(r.next_attempt > r.queued + 4 for r in rows)
        assert SyncPair.get_by_id(pair.id).last_error  # why the changes wait, in words
    finally:
        first.stop()
    proxy.start()  # the remote is back on its address; the servers start again
    processes = [start_server_process(server.database_url, tmp_path) for _ in range(2)]
    try:
        deadline = time.monotonic() + 40
        while summaries(radicale, calendar) != wanted:
            assert time.monotonic() < deadline, summaries(radicale, calendar)
            time.sleep(0.3)
        time.sleep(3)  # a process that would push again has had its rounds
    finally:
        for process in processes:
            process.stop()
        proxy.stop()
    puts = [path for method, path, _ in proxy.requests if method == "PUT"]
    assert len(puts) == 8 and len(set(puts)) == 8, puts
    assert waiting() == []
