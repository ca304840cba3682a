"""Schema upgrade steps that parse stored calendar data, registered with the store's
schema (resources.store.schema.register_step) when this module is imported.

The store holds bodies but never parses them: an upgrade that needs parsing names its
step, and the layer that parses registers it here. davserver.app imports this module
before it upgrades, as it imports the REPORTs that register themselves.
"""

from __future__ import annotations

from resources.formats.calendar_occurrences import fill_missing_lists
from resources.store.schema import register_step

register_step("occurrence lists", fill_missing_lists)  # upgrade 3
