"""Background jobs that run once across every server process and host on one database
(DESIGN §3, §6): a job row says when the job is next due and who holds it now.

A process takes a due job with one conditional UPDATE (due, and not held by a live
lease), so of all the processes that look at once exactly one gets it; the others see
nothing to do until the next due time. The holder finishes by moving the due time on.
A holder that dies (kill -9, a lost host) leaves its lease to run out, and then the
next process that looks takes the job over. Times come from the database's clock, so
hosts whose clocks disagree still agree on who holds a lease.
"""

from __future__ import annotations

import peewee

from resources.store.database import write_transaction
from resources.store.database_clock import database_now
from resources.store.models_base import BaseModel


class JobLease(BaseModel):
    """One background job (history pruning, say): when it is due and who holds it."""

    name = peewee.CharField(max_length=100, unique=True)
    next_due = peewee.DoubleField(default=0.0)
    holder = peewee.CharField(max_length=200, default="")
    lease_until = peewee.DoubleField(default=0.0)
    claims = peewee.IntegerField(default=0)  # how often it was taken, for operators and tests


def create_job_lease_table(db: peewee.Database) -> None:
    db.create_tables([JobLease], safe=True)


def _ensure(name: str) -> None:
    if JobLease.get_or_none(JobLease.name == name) is None:
        try:
            with write_transaction():
                JobLease.create(name=name)
        except peewee.IntegrityError:
            pass  # another process made the row at the same moment


def claim_job(name: str, holder: str, lease_seconds: float) -> bool:
    """Take the job if it is due and nobody holds a live lease on it; True if taken."""
    _ensure(name)
    now = database_now()
    with write_transaction():
        taken = (
            JobLease.update(
                holder=holder, lease_until=now + lease_seconds, claims=JobLease.claims + 1
            )
            .where(
                (JobLease.name == name) & (JobLease.next_due <= now) & (JobLease.lease_until < now)
            )
            .execute()
        )
    return bool(taken)


def finish_job(name: str, holder: str, interval_seconds: float) -> bool:
    """Release the job and make it due again in `interval_seconds`; False when the lease
    was lost meanwhile (it ran out and another process took the job)."""
    now = database_now()
    with write_transaction():
        done = (
            JobLease.update(holder="", lease_until=0.0, next_due=now + interval_seconds)
            .where((JobLease.name == name) & (JobLease.holder == holder))
            .execute()
        )
    return bool(done)


def job_state(name: str) -> JobLease | None:
    found: JobLease | None = JobLease.get_or_none(JobLease.name == name)
    return found
