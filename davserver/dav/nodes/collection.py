"""What every collection in a home has, whatever its kind (RFC 4918 §5.2, RFC 6578 §4):
members, COPY/MOVE/DELETE, dead properties, and the fields of the collection's row."""

from __future__ import annotations

from collections.abc import Iterator

from wsgidav.dav_provider import DAVCollection

from davserver.dav import sync_tokens, urls
from davserver.dav.calendar_colors import normalised_color
from davserver.dav.calendar_timezone import parse_vtimezone
from davserver.dav.errors import forbidden, translate_domain_errors
from davserver.dav.live_properties import element_text, live, writable
from davserver.dav.nodes.base import ALL_PRIVILEGES, DavNode
from davserver.dav.nodes.object import ObjectNode
from davserver.dav.xml import APPLE, CALDAV, CALENDARSERVER, CARDDAV, DAV, element, qname, sub
from resources.objects import calendar_collections, dead_properties, stored_objects
from resources.objects.calendar_collections import PLAIN, CollectionProperties
from resources.store.hot_queries import dead_properties_of, object_summary_pages
from resources.store.models import Collection


class CollectionNode(DavNode, DAVCollection):
    """A stored collection; collection_kinds.collection_node picks the class of its kind."""

    privileges: tuple[str, ...] = ALL_PRIVILEGES
    # What DAV:resourcetype names besides DAV:collection.
    resource_types: tuple[str, ...] = ()
    # Whether OPTIONS offers MKCOL and MKCALENDAR inside (a calendar holds no collections,
    # RFC 4791 §4.2).
    allows_child_collections = True
    # The live properties of every kind of collection, filled as each kind is defined.
    computed_elsewhere: set[str] = set()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        CollectionNode.computed_elsewhere.update(cls.live_properties)

    def __init__(
        self, path: str, environ: dict, row: Collection, dead: dict[str, str] | None = None
    ) -> None:
        super().__init__(path, environ)
        self.row = row
        self._dead = dead

    @classmethod
    def for_row(
        cls, row: Collection, environ: dict, dead: dict[str, str] | None = None
    ) -> CollectionNode:
        username = environ["davserver.login"].username
        return cls(urls.collection_path(username, row.path, row.home), environ, row, dead)

    @property
    def is_shared(self) -> bool:
        """Not owned by the login: a resource calendar or the company address book."""
        return self.row.owner_id is None

    def _refuse_change(self, action: str) -> None:
        """Raise if the login may not change this collection; kinds the server or the
        administrator maintains override it."""

    def member_href(self, name: str) -> str:
        return urls.href(urls.object_path(self.login.username, self.row.path, name, self.row.home))

    # --- WsgiDAV resource interface ---------------------------------------
    def get_display_name(self) -> str:
        return self.row.display_name or self.row.path.rsplit("/", 1)[-1]

    def get_etag(self):
        return None

    def get_last_modified(self) -> float:
        return self.row.modified

    def get_creation_date(self) -> float:
        return self.row.created

    def get_member_list(self):
        return [member for page in self.member_pages() for member in page]

    def member_pages(self) -> Iterator[list]:
        """The members page by page, for answers that list a large collection."""
        for page in object_summary_pages(self.row.id):
            props = dead_properties_of([o.id for o in page])
            yield [ObjectNode.for_row(o, self.row, self.environ, props.get(o.id, {})) for o in page]  # type: ignore[arg-type]

    def get_member_names(self) -> list[str]:
        return [m.name for m in self.get_member_list()]

    def get_member(self, name: str):
        from davserver.dav.nodes.collection_kinds import collection_node

        row = stored_objects.get_object(self.row.id, name)
        if row is not None:
            return ObjectNode.for_row(row, self.row, self.environ)
        child = calendar_collections.by_path(
            self.row.owner_id, f"{self.row.path}/{name}", self.row.home
        )
        return collection_node(child, self.environ) if child else None

    @translate_domain_errors
    def create_collection(self, name: str) -> None:
        calendar_collections.create_collection(
            self.row.owner_id,  # type: ignore[arg-type]
            f"{self.row.path}/{name}",
            PLAIN,
            home=self.row.home,
        )

    def support_recursive_delete(self) -> bool:
        return True

    @translate_domain_errors
    def delete(self) -> None:
        self._refuse_change("deleted")
        calendar_collections.delete_collection(self.row)

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    @translate_domain_errors
    def move_recursive(self, dest_path: str) -> list:
        self._refuse_change("moved")
        home, target = self.provider.path_in_home(dest_path, self.environ)
        if home != self.row.home:
            raise forbidden("Collections can only be moved within their home.")
        calendar_collections.move_collection(self.row, target)
        return []

    @translate_domain_errors
    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self._refuse_change("copied")
        home, target = self.provider.path_in_home(dest_path, self.environ)
        if home != self.row.home:
            raise forbidden("Collections can only be copied within their home.")
        props = CollectionProperties(
            display_name=self.row.display_name,
            description=self.row.description,
            color=self.row.color,
            sort_order=self.row.sort_order,
            timezone=self.row.timezone,
            timezone_id=self.row.timezone_id,
        )
        copy = calendar_collections.by_path(self.row.owner_id, target, home)
        if copy is None:
            copy = calendar_collections.create_collection(
                self.row.owner_id,  # type: ignore[arg-type]
                target,
                self.row.kind,
                props,
                home=home,
            )
        else:  # COPY onto an existing collection: WsgiDAV has emptied it of foreign members
            calendar_collections.update_properties(copy.id, props)
        for name, value in self.dead_properties().items():
            dead_properties.put(name=name, value=value, collection_id=copy.id)

    # --- dead properties ----------------------------------------------------
    def dead_properties(self) -> dict[str, str]:
        if self._dead is None:
            self._dead = dead_properties.for_collection(self.row.id)
        return self._dead

    def store_dead_property(self, name: str, value: str | None) -> None:
        self._refuse_change("changed")
        if value is None:
            dead_properties.remove(name=name, collection_id=self.row.id)
        else:
            dead_properties.put(name=name, value=value, collection_id=self.row.id)
        self._dead = None

    # --- live properties of every kind ------------------------------------------
    @live(qname(DAV, "resourcetype"))
    def _resourcetype(self):
        el = element(qname(DAV, "resourcetype"))
        sub(el, qname(DAV, "collection"))
        for resource_type in self.resource_types:
            sub(el, resource_type)
        return el

    @live(qname(DAV, "displayname"), allprop=True)
    def _displayname(self):
        return self.get_display_name()

    @live(qname(DAV, "sync-token"))
    def _sync_token(self):
        return sync_tokens.make_token(self.row.sync_epoch, self.row.sync_revision)

    @live(qname(CALENDARSERVER, "getctag"))
    def _getctag(self):
        return sync_tokens.make_token(self.row.sync_epoch, self.row.sync_revision)

    # --- the row's fields, as PROPPATCH sets them ----------------------------------
    # Every collection row has these fields, and a calendar or an address book takes any
    # of these names for them (CARDDAV:addressbook-description sets a calendar's
    # description too); a plain collection refuses all but its display name. The getters
    # are on the kind each property belongs to.
    @writable(qname(DAV, "displayname"))
    def _set_displayname(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(display_name=element_text(value) or ""),
            dry_run,
            value is None,
            "display_name",
        )

    @writable(qname(CARDDAV, "addressbook-description"))
    def _set_addressbook_description(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(description=element_text(value) or ""),
            dry_run,
            value is None,
            "description",
        )

    @writable(qname(CALDAV, "calendar-description"))
    def _set_calendar_description(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(description=element_text(value) or ""),
            dry_run,
            value is None,
            "description",
        )

    @writable(qname(APPLE, "calendar-color"))
    def _set_calendar_color(self, value, dry_run: bool) -> None:
        color = normalised_color(element_text(value)) or ""
        self._update(CollectionProperties(color=color), dry_run, value is None, "color")

    @writable(qname(APPLE, "calendar-order"))
    def _set_calendar_order(self, value, dry_run: bool) -> None:
        text = element_text(value)
        try:
            order = int(text) if text else None
        except ValueError:
            raise forbidden("calendar-order must be a whole number.") from None
        self._update(
            CollectionProperties(sort_order=order),
            dry_run,
            value is None or order is None,
            "sort_order",
        )

    @writable(qname(CALDAV, "calendar-timezone"))
    def _set_calendar_timezone(self, value, dry_run: bool) -> None:
        text = element_text(value)
        tzid = parse_vtimezone(text) if text else None
        self._update(
            CollectionProperties(timezone=text, timezone_id=tzid),
            dry_run,
            not text,
            "timezone",
            "timezone_id",
        )

    def _update(
        self, props: CollectionProperties, dry_run: bool, clear: bool, *fields: str
    ) -> None:
        self._refuse_change("changed")
        calendar_collections.validate_properties(props)
        if not dry_run:
            if clear:
                calendar_collections.update_properties(
                    self.row.id, CollectionProperties(), clear=fields
                )
            else:
                calendar_collections.update_properties(self.row.id, props)

    set_property_value = translate_domain_errors(DavNode.set_property_value)
