"""Calendars and plain WebDAV collections in a credential's home: find, create,
change properties, move, delete.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import peewee

from resources.error_codes import sentence
from resources.errors import (
    AlreadyExists,
    InvalidLocation,
    InvalidProperty,
    ParentMissing,
    ReservedName,
)
from resources.store.database import lock_name, write_transaction
from resources.store.hot_queries import collections_with_member, own_collections
from resources.store.models import Collection, StoredObject
from resources.store.organisation import Resource

CALENDAR = "calendar"
PLAIN = "plain"
ADDRESSBOOK = "addressbook"
CALENDARS_HOME = "calendars"
ADDRESSBOOKS_HOME = "addressbooks"

SUPPORTED_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY")
DEFAULT_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")
SEGMENT_MAX = 255
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")


def check_segment(name: str) -> None:
    """Refuse member names that cannot be stored or addressed safely."""
    if not name or name in (".", "..") or len(name.encode("utf-8", "surrogatepass")) > SEGMENT_MAX:
        raise InvalidProperty(code="segment_length", max=SEGMENT_MAX)
    if "/" in name or "\\" in name or any(ord(c) < 32 for c in name):
        raise InvalidProperty(code="segment_characters")


@dataclass(frozen=True)
class Resolved:
    """What a path below a home names: a collection, an object name in one, or nothing."""

    collection: Collection | None
    object_name: str | None
    # The stored object of that name, when it was read with the collection (see
    # resolve_with_member): None then means there is none.
    member: StoredObject | None = None
    member_read: bool = False


def _same_home(collection: Collection) -> peewee.Expression:
    return (Collection.owner == collection.owner_id) & (Collection.home == collection.home)


def _below(collection: Collection) -> peewee.Expression:
    """The collections inside `collection`, by exact (case-sensitive) path prefix: peewee's
    startswith is ILIKE, which matched `work/…` below `Work` and `axb/…` below `a_b`."""
    prefix = collection.path + "/"
    return _same_home(collection) & (peewee.fn.SUBSTR(Collection.path, 1, len(prefix)) == prefix)


def claim_home_name(home: str, path: str) -> None:
    """Refuse a personal collection at `path` if a resource's calendar has that name.

    Every login that may see a resource finds its calendar at /dav/calendars/<login>/<slug>/,
    and who may see it changes with the resource's switches and the login's employee, so
    resource slugs and the top-level names of every calendar home form one namespace.
    Call inside the write transaction: the name stays locked until it ends.
    """
    if home != CALENDARS_HOME or "/" in path:
        return
    lock_name(path)
    if Resource.select().where(Resource.slug == path).exists():
        raise ReservedName(sentence("name_reserved_for_resource", name=repr(path)), path)


def resolve(owner_id: int, segments: list[str], home: str = CALENDARS_HOME) -> Resolved:
    """Find the collection (or the member of one) that the segments name, in one query."""
    if not segments:
        return Resolved(None, None)
    candidates = ["/".join(segments[: i + 1]) for i in range(len(segments))]
    found = {c.path: c for c in own_collections(owner_id, home, candidates)}
    full = candidates[-1]
    if full in found:
        return Resolved(found[full], None)
    parent = candidates[-2] if len(candidates) > 1 else None
    if parent in found:
        return Resolved(found[parent], segments[-1])
    return Resolved(None, None)


class NoResources:
    """Resolving in a home without resource calendars (the address book home)."""


NO_RESOURCES = NoResources()


def resolve_with_member(
    owner_id: int,
    segments: list[str],
    home: str = CALENDARS_HOME,
    *,
    resources_seen_by: int | None | NoResources = NO_RESOURCES,
) -> Resolved:
    """As `resolve`, with the object the path names read in the same query; with
    `resources_seen_by` (the login's employee id, None for a login without one), a
    resource calendar whose slug is the first segment, and that the login may see,
    comes first."""
    if not segments:
        return Resolved(None, None)
    candidates = ["/".join(segments[: i + 1]) for i in range(len(segments))]
    member_name = segments[-1] if len(segments) > 1 else None
    resource = (
        (segments[0], resources_seen_by)
        if not isinstance(resources_seen_by, NoResources) and len(segments) <= 2
        else None
    )
    rows = collections_with_member(owner_id, home, candidates, member_name, resource)
    for row in rows:
        if row.via_resource:
            if len(segments) == 1:
                return Resolved(row.collection, None)
            return Resolved(row.collection, member_name, row.member, member_read=True)
    found = {row.collection.path: row for row in rows}
    if candidates[-1] in found:
        return Resolved(found[candidates[-1]].collection, None)
    parent = found.get(candidates[-2]) if len(candidates) > 1 else None
    if parent is not None:
        return Resolved(parent.collection, member_name, parent.member, member_read=True)
    return Resolved(None, None)


def top_level(owner_id: int | None, home: str = CALENDARS_HOME) -> list[Collection]:
    return [
        c
        for c in Collection.select()
        .where((Collection.owner == owner_id) & (Collection.home == home))
        .order_by(Collection.path)
        if "/" not in c.path
    ]


def children(collection: Collection) -> list[Collection]:
    prefix = collection.path + "/"
    rows = Collection.select().where(_below(collection))
    return [c for c in rows if "/" not in c.path[len(prefix) :]]


def by_path(owner_id: int | None, path: str, home: str = CALENDARS_HOME) -> Collection | None:
    return Collection.get_or_none(
        (Collection.owner == owner_id) & (Collection.home == home) & (Collection.path == path)
    )


@dataclass(frozen=True)
class CollectionProperties:
    display_name: str | None = None
    description: str | None = None
    color: str | None = None
    sort_order: int | None = None
    timezone: str | None = None
    timezone_id: str | None = None
    components: tuple[str, ...] | None = None


def validate_properties(props: CollectionProperties) -> None:
    if props.color is not None and props.color and not _COLOR.match(props.color):
        raise InvalidProperty(code="calendar_colour_invalid")
    if props.components is not None:
        unknown = [c for c in props.components if c not in SUPPORTED_COMPONENTS]
        if unknown or not props.components:
            raise InvalidProperty(
                code="components_unsupported", components=", ".join(unknown) or "none given"
            )
    if props.display_name is not None and len(props.display_name) > 500:
        raise InvalidProperty(code="calendar_name_too_long")


def _field_values(props: CollectionProperties) -> dict[str, Any]:
    values = {}
    for field in ("display_name", "description", "color", "sort_order", "timezone", "timezone_id"):
        value = getattr(props, field)
        if value is not None:
            values[field] = value
    if props.components is not None:
        values["components"] = ",".join(props.components)
    return values


def create_collection(
    owner_id: int,
    path: str,
    kind: str,
    props: CollectionProperties | None = None,
    *,
    home: str = CALENDARS_HOME,
) -> Collection:
    """Create a calendar or plain collection at `path` (relative to the home)."""
    props = props or CollectionProperties()
    for segment in path.split("/"):
        check_segment(segment)
    validate_properties(props)
    with write_transaction():
        claim_home_name(home, path)
        if by_path(owner_id, path, home) is not None:
            raise AlreadyExists(code="collection_exists")
        if "/" in path:
            parent_path, name = path.rsplit("/", 1)
            parent = by_path(owner_id, parent_path, home)
            if parent is None:
                raise ParentMissing(code="parent_missing")
            if parent.kind != PLAIN:
                raise InvalidLocation(code="collection_in_calendar")
            if StoredObject.get_or_none(
                (StoredObject.collection == parent) & (StoredObject.name == name)
            ):
                raise AlreadyExists(code="resource_exists_here")
        now = time.time()
        values = dict(
            owner=owner_id,
            home=home,
            path=path,
            kind=kind,
            sync_epoch=secrets.token_hex(8),
            created=now,
            modified=now,
        )
        if kind == CALENDAR:
            values["components"] = ",".join(DEFAULT_COMPONENTS)
        values.update(_field_values(props))
        return Collection.create(**values)


def update_properties(
    collection_id: int, props: CollectionProperties, *, clear: Iterable[str] = ()
) -> None:
    """Set the given properties and reset the ones named in `clear` to unset."""
    validate_properties(props)
    values = _field_values(props)
    for field in clear:
        values[field] = None
    if not values:
        return
    values["modified"] = time.time()
    with write_transaction():
        Collection.update(**values).where(Collection.id == collection_id).execute()


def delete_collection(collection: Collection) -> None:
    """Delete a collection with everything below it."""
    with write_transaction():
        Collection.delete().where(
            (_same_home(collection) & (Collection.path == collection.path)) | _below(collection)
        ).execute()


def move_collection(collection: Collection, new_path: str) -> None:
    """Rename a collection (and everything below it) within the same home."""
    for segment in new_path.split("/"):
        check_segment(segment)
    with write_transaction():
        claim_home_name(collection.home, new_path)
        if (
            "/" in new_path
            and by_path(collection.owner_id, new_path.rsplit("/", 1)[0], collection.home) is None
        ):
            raise ParentMissing(code="destination_parent_missing")
        _rename_tree(collection, new_path)


def _rename_tree(collection: Collection, new_path: str) -> None:
    for row in list(Collection.select().where(_below(collection))):
        Collection.update(path=new_path + row.path[len(collection.path) :]).where(
            Collection.id == row.id
        ).execute()
    Collection.update(path=new_path, modified=time.time()).where(
        Collection.id == collection.id
    ).execute()


@dataclass(frozen=True)
class Renamed:
    owner_id: int | None
    old_path: str
    new_path: str


def rename_resource_namesakes() -> list[Renamed]:
    """Give every personal top-level collection of a calendar home that has a resource's
    slug as its name the next free name `<name>-2`, `<name>-3`, … with everything below it.

    Such collections were written before slugs and home names were one namespace; the
    resource's calendar hid them. Objects stay where they are (they belong to the
    collection row, not to its path). Run inside the upgrade's transaction.
    """
    slugs = {  # .tuples() rows: peewee's stubs still call them model instances
        slug for (slug,) in cast("Iterable[tuple[str]]", Resource.select(Resource.slug).tuples())
    }
    clashing = (
        Collection.select()
        .where(
            Collection.owner.is_null(False)
            & (Collection.home == CALENDARS_HOME)
            & Collection.path.in_(list(slugs))
        )
        .order_by(Collection.id)
    )
    renamed = []
    for collection in list(clashing) if slugs else []:
        taken = {c.path for c in top_level(collection.owner_id)} | slugs
        number = 2
        while f"{collection.path}-{number}" in taken:
            number += 1
        new_path = f"{collection.path}-{number}"
        _rename_tree(collection, new_path)
        renamed.append(Renamed(collection.owner_id, collection.path, new_path))
    return renamed
