"""Who sees which phonebook entries in the company book (seed 004's scope): a connection
scoped to chosen accounts and groups shows its entries only to the logins of those
accounts; everything else (everyone connections, manual entries, the directory's
contacts) every login sees.

A login's audience is the set of scoped connections its account sees, written as a key
of their sorted ids ("" for none); logins with one key read one collection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from resources.store.company_audiences import BASE_AUDIENCE
from resources.store.connectors import Connection, ConnectionScope
from resources.store.organisation import GroupMembership, ServiceCredential

PHONEBOOK = "phonebook"
UNRANKED = (0, 2**31)  # S entries of no connection (the command-line import) rank last


def key_of(connection_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(connection_ids)))


def ids_of(key: str) -> set[int]:
    return {int(part) for part in key.split(",") if part}


@dataclass(frozen=True)
class Sources:
    """The phonebook's connections as merging and scoping read them."""

    scoped: dict[str, int]  # name -> id of the connections shown to chosen accounts only
    rank: dict[str, tuple[int, int]]  # name -> sort key, higher priority first

    def visible(self, origin: str, key: str) -> bool:
        """Whether the audience `key` sees the S entries of `origin`."""
        scoped = self.scoped.get(origin)
        return scoped is None or scoped in ids_of(key)

    def sees(self, key: str, origins: Iterable[str]) -> list[str]:
        return sorted(o for o in origins if self.visible(o, key))


def sources() -> Sources:
    rows = cast(
        "list[tuple[int, str, bool, int]]",  # .tuples() rows
        list(
            Connection.select(
                Connection.id, Connection.name, Connection.scope_everyone, Connection.priority
            )
            .where(Connection.target == PHONEBOOK)
            .tuples()
        ),
    )
    return Sources(
        scoped={name: cid for cid, name, everyone, _p in rows if not everyone},
        rank={name: (-priority, cid) for cid, name, _e, priority in rows},
    )


ScopeRows = tuple[dict[int, set[int]], dict[int, set[int]]]  # by account, by group


def _scope_rows() -> ScopeRows:
    """account id -> scoped connection ids naming it, group id -> the same."""
    by_account: dict[int, set[int]] = {}
    by_group: dict[int, set[int]] = {}
    rows = (
        ConnectionScope.select(
            ConnectionScope.connection, ConnectionScope.account, ConnectionScope.group
        )
        .join(Connection)
        .where(~Connection.scope_everyone & (Connection.target == PHONEBOOK))
        .tuples()
    )
    for connection_id, account_id, group_id in cast(
        "list[tuple[int, int | None, int | None]]", list(rows)
    ):
        if account_id is not None:
            by_account.setdefault(account_id, set()).add(connection_id)
        if group_id is not None:
            by_group.setdefault(group_id, set()).add(connection_id)
    return by_account, by_group


def account_key(account_id: int | None) -> str:
    """The audience of one account's logins."""
    if account_id is None:
        return BASE_AUDIENCE
    return keys_of_accounts([account_id])[account_id]


def keys_of_accounts(account_ids: list[int], scope: ScopeRows | None = None) -> dict[int, str]:
    """The audience of each account's logins (`scope`: _scope_rows(), when read already)."""
    by_account, by_group = scope if scope is not None else _scope_rows()
    seen = {account: set(by_account.get(account, set())) for account in account_ids}
    if by_group and account_ids:
        memberships = (
            GroupMembership.select(GroupMembership.account, GroupMembership.group)
            .where(GroupMembership.group.in_(list(by_group)))
            .tuples()
        )
        for account_id, group_id in cast("list[tuple[int, int]]", list(memberships)):
            if account_id in seen:
                seen[account_id] |= by_group[group_id]
    return {account: key_of(ids) for account, ids in seen.items()}


def keys_in_use() -> set[str]:
    """Every audience some login reads now, the base one always among them. With no
    scoped connection every login reads the base book, and no login is read."""
    scope = _scope_rows()
    if not any(scope):
        return {BASE_AUDIENCE}
    rows = ServiceCredential.select(ServiceCredential.account).where(
        ServiceCredential.account.is_null(False)
    )
    accounts = sorted({row.account_id for row in rows if row.account_id is not None})
    return {BASE_AUDIENCE, *keys_of_accounts(accounts, scope).values()}
