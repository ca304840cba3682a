"""Where groups of accounts are used: the features that name groups (a connection's
scope, who may book a resource) register how to find their uses here, so the group
screens can list every use of a group, and say so while a group is used nowhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

CONNECTOR_SCOPE = "connector_scope"
BOOKING_RIGHT = "booking_right"
PURPOSES = (CONNECTOR_SCOPE, BOOKING_RIGHT)

# group ids -> {group id: names of what uses the group}
UseFinder = Callable[[list[int]], dict[int, list[str]]]
_FINDERS: dict[str, list[UseFinder]] = {purpose: [] for purpose in PURPOSES}


@dataclass(frozen=True)
class GroupUse:
    purpose: str  # CONNECTOR_SCOPE or BOOKING_RIGHT
    name: str  # what uses the group, e.g. the connection's name


def register_use(purpose: str, finder: UseFinder) -> None:
    """Called where the app is built, by each feature that names groups; registering the
    same finder again changes nothing."""
    if purpose not in _FINDERS:
        raise ValueError(f"unknown group purpose {purpose!r}")
    if finder not in _FINDERS[purpose]:
        _FINDERS[purpose].append(finder)


def uses_of(group_ids: Iterable[int]) -> dict[int, list[GroupUse]]:
    """Every registered use of each group, by purpose and name."""
    ids = list(group_ids)
    found: dict[int, list[GroupUse]] = {group_id: [] for group_id in ids}
    if not ids:
        return found
    for purpose, finders in _FINDERS.items():
        for finder in finders:
            for group_id, names in finder(ids).items():
                found.setdefault(group_id, []).extend(GroupUse(purpose, n) for n in sorted(names))
    return found
