"""Running a pair's sync, one runner at a time, with pulls recorded as runs (DESIGN §6).

The concepts are the connector framework's (resources/connectors/run_queue.py), kept in
this package since the two never import each other:
- one runner per pair across processes and hosts: the pair row's lease is claimed by a
  conditional UPDATE (free, expired, or already ours) and renewed while the runner works
  (pair_problems.Lease); a runner that lost it writes nothing more;
- a pull is a run row, queued (by "sync now", or by the interval) and then running, ok
  or failed, with its counts: a partial unique index lets a pair have one run queued or
  running at a time, whoever queues it;
- a running run whose runner's lease ran out (its process died) is marked failed by
  whichever process notices, as is one the next runner of its pair finds still running.
Push rounds between pulls (a local change, every few seconds) are not runs: the pair's
`last_push`, outbox and problems tell how they went.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import peewee

from resources.auth import audit
from resources.error_codes import Sentence, sentence
from resources.errors import AlreadyExists
from resources.external_calendars.pair_problems import (
    LEASE_SECONDS,
    Lease,
    LeaseLost,
    problem_columns,
    stored_sentences,
)
from resources.external_calendars.pull import PullFailed, PullResult, pull_pair
from resources.external_calendars.push import PushResult, push_pair
from resources.external_calendars.remote import CalDavClient
from resources.store.database import write_transaction
from resources.store.database_clock import database_now
from resources.store.external_calendars import ExternalSyncRun, OutboxEntry, SyncPair

QUEUED, RUNNING, OK, FAILED = "queued", "running", "ok", "failed"
MANUAL, INTERVAL = "manual", "interval"
EXPIRED = sentence("external_run_lease_expired")
RUNS_KEPT = 200


class SyncBusy(AlreadyExists):
    """Another runner holds the pair's lease."""

    def __init__(self) -> None:
        super().__init__(code="external_sync_busy")


class RunActive(AlreadyExists):
    """A run of the pair is queued or running already; `run` is that one."""

    def __init__(self, run: ExternalSyncRun) -> None:
        super().__init__(code="external_sync_run_active")
        self.run = run


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(pair_id: int, owner: str, seconds: float = LEASE_SECONDS) -> bool:
    now = database_now()  # every host's lease by one clock
    with write_transaction():
        claimed = (
            SyncPair.update(lease_owner=owner, lease_until=now + seconds)
            .where(
                (SyncPair.id == pair_id)
                & ((SyncPair.lease_until < now) | (SyncPair.lease_owner == owner))
            )
            .execute()
        )
    return bool(claimed)


def release(pair_id: int, owner: str) -> None:
    with write_transaction():
        SyncPair.update(lease_owner="", lease_until=0.0).where(
            (SyncPair.id == pair_id) & (SyncPair.lease_owner == owner)
        ).execute()


def active_run(pair_id: int) -> ExternalSyncRun | None:
    found: ExternalSyncRun | None = (
        ExternalSyncRun.select()
        .where((ExternalSyncRun.pair == pair_id) & ExternalSyncRun.state.in_((QUEUED, RUNNING)))
        .first()
    )
    return found


def queue_run(pair_id: int, *, actor: str, trigger: str = MANUAL) -> ExternalSyncRun:
    """A new queued run of the pair ("sync now", audited); RunActive with the one already
    queued or running."""
    try:
        with write_transaction():
            run: ExternalSyncRun = ExternalSyncRun.create(
                pair=pair_id, state=QUEUED, trigger=trigger, queued=time.time()
            )
            audit.record(actor, "external_sync.run", f"external-sync:{pair_id}", f"run {run.id}")
        return run
    except peewee.IntegrityError:
        existing = active_run(pair_id)
        if existing is None:  # it ended between the INSERT and this read: queue anew
            return queue_run(pair_id, actor=actor, trigger=trigger)
        raise RunActive(existing) from None


def _start_run(
    pair_id: int, owner: str, trigger: str, queued_run: int | None = None
) -> ExternalSyncRun | None:
    """The pair's run this runner (holding the lease) starts: the queued one (None when
    `queued_run` is given and no longer queued: another runner took it), or a new one;
    a run still marked running is a dead runner's and is failed first."""
    now = time.time()
    with write_transaction():
        _fail((ExternalSyncRun.pair == pair_id) & (ExternalSyncRun.state == RUNNING), now)
        wanted = (ExternalSyncRun.pair == pair_id) & (ExternalSyncRun.state == QUEUED)
        if queued_run is not None:
            wanted &= ExternalSyncRun.id == queued_run
        started = (
            ExternalSyncRun.update(state=RUNNING, started=now, runner=owner).where(wanted).execute()
        )
        if not started and queued_run is not None:
            return None
        if not started:
            ExternalSyncRun.create(
                pair=pair_id, state=RUNNING, trigger=trigger, queued=now, started=now, runner=owner
            )
    run: ExternalSyncRun = ExternalSyncRun.get(
        (ExternalSyncRun.pair == pair_id) & (ExternalSyncRun.state == RUNNING)
    )
    return run


def _fail(runs: peewee.Expression, now: float) -> int:
    """Mark the runs the condition selects failed: their runner is gone."""
    return int(
        ExternalSyncRun.update(
            state=FAILED,
            finished=now,
            message=EXPIRED.english,
            failure=json.dumps(EXPIRED.as_json()),
        )
        .where(runs)
        .execute()
    )


@dataclass
class SyncOutcome:
    pull: PullResult | None
    push: PushResult
    failure: Sentence | None = None  # why the pull failed or the push waits
    run: ExternalSyncRun | None = None
    problems: list[Sentence] = field(default_factory=list)

    @property
    def error(self) -> str:
        return self.failure.english if self.failure is not None else ""


def _finish(run: ExternalSyncRun, outcome: SyncOutcome) -> ExternalSyncRun:
    pulled, pushed = outcome.pull or PullResult(), outcome.push
    with write_transaction():
        ExternalSyncRun.update(
            state=FAILED if outcome.failure is not None else OK,
            finished=time.time(),
            added=pulled.added,
            updated=pulled.updated,
            removed=pulled.removed,
            kept_local=pulled.kept_local,
            skipped=len(pulled.skipped),
            sent=pushed.sent,
            deleted=pushed.deleted,
            conflicts=pushed.conflicts,
            refused=pushed.refused,
            requests=pulled.requests,
            problems=json.dumps([p.as_json() for p in outcome.problems]),
            message=outcome.error,
            failure=json.dumps(outcome.failure.as_json()) if outcome.failure else None,
        ).where((ExternalSyncRun.id == run.id) & (ExternalSyncRun.state == RUNNING)).execute()
        _prune(run.pair_id)
    finished: ExternalSyncRun = ExternalSyncRun.get_by_id(run.id)
    return finished


def _prune(pair_id: int) -> None:
    """Keep the newest RUNS_KEPT runs of a pair (an interval of 5 minutes makes 288 a day)."""
    oldest_kept = (
        ExternalSyncRun.select(ExternalSyncRun.id)
        .where(ExternalSyncRun.pair == pair_id)
        .order_by(ExternalSyncRun.id.desc())
        .offset(RUNS_KEPT - 1)
        .limit(1)
        .scalar()
    )
    if oldest_kept is not None:
        ExternalSyncRun.delete().where(
            (ExternalSyncRun.pair == pair_id) & (ExternalSyncRun.id < oldest_kept)
        ).execute()


def _note_problems(pair_id: int, outcome: SyncOutcome, pulled: bool) -> None:
    """A round with a pull says what went wrong in it (or that nothing did); a push-only
    round only adds problems, or clears old ones once it got something through."""
    push = outcome.push
    if not pulled and not outcome.problems and not (push.sent or push.deleted):
        return
    with write_transaction():
        SyncPair.update(**problem_columns(outcome.problems)).where(SyncPair.id == pair_id).execute()


def run_pair(
    pair_id: int,
    client: CalDavClient,
    owner: str,
    *,
    pull: bool = True,
    every_push: bool = False,
    trigger: str = MANUAL,
) -> SyncOutcome:
    """Pull (when asked: a run, the queued one if any), then push; `every_push` also sends
    rows still waiting out their retry pause. SyncBusy when another runner holds the pair."""
    outcome = _run(pair_id, client, owner, pull, every_push, trigger)
    assert outcome is not None  # only a given queued run can be missing
    return outcome


def run_queued(pair_id: int, run_id: int, client: CalDavClient, owner: str) -> SyncOutcome | None:
    """The queued run `run_id` ("sync now": every waiting push too); None when another
    runner took it meanwhile, SyncBusy while another runner holds the pair."""
    return _run(pair_id, client, owner, True, True, MANUAL, run_id)


def _run(
    pair_id: int,
    client: CalDavClient,
    owner: str,
    pull: bool,
    every_push: bool,
    trigger: str,
    queued_run: int | None = None,
) -> SyncOutcome | None:
    if not claim(pair_id, owner):
        raise SyncBusy()
    lease = Lease(pair_id, owner)
    try:
        run = _start_run(pair_id, owner, trigger, queued_run) if pull else None
        if pull and run is None:
            return None
        outcome = SyncOutcome(None, PushResult(), run=run)
        try:
            if pull:
                outcome.pull = _pull(pair_id, client, lease, outcome)
            outcome.push = push_pair(
                SyncPair.get_by_id(pair_id),
                client,
                now=math.inf if every_push else None,
                lease=lease,
            )
        except LeaseLost as lost:
            outcome.failure = lost.sentence
        else:
            outcome.failure = outcome.failure or outcome.push.deferred
            outcome.problems += outcome.push.problems
            _note_problems(pair_id, outcome, pull)
        if run is not None:
            outcome.run = _finish(run, outcome)
        return outcome
    finally:
        release(pair_id, owner)


def _pull(
    pair_id: int, client: CalDavClient, lease: Lease, outcome: SyncOutcome
) -> PullResult | None:
    pair = SyncPair.get_by_id(pair_id)
    try:
        pulled = pull_pair(pair, client, lease)
    except PullFailed as failed:
        outcome.failure = failed.sentence
        outcome.problems.append(failed.sentence)
        with write_transaction():
            SyncPair.update(next_pull=time.time() + pair.interval_minutes * 60).where(
                lease.held()
            ).execute()
        return None
    outcome.problems += pulled.skipped
    return pulled


def reap_expired_runs(now: float | None = None) -> int:
    """Mark failed every running run whose pair's lease ran out; the number marked."""
    now = database_now() if now is None else now  # the clock the leases were given by
    expired = SyncPair.select(SyncPair.id).where(SyncPair.lease_until < now)
    with write_transaction():
        return _fail((ExternalSyncRun.state == RUNNING) & ExternalSyncRun.pair.in_(expired), now)


def due_pairs(now: float | None = None) -> list[tuple[int, bool]]:
    """(pair id, whether a pull is due) of every pair with a pull, a queued run or a
    push due."""
    now = time.time() if now is None else now
    pulls = {p.id for p in SyncPair.select(SyncPair.id).where(SyncPair.next_pull <= now)}
    pulls |= {
        r.pair_id
        for r in ExternalSyncRun.select(ExternalSyncRun.pair).where(ExternalSyncRun.state == QUEUED)
    }
    pushes = {
        p.id
        for p in SyncPair.select(SyncPair.id)
        .join(OutboxEntry, on=(OutboxEntry.collection_id == SyncPair.collection))
        .where(OutboxEntry.next_attempt <= now)
        .distinct()
    }
    return [(pair_id, pair_id in pulls) for pair_id in sorted(pulls | pushes)]


def run_due(client: CalDavClient, owner: str) -> int:
    """One round of the worker: fail the runs of dead runners, then every due pair not
    held elsewhere; how many ran."""
    reap_expired_runs()
    ran = 0
    for pair_id, pull in due_pairs():
        try:
            run_pair(pair_id, client, owner, pull=pull, trigger=INTERVAL)
            ran += 1
        except SyncBusy:
            continue
    return ran


def run_view(run: ExternalSyncRun) -> dict[str, Any]:
    """A run as the API shows it: state, times, the pull's and the push's counts, and why
    it failed (`message` in English, `code` its catalogue code)."""
    failure = json.loads(run.failure) if run.failure else None
    return {
        "id": run.id,
        "sync": run.pair_id,
        "state": run.state,
        "trigger": run.trigger,
        "queued": run.queued,
        "started": run.started,
        "finished": run.finished,
        "pulled": {
            "added": run.added,
            "updated": run.updated,
            "removed": run.removed,
            "kept_local": run.kept_local,
            "skipped": run.skipped,
            "requests": run.requests,
        },
        "pushed": {
            "sent": run.sent,
            "deleted": run.deleted,
            "conflicts": run.conflicts,
            "refused": run.refused,
        },
        "problems": [p.english for p in stored_sentences(run.problems)],
        "message": run.message,
        "code": failure["code"] if isinstance(failure, dict) else None,
    }
