"""What went wrong in a pair's last pull or push, kept on the pair's row in words: the
English (`last_error`, for the API and the log) and the catalogue sentences as JSON
(`last_failure`, translated by the admin UI); and the lease a runner holds while it
works on a pair, renewed as it goes, whose loss stops the work before it writes."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from resources.error_codes import Sentence, sentence, sentence_from_json
from resources.external_calendars.remote import SyncProblem
from resources.store.database import write_transaction
from resources.store.database_clock import database_now
from resources.store.external_calendars import SyncPair

LEASE_SECONDS = 300.0
RENEW_AFTER_SECONDS = LEASE_SECONDS / 5


class LeaseLost(SyncProblem):
    """The pair's lease is no longer this runner's (it ran out and another took it):
    nothing more may be written."""

    def __init__(self) -> None:
        super().__init__(sentence("external_run_lease_expired"))


def problem_columns(problems: Sequence[Sentence]) -> dict[str, Any]:
    """The pair's columns that say what went wrong (nothing: both empty)."""
    return {
        "last_error": "; ".join(problem.english for problem in problems)[:2000],
        "last_failure": json.dumps([problem.as_json() for problem in problems])
        if problems
        else None,
    }


def stored_sentences(text: str | None) -> list[Sentence]:
    """The sentences a JSON list holds (a pair's `last_failure`, a run's `problems`);
    empty for none, and for a pair row from before schema step 20 (English only)."""
    try:
        stored = json.loads(text) if text else []
    except ValueError:
        return []
    found = [sentence_from_json(item) for item in stored] if isinstance(stored, list) else []
    return [item for item in found if item is not None]


class Lease:
    """The pair's lease as one runner holds it: `keep()` renews it every little while
    (each request to the remote calls it) and raises LeaseLost once it is gone."""

    def __init__(self, pair_id: int, owner: str, seconds: float = LEASE_SECONDS) -> None:
        self.pair_id, self.owner, self.seconds = pair_id, owner, seconds
        self.renewed = time.monotonic()

    def keep(self) -> None:
        if time.monotonic() - self.renewed < min(RENEW_AFTER_SECONDS, self.seconds / 5):
            return
        with write_transaction():
            renewed = (
                SyncPair.update(lease_until=database_now() + self.seconds)
                .where((SyncPair.id == self.pair_id) & (SyncPair.lease_owner == self.owner))
                .execute()
            )
        if not renewed:
            raise LeaseLost()
        self.renewed = time.monotonic()

    def held(self) -> Any:
        """The condition a write of the pair's row adds so that it fails once the lease is lost."""
        return (SyncPair.id == self.pair_id) & (SyncPair.lease_owner == self.owner)
