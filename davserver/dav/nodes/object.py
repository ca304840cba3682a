"""A stored object: a calendar object resource (RFC 4791 §4.1), a vCard in an address book
(RFC 6352 §5.1) or a file in a plain collection."""

from __future__ import annotations

import io

from wsgidav.dav_provider import DAVNonCollection

from davserver.dav import urls
from davserver.dav.conditions import write_conditions
from davserver.dav.errors import translate_domain_errors
from davserver.dav.live_properties import live
from davserver.dav.nodes.base import ALL_PRIVILEGES, READ_PRIVILEGES, DavNode, read_only
from davserver.dav.scheduling import schedule_tag_match, scheduler_for
from davserver.dav.xml import CALDAV, DAV, qname
from resources.objects import dead_properties, stored_objects
from resources.objects.address_books import COMPANY
from resources.objects.calendar_collections import CALENDAR
from resources.scheduling import implicit
from resources.scheduling.deliveries import tag_of
from resources.store.models import Collection, StoredObject


class ObjectNode(DavNode, DAVNonCollection):
    def __init__(
        self,
        path: str,
        environ: dict,
        row: StoredObject,
        collection: Collection,
        dead: dict[str, str] | None = None,
    ) -> None:
        # What DAVNonCollection.__init__ sets, without its generic name parsing: a
        # PROPFIND or REPORT builds one node per member, and the name is known here.
        self.provider = environ["wsgidav.provider"]
        self.path = path
        self.is_collection = False
        self.environ = environ
        self.name = row.name
        self.row = row
        self.collection = collection
        self._dead = dead

    @classmethod
    def for_row(
        cls,
        row: StoredObject,
        collection: Collection,
        environ: dict,
        dead: dict[str, str] | None = None,
    ) -> ObjectNode:
        username = environ["davserver.login"].username
        return cls(
            urls.object_path(username, collection.path, row.name, collection.home),
            environ,
            row,
            collection,
            dead,
        )

    @live(qname(DAV, "getetag"), allprop=True)
    def _getetag(self) -> str:
        return f'"{self.row.etag}"'

    @live(qname(CALDAV, "schedule-tag"))
    def _schedule_tag(self) -> str | None:
        """RFC 6638 §3.2.10, on scheduling object resources only."""
        if self.row.component is None or self.collection.kind != CALENDAR:
            return None
        tag = tag_of(self.row.id)
        return f'"{tag}"' if tag else None

    def get_content_length(self) -> int:
        return self.row.size

    def get_content_type(self) -> str:
        return self.row.content_type

    def get_etag(self) -> str:
        return self.row.etag

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return False

    def get_last_modified(self) -> float:
        return self.row.modified

    def get_creation_date(self) -> float:
        return self.row.created

    def get_display_name(self) -> str:
        return self.row.name

    def body(self) -> bytes:
        body = StoredObject.select(StoredObject.body).where(StoredObject.id == self.row.id).scalar()
        return bytes(body or b"")

    def get_content(self):
        return io.BytesIO(self.body())

    @property
    def in_company_book(self) -> bool:
        return self.collection.kind == COMPANY

    @property
    def privileges(self) -> tuple[str, ...]:  # type: ignore[override]
        return READ_PRIVILEGES if self.in_company_book else ALL_PRIVILEGES

    @translate_domain_errors
    def delete(self) -> None:
        if self.in_company_book:
            raise read_only()
        if self.collection.kind != CALENDAR:
            stored_objects.delete_object(
                self.collection.id, self.row.name, write_conditions(self.environ)
            )
            return
        implicit.delete_object(  # an organizer's deletion cancels, an attendee's declines
            self.collection.id,
            self.row.name,
            write_conditions(self.environ),
            scheduler_for(self.environ, self.settings),
            schedule_tag_match(self.environ),
        )

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    @translate_domain_errors
    def move_recursive(self, dest_path: str) -> list:
        if self.in_company_book:
            raise read_only()
        self._relocate(dest_path, keep_source=False)
        return []

    @translate_domain_errors
    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self._relocate(dest_path, keep_source=not is_move)

    def _relocate(self, dest_path: str, *, keep_source: bool) -> None:
        """Into any collection the login may PUT into (a resource calendar too), with PUT's rules."""
        target, name = self.provider.parent_collection_and_name(dest_path, self.environ)
        if not keep_source and self.collection.kind == CALENDAR:
            implicit.move_object(  # into another calendar user's calendar, it schedules
                self.row,
                self.collection,
                target,
                name,
                scheduler_for(self.environ, self.settings),
            )
            return
        stored_objects.relocate_object(
            self.row,
            target,
            name,
            keep_source=keep_source,
            max_size=self.settings.max_resource_size,
            branch_id=self.login.branch_id,
        )

    def dead_properties(self) -> dict[str, str]:
        if self._dead is None:
            self._dead = dead_properties.for_objects([self.row.id]).get(self.row.id, {})
        return self._dead

    def store_dead_property(self, name: str, value: str | None) -> None:
        if self.in_company_book:
            raise read_only()
        if value is None:
            dead_properties.remove(name=name, object_id=self.row.id)
        else:
            dead_properties.put(name=name, value=value, object_id=self.row.id)
        self._dead = None

    def member_href(self, name: str) -> str:
        return urls.href(
            urls.object_path(self.login.username, self.collection.path, name, self.collection.home)
        )

    set_property_value = translate_domain_errors(DavNode.set_property_value)
