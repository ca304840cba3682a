"""The run queue that server processes share: real processes on one database race to
queue and claim runs, and one of them is killed with SIGKILL in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.server_harness import FreshDatabase

PRELUDE = """
import json, sys, time
import davserver.app  # registers the upgrade steps
from resources.store.database import bind, open_database, write_transaction
from resources.store import schema
from resources.store.connectors import Connection, ConnectorRun
from resources.connectors import run_queue
db = open_database({url!r})
bind(db)
"""


def script(url: str, body: str) -> list[str]:
    program = textwrap.dedent(PRELUDE.format(url=url)) + textwrap.dedent(body)
    return [sys.executable, "-c", program]


def run(url: str, body: str) -> str:
    done = subprocess.run(script(url, body), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def together(url: str, body: str, processes: int = 2) -> list[str]:
    """Start `processes` copies of `body`, released at one moment; their outputs."""
    start = time.time() + 2.0
    released = f"time.sleep(max(0, {start} - time.time()))\n" + textwrap.dedent(body)
    running = [
        subprocess.Popen(
            script(url, released), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    outputs = []
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(str(tmp_path))
    run(fresh.url, "schema.upgrade()")
    yield fresh.url
    fresh.drop()


def make_connections(url: str, count: int, interval: int = 0) -> None:
    run(
        url,
        f"""
        now = time.time()
        with write_transaction():
            for number in range({count}):
                Connection.create(name=f"source {{number}}", type="csv-url", target="phonebook",
                                  interval_minutes={interval}, next_due=now - 1 if {interval} else None,
                                  created=now, modified=now)
        """,
    )


def test_pressing_play_in_two_processes_queues_one_run(database):
    make_connections(database, 1)
    outputs = together(
        database,
        """
        ids = set()
        for _ in range(25):
            queued, _new = run_queue.queue_run(1)
            ids.add(queued.id)
        print(json.dumps(sorted(ids)))
        """,
    )
    seen = {tuple(json.loads(out)) for out in outputs}
    assert seen == {(1,)}
    assert run(database, "print(ConnectorRun.select().count())").strip() == "1"


def test_every_queued_run_is_claimed_by_exactly_one_process(database):
    make_connections(database, 30)
    run(database, "for number in range(1, 31): run_queue.queue_run(number)")
    outputs = together(
        database,
        """
        owner = run_queue.process_owner()
        claimed = []
        while (taken := run_queue.claim_next_run(owner)) is not None:
            claimed.append(taken.id)
        print(json.dumps(claimed))
        """,
        processes=3,
    )
    claims = [run_id for out in outputs for run_id in json.loads(out)]
    assert sorted(claims) == list(range(1, 31))


def test_a_due_interval_queues_exactly_one_run_whichever_processes_look(database):
    make_connections(database, 12, interval=5)
    outputs = together(
        database,
        "print(len(run_queue.queue_due_runs()) + len(run_queue.queue_due_runs()))",
        processes=3,
    )
    assert sum(int(out) for out in outputs) == 12
    counts = run(
        database,
        "print(json.dumps([ConnectorRun.select().count(), "
        "Connection.select().where(Connection.next_due > time.time() + 200).count()]))",
    )
    assert json.loads(counts) == [12, 12]


def test_a_run_whose_process_is_killed_is_failed_after_its_lease_and_applies_nothing(database):
    make_connections(database, 1)
    run(database, "run_queue.queue_run(1)")
    worker = subprocess.Popen(
        script(
            database,
            """
            owner = run_queue.process_owner()
            taken = run_queue.claim_next_run(owner, lease_seconds=30)
            print(owner, flush=True)
            time.sleep(600)  # a run that is still fetching when the process is killed
            """,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    owner = worker.stdout.readline().strip()
    assert owner
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert run(database, "print(run_queue.reap_expired_runs())").strip() == "0"  # lease still on
    # the lease runs out 30 s after the claim: look as a process would a minute later
    assert run(database, "print(run_queue.reap_expired_runs(time.time() + 60))").strip() == "1"
    outcome = json.loads(
        run(
            database,
            """
            reaped = ConnectorRun.get_by_id(1)
            again, new = run_queue.queue_run(1)
            print(json.dumps([reaped.state, reaped.message, again.id, new]))
            """,
        )
    )
    assert outcome[0] == "failed"
    assert "stopped before it ended" in outcome[1]
    assert outcome[2:] == [2, True]
    late = run(
        database,
        f"""
        with_change = None
        try:
            with write_transaction():
                Connection.update(description="applied by a dead run").execute()
                run_queue.finish_run(1, {owner!r}, "ok")
        except run_queue.LeaseLost:
            print("lost")
        print(Connection.get_by_id(1).description == "")
        """,
    )
    assert late.split() == ["lost", "True"]


def test_renewing_keeps_the_run_and_the_finish_is_recorded(database):
    make_connections(database, 1)
    result = run(
        database,
        """
        run_queue.queue_run(1)
        owner = run_queue.process_owner()
        taken = run_queue.claim_next_run(owner, lease_seconds=1)
        renewed = run_queue.renew_lease(taken.id, owner, lease_seconds=30)
        time.sleep(1.2)
        reaped = run_queue.reap_expired_runs()
        foreign = run_queue.renew_lease(taken.id, "someone else")
        with write_transaction():
            run_queue.finish_run(taken.id, owner, "ok", run_queue.RunCounts(added=3, skipped=1),
                                 [{"line": 4, "message": "no phone number"}])
        done = ConnectorRun.get_by_id(taken.id)
        print(json.dumps([renewed, reaped, foreign, done.state, done.added, done.skipped,
                          json.loads(done.errors), done.finished >= done.started]))
        """,
    )
    assert json.loads(result) == [
        True,
        0,
        False,
        "ok",
        3,
        1,
        [{"line": 4, "message": "no phone number"}],
        True,
    ]
