"""What every davserver DAV node has: the login, the settings and the properties
common to all (RFC 5397 current-user-principal, RFC 3744 privileges, RFC 3253 reports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from wsgidav.dav_provider import DAVCollection

from davserver.dav import urls
from davserver.dav.live_properties import LivePropertyNode, live
from davserver.dav.xml import DAV, element, href_element, qname, sub
from resources.auth.credentials import AuthenticatedLogin

READ_PRIVILEGES = ("read", "read-current-user-privilege-set")
ALL_PRIVILEGES = (
    "read",
    "read-current-user-privilege-set",
    "write",
    "write-properties",
    "write-content",
    "bind",
    "unbind",
)


def read_only():
    """The error for writes to a collection the server maintains (RFC 3744 need-privileges)."""
    from davserver.dav.errors import DavError

    return DavError(
        403,
        "This address book is maintained by the company and is read-only.",
        qname(DAV, "need-privileges"),
    )


def privilege_set(name: str, privileges: tuple[str, ...]) -> etree._Element:
    el = element(name)
    for privilege in privileges:
        sub(sub(el, qname(DAV, "privilege")), qname(DAV, privilege))
    return el


class DavNode(LivePropertyNode):
    """Common live properties; `privileges` says what the login may do here."""

    privileges: tuple[str, ...] = READ_PRIVILEGES
    # from WsgiDAV's resource classes, which every node also derives from
    environ: dict[str, Any]
    provider: Any
    get_preferred_path: Callable[[], str]

    @property
    def login(self) -> AuthenticatedLogin:
        login: AuthenticatedLogin = self.environ["davserver.login"]
        return login

    @property
    def settings(self):
        return self.provider.settings

    def get_href(self) -> str:
        """One quoting for every href we send (WsgiDAV's own would encode '@')."""
        return urls.href(self.get_preferred_path())

    @live(qname(DAV, "current-user-principal"))
    def _current_user_principal(self):
        return href_element(
            qname(DAV, "current-user-principal"),
            urls.href(urls.principal_path(self.login.username)),
        )

    @live(qname(DAV, "principal-collection-set"))
    def _principal_collection_set(self):
        return href_element(
            qname(DAV, "principal-collection-set"), urls.href(f"/{urls.PRINCIPALS}/")
        )

    @live(qname(DAV, "current-user-privilege-set"))
    def _current_user_privilege_set(self):
        return privilege_set(qname(DAV, "current-user-privilege-set"), self.privileges)

    @live(qname(DAV, "supported-report-set"))
    def _supported_report_set(self):
        el = element(qname(DAV, "supported-report-set"))
        for name in self.provider.reports.supported_by(self):
            sub(sub(sub(el, qname(DAV, "supported-report")), qname(DAV, "report")), name)
        return el

    @live(qname(DAV, "owner"))
    def _owner(self):
        return href_element(
            qname(DAV, "owner"), urls.href(urls.principal_path(self.login.username))
        )


class HomeNode(DavNode, DAVCollection):
    """What a login's calendar home and address book home share (RFC 4791 §6.2.1,
    RFC 6352 §7.1.1): named after the login, a plain collection of collections."""

    def get_display_name(self) -> str:
        return self.login.display_name or self.login.username

    def get_etag(self):
        return None

    def get_last_modified(self):
        return None

    def get_member_names(self) -> list[str]:
        return [m.name for m in self.get_member_list()]

    @live(qname(DAV, "resourcetype"))
    def _resourcetype(self):
        el = element(qname(DAV, "resourcetype"))
        sub(el, qname(DAV, "collection"))
        return el

    @live(qname(DAV, "displayname"), allprop=True)
    def _displayname(self):
        return self.get_display_name()


class StructuralCollection(DavNode, DAVCollection):
    """A fixed collection of the URL space (root, principals, homes): read only."""

    display_name = ""

    def get_display_name(self) -> str:
        return self.display_name

    def get_member_names(self) -> list[str]:
        return [m.name for m in self.get_member_list()]

    def get_member(self, name: str):
        return next((m for m in self.get_member_list() if m.name == name), None)

    def get_etag(self):
        return None

    def get_last_modified(self):
        return None
