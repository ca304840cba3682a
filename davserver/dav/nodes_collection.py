"""Calendar collections (RFC 4791 §4.2, §5.2) and plain WebDAV collections in a home."""

from __future__ import annotations

from collections.abc import Iterator

from icalendar import Calendar
from wsgidav.dav_provider import DAVCollection

from davserver.dav import sync_tokens, urls
from davserver.dav.calendar_colors import normalised_color
from davserver.dav.errors import DavError, forbidden, translate_domain_errors
from davserver.dav.live_properties import element_text, live, writable
from davserver.dav.nodes_base import ALL_PRIVILEGES, READ_PRIVILEGES, DavNode, read_only
from davserver.dav.xml import (
    APPLE,
    CALDAV,
    CALENDARSERVER,
    CARDDAV,
    DAV,
    element,
    qname,
    sub,
)
from resources.objects import calendar_collections, dead_properties, stored_objects
from resources.objects.address_books import COMPANY
from resources.objects.calendar_collections import (
    ADDRESSBOOK,
    CALENDAR,
    PLAIN,
    CollectionProperties,
)
from resources.store.hot_queries import dead_properties_of, object_summary_pages
from resources.store.models import Collection

RESOURCE_PRIVILEGES = ("read", "read-current-user-privilege-set", "write-content", "bind", "unbind")


class CollectionNode(DavNode, DAVCollection):
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
    def is_calendar(self) -> bool:
        return self.row.kind == CALENDAR

    @property
    def is_addressbook(self) -> bool:
        return self.row.kind in (ADDRESSBOOK, COMPANY)

    @property
    def is_company_book(self) -> bool:
        return self.row.kind == COMPANY

    @property
    def is_resource(self) -> bool:
        """A resource's calendar: shared, managed by the administrator."""
        return self.row.resource_id is not None

    @property
    def is_shared(self) -> bool:
        """Not owned by the login: a resource calendar or the company address book."""
        return self.row.owner_id is None

    @property
    def privileges(self) -> tuple[str, ...]:  # type: ignore[override]
        if self.is_company_book:
            return READ_PRIVILEGES
        return RESOURCE_PRIVILEGES if self.is_resource else ALL_PRIVILEGES

    def _refuse_if_resource(self, action: str) -> None:
        if self.is_company_book:
            raise read_only()
        if self.is_resource:
            raise forbidden(
                f"A resource's calendar is managed by the administrator and cannot be {action}."
            )

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
        """The members page by page (child collections first), for answers that list a
        large collection."""
        from davserver.dav.nodes_object import ObjectNode

        if self.row.kind == PLAIN:
            rows = calendar_collections.children(self.row)
            props = dead_properties.for_collections([r.id for r in rows])
            yield [CollectionNode.for_row(r, self.environ, props.get(r.id, {})) for r in rows]
        for page in object_summary_pages(self.row.id):
            props = dead_properties_of([o.id for o in page])
            yield [ObjectNode.for_row(o, self.row, self.environ, props.get(o.id, {})) for o in page]  # type: ignore[arg-type]

    def get_member_names(self) -> list[str]:
        return [m.name for m in self.get_member_list()]

    def get_member(self, name: str):
        from davserver.dav.nodes_object import ObjectNode

        row = stored_objects.get_object(self.row.id, name)
        if row is not None:
            return ObjectNode.for_row(row, self.row, self.environ)
        child = calendar_collections.by_path(
            self.row.owner_id, f"{self.row.path}/{name}", self.row.home
        )
        return CollectionNode.for_row(child, self.environ) if child else None

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
        self._refuse_if_resource("deleted")
        calendar_collections.delete_collection(self.row)

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    @translate_domain_errors
    def move_recursive(self, dest_path: str) -> list:
        self._refuse_if_resource("moved")
        home, target = self.provider.path_in_home(dest_path, self.environ)
        if home != self.row.home:
            raise forbidden("Collections can only be moved within their home.")
        calendar_collections.move_collection(self.row, target)
        return []

    @translate_domain_errors
    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self._refuse_if_resource("copied")
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
        self._refuse_if_resource("changed")
        if value is None:
            dead_properties.remove(name=name, collection_id=self.row.id)
        else:
            dead_properties.put(name=name, value=value, collection_id=self.row.id)
        self._dead = None

    # --- live properties ------------------------------------------------------
    @live(qname(DAV, "resourcetype"))
    def _resourcetype(self):
        el = element(qname(DAV, "resourcetype"))
        sub(el, qname(DAV, "collection"))
        if self.is_calendar:
            sub(el, qname(CALDAV, "calendar"))
        if self.is_addressbook:
            sub(el, qname(CARDDAV, "addressbook"))
        return el

    @live(qname(CARDDAV, "addressbook-description"))
    def _addressbook_description(self):
        return self.row.description if self.is_addressbook and self.row.description else None

    @writable(qname(CARDDAV, "addressbook-description"))
    def _set_addressbook_description(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(description=element_text(value) or ""),
            dry_run,
            value is None,
            "description",
        )

    @live(qname(CARDDAV, "supported-address-data"))
    def _supported_address_data(self):
        if not self.is_addressbook:
            return None
        el = element(qname(CARDDAV, "supported-address-data"))
        for version in ("3.0", "4.0"):
            data = sub(el, qname(CARDDAV, "address-data-type"))
            data.set("content-type", "text/vcard")
            data.set("version", version)
        return el

    @live(qname(DAV, "displayname"), allprop=True)
    def _displayname(self):
        return self.get_display_name()

    @writable(qname(DAV, "displayname"))
    def _set_displayname(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(display_name=element_text(value) or ""),
            dry_run,
            value is None,
            "display_name",
        )

    @live(qname(DAV, "sync-token"))
    def _sync_token(self):
        return sync_tokens.make_token(self.row.sync_epoch, self.row.sync_revision)

    @live(qname(CALENDARSERVER, "getctag"))
    def _getctag(self):
        return sync_tokens.make_token(self.row.sync_epoch, self.row.sync_revision)

    @live(qname(CALDAV, "calendar-description"))
    def _calendar_description(self):
        return (
            self.row.description if self.is_calendar and self.row.description is not None else None
        )

    @writable(qname(CALDAV, "calendar-description"))
    def _set_calendar_description(self, value, dry_run: bool) -> None:
        self._update(
            CollectionProperties(description=element_text(value) or ""),
            dry_run,
            value is None,
            "description",
        )

    @live(qname(APPLE, "calendar-color"))
    def _calendar_color(self):
        return self.row.color if self.is_calendar and self.row.color else None

    @writable(qname(APPLE, "calendar-color"))
    def _set_calendar_color(self, value, dry_run: bool) -> None:
        color = normalised_color(element_text(value)) or ""
        self._update(CollectionProperties(color=color), dry_run, value is None, "color")

    @live(qname(APPLE, "calendar-order"))
    def _calendar_order(self):
        return (
            str(self.row.sort_order)
            if self.is_calendar and self.row.sort_order is not None
            else None
        )

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

    @live(qname(CALDAV, "calendar-timezone"))
    def _calendar_timezone(self):
        return self.row.timezone if self.is_calendar and self.row.timezone else None

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

    @live(qname(CALDAV, "supported-calendar-component-set"))
    def _supported_calendar_component_set(self):
        if not self.is_calendar:
            return None
        el = element(qname(CALDAV, "supported-calendar-component-set"))
        for component in self.row.components.split(","):
            sub(el, qname(CALDAV, "comp")).set("name", component)
        return el

    @live(qname(CALDAV, "supported-calendar-data"))
    def _supported_calendar_data(self):
        if not self.is_calendar:
            return None
        el = element(qname(CALDAV, "supported-calendar-data"))
        data = sub(el, qname(CALDAV, "calendar-data"))
        data.set("content-type", "text/calendar")
        data.set("version", "2.0")
        return el

    @live(qname(CALDAV, "max-resource-size"))
    def _max_resource_size(self):
        return str(self.settings.max_resource_size) if self.is_calendar else None

    @live(qname(CALDAV, "max-instances"))
    def _max_instances(self):
        """RFC 4791 §5.2.8: the most recurrence instances a calendar object may have."""
        return str(self.settings.max_instances) if self.is_calendar else None

    @live(qname(CARDDAV, "max-resource-size"))
    def _max_vcard_size(self):
        return str(self.settings.max_vcard_size) if self.is_addressbook else None

    def _update(
        self, props: CollectionProperties, dry_run: bool, clear: bool, *fields: str
    ) -> None:
        self._refuse_if_resource("changed")
        if not (self.is_calendar or self.is_addressbook) and fields != ("display_name",):
            raise forbidden("This property applies to calendars and address books only.")
        calendar_collections.validate_properties(props)
        if not dry_run:
            if clear:
                calendar_collections.update_properties(
                    self.row.id, CollectionProperties(), clear=fields
                )
            else:
                calendar_collections.update_properties(self.row.id, props)

    set_property_value = translate_domain_errors(DavNode.set_property_value)


def parse_vtimezone(text: str) -> str:
    """The TZID of a calendar-timezone value: a VCALENDAR holding exactly one VTIMEZONE."""
    try:
        calendar = Calendar.from_ical(text)
        zones = [c for c in calendar.walk("VTIMEZONE")]
    except Exception:
        zones = []
    if len(zones) != 1 or not zones[0].get("TZID"):
        raise DavError(
            403,
            "calendar-timezone must be a VCALENDAR with exactly one VTIMEZONE that has a TZID.",
            qname(CALDAV, "valid-calendar-data"),
        )
    return str(zones[0]["TZID"])
