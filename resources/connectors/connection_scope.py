"""A connection's scope and sync priority (seed 004): who sees its entries in the
company book (everyone, or chosen user accounts and groups), and which source's fields
win when two connections deliver the same person. Each change republishes, in its own
transaction, exactly the cards that differ for the phones, and is audited."""

from __future__ import annotations

import time
from collections.abc import Iterable

from resources.auth import audit
from resources.company_directory import audience_cards
from resources.connectors.connection_rules import Scope
from resources.connectors.connections import find_connection, write_scope
from resources.connectors.phonebook_target import origin_of
from resources.errors import InvalidProperty, NotFound
from resources.store.connectors import Connection, ConnectionScope
from resources.store.database import write_transaction
from resources.store.organisation import AccountGroup, UserAccount

PRIORITY_RANGE = (-1000, 1000)


def _existing(
    model: type[UserAccount] | type[AccountGroup], ids: Iterable[int], code: str
) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    found = (
        {row.id for row in model.select(model.id).where(model.id.in_(wanted))} if wanted else set()
    )
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFound(code=code, id=", ".join(missing))
    return wanted


def scope_of(connection: Connection) -> dict[str, object]:
    rows = list(ConnectionScope.select().where(ConnectionScope.connection == connection.id))
    return {
        "everyone": bool(connection.scope_everyone),
        "accounts": sorted(r.account_id for r in rows if r.account_id is not None),
        "groups": sorted(r.group_id for r in rows if r.group_id is not None),
    }


def set_scope(
    name: str,
    *,
    everyone: bool,
    accounts: Iterable[int] = (),
    groups: Iterable[int] = (),
    actor: str = "system",
) -> Connection:
    """Show the connection's entries to everyone, or only to the logins of `accounts`
    and of the members of `groups` (the chosen ones are kept while everyone is on)."""
    connection = find_connection(name)
    account_ids = _existing(UserAccount, accounts, "no_account_with_id")
    group_ids = _existing(AccountGroup, groups, "no_group_with_id")
    with write_transaction():
        write_scope(connection.id, Scope(everyone, tuple(account_ids), tuple(group_ids)))
        audit.record(
            actor,
            "connection.scope",
            connection.name,
            f"everyone={everyone} accounts={account_ids} groups={group_ids}",
        )
    return find_connection(name)


def set_priority(name: str, priority: int, *, actor: str = "system") -> Connection:
    """The connection's sync priority: where two connections deliver one person, the
    higher one's fields win, field by field."""
    low, high = PRIORITY_RANGE
    if isinstance(priority, bool) or not isinstance(priority, int) or not low <= priority <= high:
        raise InvalidProperty(
            code="connection_priority_invalid", field="priority", min=low, max=high
        )
    connection = find_connection(name)
    if connection.priority == priority:
        return connection
    with write_transaction():
        Connection.update(priority=priority, modified=time.time()).where(
            Connection.id == connection.id
        ).execute()
        audience_cards.refresh_seeing([origin_of(connection)], only_merged=True)
        audit.record(
            actor, "connection.priority", connection.name, f"{connection.priority} -> {priority}"
        )
    return find_connection(name)
