"""A resource's calendar (a room's, a person's): shown to the logins that may see the resource,
managed by the administrator; logins may book into it but not change or remove it."""

from __future__ import annotations

from davserver.dav.errors import forbidden
from davserver.dav.nodes.calendar import CalendarNode

RESOURCE_PRIVILEGES = ("read", "read-current-user-privilege-set", "write-content", "bind", "unbind")


class ResourceCalendarNode(CalendarNode):
    privileges = RESOURCE_PRIVILEGES

    def _refuse_change(self, action: str) -> None:
        raise forbidden(
            f"A resource's calendar is managed by the administrator and cannot be {action}."
        )
