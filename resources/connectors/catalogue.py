"""The connector types and targets this server has, registered in one place in code (no
import side effects): a new type is one line here."""

from __future__ import annotations

from functools import cache

from resources.connectors.connector_types import Registry
from resources.connectors.csv_url import CSV_FILE, CSV_URL
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import RunTarget


@cache
def connector_types() -> Registry:
    registry = Registry()
    registry.register(CSV_URL)
    registry.register(CSV_FILE)
    return registry


def run_targets() -> dict[str, RunTarget]:
    return {PHONEBOOK_TARGET.key: PHONEBOOK_TARGET}
