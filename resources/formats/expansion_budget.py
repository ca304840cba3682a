"""How much recurrence expansion one request may do (RFC 4791 §5.2.8 max-instances),
and how long it may take.

The protocol layer opens one budget per request (`request_budget`); the query engine
charges it from inside its expansion and matching loops (`charge_instances`,
`check_time`), wherever it runs, without passing the budget through every call. Code
that runs outside a request (the import command, tests of the engine) gets the default
budget: max-instances as the settings' default and no time limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from resources.error_codes import sentence
from resources.errors import AnswerTooLarge, RequestTimeExhausted, TooManyInstances

DEFAULT_MAX_INSTANCES = 10_000


@dataclass
class ExpansionBudget:
    """Instances one request may still expand, and the moment its time runs out."""

    max_instances: int = DEFAULT_MAX_INSTANCES
    seconds: float | None = None
    deadline: float | None = None
    expanded: int = field(default=0)

    def charge(self, count: int) -> None:
        self.expanded += count
        if self.expanded > self.max_instances:
            raise AnswerTooLarge(
                sentence("answer_too_many_instances", max=self.max_instances), self.max_instances
            )

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RequestTimeExhausted(
                sentence("expansion_time_used_up", seconds=f"{self.seconds:g}"), self.seconds or 0
            )


_CURRENT: ContextVar[ExpansionBudget | None] = ContextVar("expansion_budget", default=None)


def current_budget() -> ExpansionBudget:
    budget = _CURRENT.get()
    return budget if budget is not None else ExpansionBudget()


def max_instances() -> int:
    return current_budget().max_instances


def charge_instances(count: int) -> None:
    """Count `count` more instances written into the answer (C:expand); past
    max-instances in one answer raises TooManyInstances."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(count)


def check_object_instances(count: int) -> None:
    """One object expanded to `count` instances for one window: more than max-instances
    (only objects stored before the limit can have that many) raises TooManyInstances."""
    limit = max_instances()
    if count > limit:
        raise TooManyInstances(sentence("object_too_many_instances", max=limit), limit)
    check_time()


def check_time() -> None:
    """Raise RequestTimeExhausted when the request's time is up."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check()


@contextmanager
def request_budget(max_instances: int, seconds: float | None) -> Iterator[ExpansionBudget]:
    """A fresh budget for the code run inside (one request)."""
    deadline = None if not seconds else time.monotonic() + seconds
    budget = ExpansionBudget(max_instances, seconds, deadline)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        try:
            _CURRENT.reset(token)
        except ValueError:  # closed from another context (a generator finalised elsewhere)
            _CURRENT.set(None)
