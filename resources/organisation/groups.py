"""Groups of user accounts (used for connector scopes): name and member accounts."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import peewee

from resources.auth import audience_hooks, audit
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.organisation.field_changes import describe, refuse_unknown
from resources.store.database import write_transaction
from resources.store.organisation import AccountGroup, GroupMembership, UserAccount

GROUP_FIELDS = ("name", "members")


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidProperty(code="group_name_length", field="name")
    return name


def _refuse_taken_name(name: str, except_id: int | None = None) -> None:
    query = AccountGroup.select().where(peewee.fn.LOWER(AccountGroup.name) == name.lower())
    if except_id is not None:
        query = query.where(AccountGroup.id != except_id)
    if query.exists():
        raise AlreadyExists(code="group_name_taken", field="name", name=name)


def _checked_members(members: Iterable[int]) -> list[int]:
    """The member account ids without repeats; every one must exist."""
    unique = list(dict.fromkeys(members))
    found = (
        {a.id for a in UserAccount.select(UserAccount.id).where(UserAccount.id.in_(unique))}
        if unique
        else set()
    )
    missing = [str(m) for m in unique if m not in found]
    if missing:
        raise NotFound(code="no_account_with_id", field="members", id=", ".join(missing))
    return unique


def _replace_members(group_id: int, members: list[int]) -> None:
    GroupMembership.delete().where(GroupMembership.group == group_id).execute()
    if members:
        GroupMembership.insert_many([{"group": group_id, "account": m} for m in members]).execute()


def create_group(name: str, members: Iterable[int] = (), *, actor: str = "system") -> AccountGroup:
    name = _checked_name(name)
    member_ids = _checked_members(members)
    with write_transaction():
        _refuse_taken_name(name)
        try:
            group = AccountGroup.create(name=name, created=time.time())
        except peewee.IntegrityError:
            raise AlreadyExists(code="group_name_taken", field="name", name=name) from None
        _replace_members(group.id, member_ids)
        if member_ids:
            audience_hooks.logins_may_have_moved()
        audit.record(actor, "group.create", name, f"members={member_ids}")
    return group


def list_groups() -> list[AccountGroup]:
    return list(AccountGroup.select().order_by(AccountGroup.name))


def get_group(group_id: int) -> AccountGroup:
    group = AccountGroup.get_or_none(AccountGroup.id == group_id)
    if group is None:
        raise NotFound(code="no_group_with_id", id=group_id)
    return group


def group_members(group_id: int) -> list[int]:
    """Member account ids, in the order of the accounts' creation."""
    rows = GroupMembership.select(GroupMembership.account).where(GroupMembership.group == group_id)
    return sorted(row.account_id for row in rows)


def members_by_group(group_ids: list[int]) -> dict[int, list[int]]:
    """Member ids of several groups in one query (for listings)."""
    members: dict[int, list[int]] = {g: [] for g in group_ids}
    if group_ids:
        for row in GroupMembership.select().where(GroupMembership.group.in_(group_ids)):
            members[row.group_id].append(row.account_id)
    return {g: sorted(ids) for g, ids in members.items()}


def update_group(
    group_id: int, changes: Mapping[str, Any], *, actor: str = "system"
) -> AccountGroup:
    """Rename a group and/or replace its members."""
    group = get_group(group_id)
    refuse_unknown(changes, GROUP_FIELDS)
    name = _checked_name(changes["name"]) if "name" in changes else None
    members = _checked_members(changes["members"]) if "members" in changes else None
    with write_transaction():
        if name is not None:
            _refuse_taken_name(name, except_id=group.id)
            AccountGroup.update(name=name).where(AccountGroup.id == group.id).execute()
        if members is not None:
            _replace_members(group.id, members)
            audience_hooks.logins_may_have_moved()
        audit.record(actor, "group.update", group.name, describe(changes))
    return get_group(group.id)


def delete_group(group_id: int, *, actor: str = "system") -> None:
    group = get_group(group_id)
    with write_transaction():
        _replace_members(group.id, [])
        group.delete_instance()
        audience_hooks.logins_may_have_moved()
        audit.record(actor, "group.delete", group.name)
