"""Running a pair's sync, one process at a time: the pair row's lease is claimed by a
conditional UPDATE (free, expired, or already ours), so several processes and hosts on
one database never pull or push one pair at once; the holder renews it from a thread
of its own while it works, so a slow remote never makes a living run look dead (a
killed host's lease runs out after LEASE_SECONDS); and which pairs are due (the pull
interval passed, or outbox rows waiting)."""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from resources.errors import AlreadyExists
from resources.external_calendars.pull import PullFailed, PullResult, pull_pair
from resources.external_calendars.push import PushResult, push_pair
from resources.external_calendars.remote import CalDavClient
from resources.store.database import database_proxy, write_transaction
from resources.store.database_clock import database_now
from resources.store.external_calendars import OutboxEntry, SyncPair

log = logging.getLogger("davserver.external_sync")

LEASE_SECONDS = 300.0


class SyncBusy(AlreadyExists):
    def __init__(self) -> None:
        super().__init__(code="external_sync_busy")


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


@dataclass
class SyncOutcome:
    pull: PullResult | None
    push: PushResult
    error: str = ""


class LeaseKeeper:
    """Renews the pair's lease every quarter of it while the sync works."""

    def __init__(self, pair_id: int, owner: str, seconds: float) -> None:
        self._pair_id, self._owner, self._seconds = pair_id, owner, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"pair-{pair_id}", daemon=True)

    def _renew(self) -> None:
        try:
            while not self._stop.wait(self._seconds / 4):
                try:
                    if not claim(self._pair_id, self._owner, self._seconds):
                        log.warning("sync pair %s: another process took its lease", self._pair_id)
                        return
                except Exception:  # a database outage: the next round tries again
                    log.warning("could not renew the lease of sync pair %s", self._pair_id)
        finally:
            database_proxy.obj.close()  # this thread's connection, not the pool's

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def run_pair(
    pair_id: int,
    client: CalDavClient,
    owner: str,
    *,
    pull: bool = True,
    every_push: bool = False,
    lease_seconds: float = LEASE_SECONDS,
) -> SyncOutcome:
    """Pull (when asked), then push; `every_push` also sends rows still waiting out their
    retry pause (a "sync now"). SyncBusy when another process holds the pair."""
    if not claim(pair_id, owner, lease_seconds):
        raise SyncBusy()
    try:
        with LeaseKeeper(pair_id, owner, lease_seconds):
            return _sync(pair_id, client, pull=pull, every_push=every_push)
    finally:
        release(pair_id, owner)


def _sync(pair_id: int, client: CalDavClient, *, pull: bool, every_push: bool) -> SyncOutcome:
    """One pull (when asked) and one push, under the lease the caller holds."""
    pair = SyncPair.get_by_id(pair_id)
    pulled, error = None, ""
    if pull:
        try:
            pulled = pull_pair(pair, client)
        except PullFailed as failed:
            error = failed.message
            with write_transaction():
                SyncPair.update(
                    last_error=error[:2000], next_pull=time.time() + pair.interval_minutes * 60
                ).where(SyncPair.id == pair_id).execute()
    pushed = push_pair(SyncPair.get_by_id(pair_id), client, now=math.inf if every_push else None)
    return SyncOutcome(pulled, pushed, error or pushed.deferred)


def due_pairs(now: float | None = None) -> list[tuple[int, bool]]:
    """(pair id, whether its pull is due) of every pair with a pull or a push due."""
    now = time.time() if now is None else now
    pulls = {p.id for p in SyncPair.select(SyncPair.id).where(SyncPair.next_pull <= now)}
    pushes = {
        p.id
        for p in SyncPair.select(SyncPair.id)
        .join(OutboxEntry, on=(OutboxEntry.collection_id == SyncPair.collection))
        .where(OutboxEntry.next_attempt <= now)
        .distinct()
    }
    return [(pair_id, pair_id in pulls) for pair_id in sorted(pulls | pushes)]


def run_due(client: CalDavClient, owner: str) -> int:
    """One round of the worker: every due pair not held elsewhere; how many ran."""
    ran = 0
    for pair_id, pull in due_pairs():
        try:
            run_pair(pair_id, client, owner, pull=pull)
            ran += 1
        except SyncBusy:
            continue
    return ran
