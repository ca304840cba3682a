"""The WsgiDAV provider: maps a path below /dav to a node, for the signed-in login only.

Anything outside the login's own principal and home resolves to nothing (404), so
a client cannot tell other logins' URLs from URLs that do not exist.
"""

from __future__ import annotations

from wsgidav.dav_provider import DAVProvider

from davserver.dav import urls
from davserver.dav.errors import DavError
from davserver.dav.nodes.addressbook_home import (
    AddressBookHomeNode,
    AddressBookHomesNode,
)
from davserver.dav.nodes.base import read_only
from davserver.dav.nodes.calendar_home import CalendarHomeNode
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.nodes.collection_kinds import collection_node
from davserver.dav.nodes.company_book import CompanyBookNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.nodes.principal import (
    CalendarHomesNode,
    PrincipalNode,
    PrincipalsNode,
    RootNode,
)
from davserver.dav.nodes.resource_principal import (
    CALENDAR_IN_HOME,
    RESOURCE_HOMES,
    ResourceHomeNode,
    home_calendar,
    resource_home_path,
    resource_principal_node,
)
from davserver.dav.object_conversions import Conversions
from davserver.dav.post_registry import PostHandler
from davserver.dav.report_registry import ReportRegistry
from resources.company_directory.audience_cards import book_for_account
from resources.objects import address_books, calendar_collections, stored_objects
from resources.objects.address_books import COMPANY_PATH, PERSONAL_PATH
from resources.objects.calendar_collections import (
    ADDRESSBOOKS_HOME,
    CALENDARS_HOME,
    SEGMENT_MAX,
)
from resources.scheduling.calendar_users import visible_resource
from resources.scheduling.mailboxes import INBOX, INBOX_PATH, OUTBOX, OUTBOX_PATH, mailbox
from resources.store.models import Collection

MAX_DEPTH = 12
MAILBOX_KINDS = {INBOX_PATH: INBOX, OUTBOX_PATH: OUTBOX}
NOTHING = calendar_collections.Resolved(None, None)


def split_path(path: str) -> list[str] | None:
    """Path segments, or None for paths no resource can have (empty or dot segments, overlong)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) > MAX_DEPTH:
        return None
    for segment in segments:
        if (
            segment in (".", "..")
            or len(segment.encode("utf-8", "surrogatepass")) > SEGMENT_MAX
            or "\\" in segment
        ):
            return None
    return segments


class DavProvider(DAVProvider):
    def __init__(
        self,
        settings,
        reports: ReportRegistry,
        conversions: Conversions,
        posts: tuple[PostHandler, ...] = (),
    ) -> None:
        super().__init__()
        self.settings = settings
        self.reports = reports
        self.conversions = conversions
        self.posts = posts

    def is_readonly(self) -> bool:
        return False

    def get_resource_inst(self, path: str, environ: dict):
        login = environ.get("davserver.login")
        segments = split_path(path)
        if login is None or segments is None:
            return None
        if not segments:
            return RootNode("/", environ)
        top, rest = segments[0], segments[1:]
        if top == urls.PRINCIPALS:
            if not rest:
                return PrincipalsNode(f"/{urls.PRINCIPALS}/", environ)
            if len(rest) == 1 and self._is_own(rest[0], login):
                return PrincipalNode(urls.principal_path(login.username), environ)
            return resource_principal_node(rest, login, environ)
        if top == RESOURCE_HOMES:
            if len(rest) < 2 or not self._is_own(rest[0], login) or not login.has_caldav:
                return None
            return self._in_resource_home(login, rest[1:], environ)
        if top == urls.ADDRESSBOOKS:
            if not rest:
                return AddressBookHomesNode(f"/{urls.ADDRESSBOOKS}/", environ)
            if not self._is_own(rest[0], login):
                return None
            if len(rest) == 1:
                return AddressBookHomeNode(urls.addressbook_home_path(login.username), environ)
            return self._in_addressbook_home(login, rest[1:], environ)
        if top == urls.CALENDARS:
            if not rest:
                return CalendarHomesNode(f"/{urls.CALENDARS}/", environ)
            if not self._is_own(rest[0], login):
                return None
            if len(rest) == 1:
                return CalendarHomeNode(urls.calendar_home_path(login.username), environ)
            return self._in_home(login, rest[1:], environ)
        return None

    @staticmethod
    def _is_own(segment: str, login) -> bool:
        return segment.casefold() == login.username.casefold()

    def _in_home(self, login, segments: list[str], environ: dict):
        found = self._found_in_calendar_home(login, segments)
        if found.collection is None and segments[0] in MAILBOX_KINDS and len(segments) <= 2:
            if not login.has_caldav:
                return None
            # The first request that needs the login's inbox or outbox creates it.
            mailbox(login.credential_id, MAILBOX_KINDS[segments[0]])
            found = self._found_in_calendar_home(login, segments)
        return self._node_for(found, environ)

    def _in_resource_home(self, login, segments: list[str], environ: dict):
        """`<slug>/`, `<slug>/calendar/` and its members: a resource's calendar home."""
        resource = visible_resource(segments[0], login.employee_id)
        if resource is None or len(segments) > 3:
            return None
        home_path = resource_home_path(login.username, resource.slug)
        if len(segments) == 1:
            return ResourceHomeNode(home_path, environ, resource)
        if segments[1] != CALENDAR_IN_HOME:
            return None
        calendar = home_calendar(resource, environ)
        if len(segments) == 2:
            return calendar
        row = stored_objects.get_object(calendar.row.id, segments[2])
        return ObjectNode.for_row(row, calendar.row, environ) if row else None

    def _in_addressbook_home(self, login, segments: list[str], environ: dict):
        return self._node_for(self._found_in_addressbook_home(login, segments), environ)

    @staticmethod
    def _found_in_calendar_home(login, segments: list[str]) -> calendar_collections.Resolved:
        if not login.has_caldav:
            return NOTHING
        return calendar_collections.resolve_with_member(
            login.credential_id, segments, resources_seen_by=login.employee_id
        )

    @staticmethod
    def _found_in_addressbook_home(login, segments: list[str]) -> calendar_collections.Resolved:
        if not login.has_carddav:
            return NOTHING
        if segments[0] == COMPANY_PATH:
            if len(segments) > 2:
                return NOTHING
            # the book of the login's audience: scoped entries reach only their logins
            return calendar_collections.Resolved(
                book_for_account(login.account_id), segments[1] if len(segments) == 2 else None
            )
        if not login.has_personal_addressbooks:
            return NOTHING
        found = calendar_collections.resolve_with_member(
            login.credential_id, segments, ADDRESSBOOKS_HOME
        )
        if found.collection is None and segments[0] == PERSONAL_PATH:
            # The first request of a new login creates its `contacts` book.
            address_books.personal_books(login.credential_id)
            found = calendar_collections.resolve_with_member(
                login.credential_id, segments, ADDRESSBOOKS_HOME
            )
        return found

    def _node_for(self, found: calendar_collections.Resolved, environ: dict):
        if found.collection is None:
            return None
        if found.object_name is None:
            return collection_node(found.collection, environ)
        return self._member_node(found, environ)

    @staticmethod
    def _member_node(found: calendar_collections.Resolved, environ: dict) -> ObjectNode | None:
        row = (
            found.member
            if found.member_read
            else stored_objects.get_object(found.collection.id, found.object_name)  # type: ignore[union-attr,arg-type]  # a member of a found collection
        )
        return ObjectNode.for_row(row, found.collection, environ) if row else None  # type: ignore[arg-type]

    def member_of_collection(
        self, path: str, environ: dict
    ) -> tuple[CollectionNode, ObjectNode | None] | None:
        """For a PUT: the collection that `path` names a member of, and that member if it
        exists, from the one lookup that resolving the path costs; None when the path
        names anything else (a collection, a home, nothing)."""
        login = environ.get("davserver.login")
        segments = split_path(path)
        homes = {
            urls.CALENDARS: self._found_in_calendar_home,
            urls.ADDRESSBOOKS: self._found_in_addressbook_home,
        }
        if (
            login is None
            or segments is None
            or len(segments) < 4
            or segments[0] not in homes
            or not self._is_own(segments[1], login)
        ):
            return None
        found = homes[segments[0]](login, segments[2:])
        if found.collection is None or found.object_name is None:
            return None
        return collection_node(found.collection, environ), self._member_node(found, environ)

    def exists(self, path: str, environ: dict) -> bool:
        return self.get_resource_inst(path, environ) is not None

    def path_in_home(self, path: str, environ: dict) -> tuple[str, str]:
        """(home, collection path relative to the login's home) that `path` names."""
        segments = split_path(path)
        login = environ["davserver.login"]
        homes = {urls.CALENDARS: CALENDARS_HOME, urls.ADDRESSBOOKS: ADDRESSBOOKS_HOME}
        if (
            not segments
            or len(segments) < 3
            or segments[0] not in homes
            or not self._is_own(segments[1], login)
        ):
            raise DavError(403, "The destination must be inside your own home.")
        return homes[segments[0]], "/".join(segments[2:])

    def parent_collection_and_name(self, path: str, environ: dict) -> tuple[Collection, str]:
        """The collection a new member at `path` would go into, and the member's name: one of
        the login's own collections or a resource calendar it sees, found as a request would."""
        _home, in_home = self.path_in_home(path, environ)
        if "/" not in in_home:
            raise DavError(403, "Only collections can be created directly in a home.")
        parent_path, name = path.rstrip("/").rsplit("/", 1)
        parent = self.get_resource_inst(parent_path + "/", environ)
        if not isinstance(parent, CollectionNode):
            raise DavError(409, "The destination collection does not exist.")
        if isinstance(parent, CompanyBookNode):
            raise read_only()
        return parent.row, name
