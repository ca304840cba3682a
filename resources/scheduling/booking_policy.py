"""Booking policies of resources (issue 16 item 3): how a resource answers invitations,
how many bookings it takes at once, how far ahead, and who may book it.

Rooms without a stored policy accept when free, one booking at a time, from everyone
who sees them; person resources without one leave the answer to the person. Every
change of a policy is audited.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resources.auth import audit
from resources.errors import InvalidProperty, NotFound
from resources.organisation.field_changes import describe, refuse_unknown
from resources.store.database import write_transaction
from resources.store.organisation import AccountGroup, GroupMembership, Resource, UserAccount
from resources.store.scheduling import BOOKING_MODES, BookingGroup, BookingPolicy

ACCEPT_IF_FREE, ALWAYS_ACCEPT, ALWAYS_DECLINE, MANUAL = BOOKING_MODES
POLICY_FIELDS = ("mode", "capacity", "window_days", "only_groups", "groups", "delegate")
MAX_CAPACITY = 1000
MAX_WINDOW_DAYS = 3660


@dataclass(frozen=True)
class Policy:
    mode: str = ACCEPT_IF_FREE
    capacity: int = 1
    window_days: int | None = None
    only_groups: bool = False
    groups: tuple[int, ...] = ()
    delegate: int | None = None  # the user account that decides manual bookings

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "capacity": self.capacity,
            "window_days": self.window_days,
            "only_groups": self.only_groups,
            "groups": list(self.groups),
            "delegate": self.delegate,
        }


ROOM_DEFAULT = Policy()


def stored_policy(resource_id: int, *, with_groups: bool = True) -> Policy | None:
    """The resource's stored policy; its groups are read only when they count (or asked)."""
    row = BookingPolicy.get_or_none(BookingPolicy.resource == resource_id)
    if row is None:
        return None
    groups: tuple[int, ...] = ()
    if row.only_groups or with_groups:
        query = BookingGroup.select().where(BookingGroup.policy == row.id)
        groups = tuple(g.group_id for g in query.order_by(BookingGroup.id))
    return Policy(row.mode, row.capacity, row.window_days, row.only_groups, groups, row.delegate_id)


def policy_for(resource: Resource) -> Policy | None:
    """The policy the server decides by; None: the person answers invitations."""
    found = stored_policy(resource.id, with_groups=False)
    if found is not None:
        return found
    return ROOM_DEFAULT if resource.kind == "room" else None


def shown_policy(resource: Resource) -> Policy:
    """What the admin UI and the API show: the stored policy or the kind's default."""
    return stored_policy(resource.id) or ROOM_DEFAULT


def may_book(policy: Policy, account_id: int | None) -> bool:
    """Whether the account may book under this policy (everyone, or members of its groups)."""
    if not policy.only_groups:
        return True
    if account_id is None or not policy.groups:
        return False
    return (
        GroupMembership.select()
        .where((GroupMembership.account == account_id) & GroupMembership.group.in_(policy.groups))
        .exists()
    )


def may_decide(resource: Resource, account: UserAccount) -> bool:
    """Administrators and the resource's delegate decide bookings that wait."""
    if account.role == "admin":
        return True
    policy = stored_policy(resource.id)
    return policy is not None and policy.delegate == account.id


def _checked(current: Policy, changes: Mapping[str, Any]) -> Policy:
    refuse_unknown(changes, POLICY_FIELDS)
    values = current.as_json() | dict(changes)
    if values["mode"] not in BOOKING_MODES:
        raise InvalidProperty(code="booking_mode_invalid", field="mode")
    capacity = values["capacity"]
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 1 <= capacity <= MAX_CAPACITY
    ):
        raise InvalidProperty(code="booking_capacity_invalid", field="capacity", max=MAX_CAPACITY)
    window = values["window_days"]
    if window is not None and (
        isinstance(window, bool)
        or not isinstance(window, int)
        or not 1 <= window <= MAX_WINDOW_DAYS
    ):
        raise InvalidProperty(
            code="booking_window_invalid", field="window_days", max=MAX_WINDOW_DAYS
        )
    if not isinstance(values["only_groups"], bool):
        raise InvalidProperty(code="booking_only_groups_invalid", field="only_groups")
    groups = values["groups"]
    if not isinstance(groups, list | tuple) or not all(
        isinstance(g, int) and not isinstance(g, bool) for g in groups
    ):
        raise InvalidProperty(code="booking_groups_invalid", field="groups")
    groups = tuple(dict.fromkeys(groups))
    if len(groups) != AccountGroup.select().where(AccountGroup.id.in_(groups)).count():
        raise NotFound(code="booking_group_unknown", field="groups")
    delegate = values["delegate"]
    if delegate is not None and (
        isinstance(delegate, bool)
        or not isinstance(delegate, int)
        or not UserAccount.get_or_none(UserAccount.id == delegate)
    ):
        raise NotFound(code="booking_delegate_unknown", field="delegate")
    return Policy(values["mode"], capacity, window, values["only_groups"], groups, delegate)


def set_policy(resource: Resource, changes: Mapping[str, Any], *, actor: str) -> Policy:
    """Change a resource's booking policy (fields left out keep their value); audited."""
    policy = _checked(shown_policy(resource), changes)
    with write_transaction():
        row = BookingPolicy.get_or_none(BookingPolicy.resource == resource.id)
        fields = dict(
            mode=policy.mode,
            capacity=policy.capacity,
            window_days=policy.window_days,
            only_groups=policy.only_groups,
            delegate=policy.delegate,
            modified=time.time(),
        )
        if row is None:
            row = BookingPolicy.create(resource=resource.id, **fields)
        else:
            BookingPolicy.update(**fields).where(BookingPolicy.id == row.id).execute()
        BookingGroup.delete().where(BookingGroup.policy == row.id).execute()
        for group in policy.groups:
            BookingGroup.create(policy=row.id, group=group)
        audit.record(actor, "resource.booking_policy", resource.slug, describe(policy.as_json()))
    return policy
