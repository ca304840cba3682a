"""A login's scheduling Inbox and Outbox collections (RFC 6638 §2.2, §2.3).

The Inbox holds the iTIP messages delivered to the login (clients read and delete them);
the Outbox takes POSTs of scheduling requests. Neither takes a PUT nor child collections.
"""

from __future__ import annotations

from davserver.dav import urls
from davserver.dav.errors import forbidden
from davserver.dav.live_properties import live
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.xml import CALDAV, href_element, qname
from resources.scheduling.mailboxes import default_calendar

MAILBOX_PRIVILEGES = (
    "read",
    "read-current-user-privilege-set",
    "write-properties",
    "unbind",
)


class MailboxNode(CollectionNode):
    privileges = MAILBOX_PRIVILEGES
    allows_child_collections = False

    def _refuse_change(self, action: str) -> None:
        if action != "changed":  # its display name and dead properties may change
            raise forbidden(f"A scheduling mailbox is part of the server and cannot be {action}.")

    def create_collection(self, name: str) -> None:
        raise forbidden("A scheduling mailbox holds no collections.")


class InboxNode(MailboxNode):
    resource_types = (qname(CALDAV, "schedule-inbox"),)

    @live(qname(CALDAV, "schedule-default-calendar-URL"))
    def _schedule_default_calendar_url(self):
        return default_calendar_url(self.login)


class OutboxNode(MailboxNode):
    resource_types = (qname(CALDAV, "schedule-outbox"),)


def default_calendar_url(login):
    """RFC 6638 §9.2 schedule-default-calendar-URL, or None without a calendar."""
    calendar = default_calendar(login.credential_id, login.employee_id)
    if calendar is None:
        return None
    return href_element(
        qname(CALDAV, "schedule-default-calendar-URL"),
        urls.href(urls.collection_path(login.username, calendar.path)),
    )
