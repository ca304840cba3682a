"""Schema upgrade steps over stored collections and objects that need more than the store
(collection rules, parsing stored bodies, the audit log), registered with
resources.store.schema.register_step when this module is imported; davserver.app imports
it before it upgrades."""

from __future__ import annotations

import logging

from resources.auth import audit
from resources.objects.calendar_collections import rename_resource_namesakes
from resources.objects.stored_object_repair import repair_stored_objects
from resources.store.organisation import ServiceCredential
from resources.store.schema import register_step

log = logging.getLogger("davserver.schema")


def rename_namesakes_of_resource_calendars() -> None:
    """Upgrade 4: a personal calendar that has a resource calendar's name gets a new one."""
    for renamed in rename_resource_namesakes():
        login = ServiceCredential.get_by_id(renamed.owner_id).username
        log.warning(
            "renamed the calendar %r of login %r to %r: a resource calendar has its name",
            renamed.old_path,
            login,
            renamed.new_path,
        )
        audit.record(
            "system",
            "calendar.rename",
            login,
            f"{renamed.old_path} -> {renamed.new_path} (a resource calendar has the old name)",
        )


register_step("resource calendar namesakes", rename_namesakes_of_resource_calendars)  # upgrade 4
register_step("stored object repair", repair_stored_objects)  # upgrade 6
