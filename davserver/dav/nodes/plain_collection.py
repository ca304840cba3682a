"""A plain WebDAV collection in a calendar home (RFC 4918 §9.3 MKCOL): files and other
collections, no calendar data of its own."""

from __future__ import annotations

from collections.abc import Iterator

from davserver.dav.errors import forbidden
from davserver.dav.nodes.collection import CollectionNode
from resources.objects import calendar_collections, dead_properties
from resources.objects.calendar_collections import CollectionProperties


class PlainCollectionNode(CollectionNode):
    def member_pages(self) -> Iterator[list]:
        """The child collections first, then the files page by page."""
        from davserver.dav.nodes.collection_kinds import collection_node

        rows = calendar_collections.children(self.row)
        props = dead_properties.for_collections([r.id for r in rows])
        yield [collection_node(r, self.environ, props.get(r.id, {})) for r in rows]
        yield from super().member_pages()

    def _update(
        self, props: CollectionProperties, dry_run: bool, clear: bool, *fields: str
    ) -> None:
        if fields != ("display_name",):
            raise forbidden("This property applies to calendars and address books only.")
        super()._update(props, dry_run, clear, *fields)
