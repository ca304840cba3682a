"""The DAV root, the principal collection and a login's principal (RFC 5397, RFC 4791 §6)."""

from __future__ import annotations

from davserver.dav import urls
from davserver.dav.live_properties import live
from davserver.dav.nodes.base import StructuralCollection
from davserver.dav.nodes.scheduling_mailbox import default_calendar_url
from davserver.dav.xml import CALDAV, CARDDAV, DAV, element, href_element, qname, sub
from resources.scheduling.calendar_users import login_addresses
from resources.scheduling.mailboxes import INBOX_PATH, OUTBOX_PATH


class RootNode(StructuralCollection):
    """`/dav/`: where clients start discovery."""

    display_name = "davserver"

    def get_member_list(self):
        from davserver.dav.nodes.addressbook_home import AddressBookHomesNode

        return [
            PrincipalsNode(f"/{urls.PRINCIPALS}/", self.environ),
            CalendarHomesNode(f"/{urls.CALENDARS}/", self.environ),
            AddressBookHomesNode(f"/{urls.ADDRESSBOOKS}/", self.environ),
        ]


class PrincipalsNode(StructuralCollection):
    """`/dav/principals/`: lists only the login's own principal."""

    display_name = "Principals"

    def get_member_list(self):
        from davserver.dav.nodes.resource_principal import ResourcePrincipalsNode

        return [
            PrincipalNode(urls.principal_path(self.login.username), self.environ),
            ResourcePrincipalsNode(f"/{urls.PRINCIPALS}/resources/", self.environ),
        ]


class CalendarHomesNode(StructuralCollection):
    """`/dav/calendars/`: lists only the login's own calendar home."""

    display_name = "Calendars"

    def get_member_list(self):
        from davserver.dav.nodes.calendar_home import CalendarHomeNode

        return [CalendarHomeNode(urls.calendar_home_path(self.login.username), self.environ)]


class PrincipalBase(StructuralCollection):
    """What every principal has (RFC 3744 §2, RFC 5397): a principal resource type, its
    own URL and a display name; the kinds say who they are."""

    def get_member_list(self):
        return []

    @live(qname(DAV, "resourcetype"))
    def _resourcetype(self):
        el = element(qname(DAV, "resourcetype"))
        sub(el, qname(DAV, "collection"))
        sub(el, qname(DAV, "principal"))
        return el

    @live(qname(DAV, "principal-URL"))
    def _principal_url(self):
        return href_element(qname(DAV, "principal-URL"), urls.href(self.path))

    @live(qname(DAV, "displayname"), allprop=True)
    def _displayname(self):
        return self.get_display_name()


class PrincipalNode(PrincipalBase):
    """`/dav/principals/<username>/`: the login's principal resource."""

    def get_display_name(self) -> str:
        return self.login.display_name or self.login.username

    @live(qname(CALDAV, "calendar-home-set"))
    def _calendar_home_set(self):
        return href_element(
            qname(CALDAV, "calendar-home-set"),
            urls.href(urls.calendar_home_path(self.login.username)),
        )

    @live(qname(CALDAV, "calendar-user-address-set"))
    def _calendar_user_address_set(self):
        addresses = login_addresses(
            self.login.username,
            self.login.employee_id,
            urls.href(urls.principal_path(self.login.username)),
        )
        return href_element(qname(CALDAV, "calendar-user-address-set"), *addresses)

    @live(qname(CALDAV, "schedule-inbox-URL"))
    def _schedule_inbox_url(self):
        return self._mailbox_url("schedule-inbox-URL", INBOX_PATH)

    @live(qname(CALDAV, "schedule-outbox-URL"))
    def _schedule_outbox_url(self):
        return self._mailbox_url("schedule-outbox-URL", OUTBOX_PATH)

    def _mailbox_url(self, name: str, path: str):
        if not self.login.has_caldav:
            return None
        return href_element(
            qname(CALDAV, name), urls.href(urls.collection_path(self.login.username, path))
        )

    @live(qname(CALDAV, "schedule-default-calendar-URL"))
    def _schedule_default_calendar_url(self):
        if not self.login.has_caldav:
            return None
        return default_calendar_url(self.login)

    @live(qname(CARDDAV, "addressbook-home-set"))
    def _addressbook_home_set(self):
        if not self.login.has_carddav:
            return None
        return href_element(
            qname(CARDDAV, "addressbook-home-set"),
            urls.href(urls.addressbook_home_path(self.login.username)),
        )

    @live(qname(CALDAV, "calendar-user-type"))
    def _calendar_user_type(self):
        return "INDIVIDUAL"
