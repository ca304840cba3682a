"""The connector types and targets this server has, registered in one place in code (no
import side effects): a new type is one line here."""

from __future__ import annotations

from functools import cache
from typing import cast

from resources.connectors.carddav_source import CARDDAV_SOURCE
from resources.connectors.connector_types import Registry
from resources.connectors.csv_url import CSV_FILE, CSV_URL
from resources.connectors.directory_target import DIRECTORY_TARGET
from resources.connectors.microsoft365 import MICROSOFT_365
from resources.connectors.phonebook_json import PHONEBOOK_JSON
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import RunTarget
from resources.connectors.vcard_url import VCARD_URL
from resources.organisation.group_uses import CONNECTOR_SCOPE, register_use
from resources.store.connectors import Connection, ConnectionScope


@cache
def connector_types() -> Registry:
    registry = Registry()
    registry.register(CSV_URL)
    registry.register(CSV_FILE)
    registry.register(VCARD_URL)
    registry.register(CARDDAV_SOURCE)
    registry.register(MICROSOFT_365)
    registry.register(PHONEBOOK_JSON)
    return registry


def run_targets() -> dict[str, RunTarget]:
    return {PHONEBOOK_TARGET.key: PHONEBOOK_TARGET, DIRECTORY_TARGET.key: DIRECTORY_TARGET}


def connections_scoped_to(group_ids: list[int]) -> dict[int, list[str]]:
    """The connections whose scope names each group (for the group screens)."""
    found: dict[int, list[str]] = {}
    rows = (
        ConnectionScope.select(ConnectionScope.group, Connection.name)
        .join(Connection)
        .where(ConnectionScope.group.in_(group_ids))
        .tuples()
    )
    for group_id, name in cast("list[tuple[int, str]]", list(rows)):  # .tuples() rows
        found.setdefault(group_id, []).append(name)
    return found


def register_group_uses() -> None:
    register_use(CONNECTOR_SCOPE, connections_scoped_to)
