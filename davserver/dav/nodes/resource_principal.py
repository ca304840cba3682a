"""Resource principals (RFC 6638 §2.4.2 calendar-user-type ROOM or INDIVIDUAL) at
`/dav/principals/resources/<slug>/`, and each one's calendar home, whose one calendar is
the resource's calendar.

A login finds only the resources it may see (the sync switch and the visibility rules of
resources/auth/access.py); any other slug is answered as if it did not exist.
"""

from __future__ import annotations

from davserver.dav import urls
from davserver.dav.live_properties import live
from davserver.dav.nodes.base import StructuralCollection
from davserver.dav.nodes.principal import PrincipalBase
from davserver.dav.nodes.resource_calendar import ResourceCalendarNode
from davserver.dav.xml import CALDAV, DAV, element, href_element, qname, sub
from resources.organisation.resource_calendars import resource_calendar
from resources.scheduling.calendar_users import (
    RESOURCE_PRINCIPALS,
    resource_addresses,
    resource_cutype,
    visible_resource,
    visible_resources,
)
from resources.store.models import Collection
from resources.store.organisation import Resource

RESOURCE_HOMES = "resource-homes"
CALENDAR_IN_HOME = "calendar"


def resource_principal_path(slug: str) -> str:
    return f"/{urls.PRINCIPALS}/{RESOURCE_PRINCIPALS}/{slug}/"


def resource_home_path(username: str, slug: str) -> str:
    return f"/{RESOURCE_HOMES}/{username}/{slug}/"


def resource_principal_node(segments: list[str], login, environ: dict):
    """The node for `resources/` or `resources/<slug>/` below the principals, or None."""
    if not segments or segments[0] != RESOURCE_PRINCIPALS or len(segments) > 2:
        return None
    if len(segments) == 1:
        return ResourcePrincipalsNode(f"/{urls.PRINCIPALS}/{RESOURCE_PRINCIPALS}/", environ)
    resource = visible_resource(segments[1], login.employee_id)
    if resource is None:
        return None
    return ResourcePrincipalNode(resource_principal_path(resource.slug), environ, resource)


class ResourcePrincipalsNode(StructuralCollection):
    """`/dav/principals/resources/`: the resources the login may see."""

    display_name = "Resources"

    def get_member_list(self):
        return [
            ResourcePrincipalNode(resource_principal_path(r.slug), self.environ, r)
            for r in visible_resources(self.login.employee_id)
        ]


class ResourcePrincipalNode(PrincipalBase):
    """One resource's principal."""

    def __init__(self, path: str, environ: dict, resource: Resource) -> None:
        super().__init__(path, environ)
        self.resource = resource

    def get_display_name(self) -> str:
        return self.resource.name

    @live(qname(CALDAV, "calendar-user-type"))
    def _calendar_user_type(self):
        return resource_cutype(self.resource)

    @live(qname(CALDAV, "calendar-user-address-set"))
    def _calendar_user_address_set(self):
        addresses = resource_addresses(self.resource, self.settings.scheduling_mail_domain)
        addresses.append(urls.href(resource_principal_path(self.resource.slug)))
        return href_element(qname(CALDAV, "calendar-user-address-set"), *addresses)

    @live(qname(CALDAV, "calendar-home-set"))
    def _calendar_home_set(self):
        return href_element(
            qname(CALDAV, "calendar-home-set"),
            urls.href(resource_home_path(self.login.username, self.resource.slug)),
        )

    @live(qname(DAV, "owner"))
    def _owner(self):
        return href_element(
            qname(DAV, "owner"), urls.href(resource_principal_path(self.resource.slug))
        )


class ResourceHomeNode(StructuralCollection):
    """`/dav/resource-homes/<login>/<slug>/`: the resource's calendar home."""

    def __init__(self, path: str, environ: dict, resource: Resource) -> None:
        super().__init__(path, environ)
        self.resource = resource

    def get_display_name(self) -> str:
        return self.resource.name

    def get_member_list(self):
        return [home_calendar(self.resource, self.environ)]

    @live(qname(DAV, "resourcetype"))
    def _resourcetype(self):
        el = element(qname(DAV, "resourcetype"))
        sub(el, qname(DAV, "collection"))
        return el


def home_calendar(resource: Resource, environ: dict, row: Collection | None = None):
    """The resource's calendar as the one member of its home: the same row (same data and
    sync state), addressed below the home."""
    row = row or resource_calendar(resource.id)
    alias = Collection(__no_default__=1, **row.__data__)
    alias.home = RESOURCE_HOMES
    alias.path = f"{resource.slug}/{CALENDAR_IN_HOME}"
    alias._dirty.clear()  # never saved: only addressed differently
    return ResourceCalendarNode.for_row(alias, environ)
