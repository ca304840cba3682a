"""A login's calendar home `/dav/calendars/<username>/` (RFC 4791 §6.2.1)."""

from __future__ import annotations

from davserver.dav import urls
from davserver.dav.errors import forbidden, translate_domain_errors
from davserver.dav.nodes.base import ALL_PRIVILEGES, HomeNode
from davserver.dav.nodes.collection_kinds import collection_node
from resources.objects import calendar_collections, dead_properties
from resources.objects.calendar_collections import PLAIN
from resources.organisation.resource_calendars import visible_calendars
from resources.scheduling.mailboxes import INBOX, OUTBOX, mailbox
from resources.store.hot_queries import visible_resource_calendar


class CalendarHomeNode(HomeNode):
    privileges = ALL_PRIVILEGES

    def get_member_list(self):
        if not self.login.has_caldav:
            return []
        for kind in (INBOX, OUTBOX):
            mailbox(self.login.credential_id, kind)  # a new login's first listing makes them
        rows = visible_calendars(self.login.employee_id) + calendar_collections.top_level(
            self.login.credential_id
        )
        props = dead_properties.for_collections([r.id for r in rows])
        return [collection_node(row, self.environ, props.get(row.id, {})) for row in rows]

    def get_member(self, name: str):
        if not self.login.has_caldav:
            return None
        row = visible_resource_calendar(
            name, self.login.employee_id
        ) or calendar_collections.by_path(self.login.credential_id, name)
        return collection_node(row, self.environ) if row else None

    @translate_domain_errors
    def create_collection(self, name: str):
        if not self.login.has_caldav:
            raise forbidden("This login is not set up for calendars (CalDAV).")
        calendar_collections.create_collection(self.login.credential_id, name, PLAIN)

    def create_empty_resource(self, name: str):
        raise forbidden("Only calendars and collections can be created in a calendar home.")

    def member_href(self, name: str) -> str:
        return urls.href(urls.collection_path(self.login.username, name))
