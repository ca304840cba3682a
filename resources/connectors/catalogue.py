"""The connector types and targets this server has, registered in one place in code (no
import side effects): a new type is one line here."""

from __future__ import annotations

from functools import cache

from resources.connectors.carddav_source import CARDDAV_SOURCE
from resources.connectors.connector_types import Registry
from resources.connectors.csv_url import CSV_URL
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import RunTarget
from resources.connectors.vcard_url import VCARD_URL


@cache
def connector_types() -> Registry:
    registry = Registry()
    registry.register(CSV_URL)
    registry.register(VCARD_URL)
    registry.register(CARDDAV_SOURCE)
    return registry


def run_targets() -> dict[str, RunTarget]:
    return {PHONEBOOK_TARGET.key: PHONEBOOK_TARGET}
