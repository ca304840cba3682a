"""Dead properties (RFC 4918 §4): properties clients store on collections and objects."""

from __future__ import annotations

from collections import defaultdict

from resources.store.database import write_transaction
from resources.store.models import DeadProperty

MAX_PROPERTY_BYTES = 64 * 1024


def for_collection(collection_id: int) -> dict[str, str]:
    rows = DeadProperty.select(DeadProperty.name, DeadProperty.value).where(
        DeadProperty.collection == collection_id
    )
    return {row.name: row.value for row in rows}


def for_collections(collection_ids: list[int]) -> dict[int, dict[str, str]]:
    """Dead properties of many collections in one query (for home listings)."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    if not collection_ids:
        return found
    rows = DeadProperty.select(
        DeadProperty.collection, DeadProperty.name, DeadProperty.value
    ).where(DeadProperty.collection.in_(collection_ids))
    for row in rows:
        found[row.collection_id][row.name] = row.value  # type: ignore[index]  # never NULL here
    return found


def for_objects(object_ids: list[int]) -> dict[int, dict[str, str]]:
    """Dead properties of many objects in one query (for Depth 1 listings)."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    if not object_ids:
        return found
    rows = DeadProperty.select(
        DeadProperty.stored_object, DeadProperty.name, DeadProperty.value
    ).where(DeadProperty.stored_object.in_(object_ids))
    for row in rows:
        found[row.stored_object_id][row.name] = row.value  # type: ignore[index]  # never NULL here
    return found


def put(
    *, name: str, value: str, collection_id: int | None = None, object_id: int | None = None
) -> None:
    with write_transaction():
        remove(name=name, collection_id=collection_id, object_id=object_id)
        DeadProperty.create(
            collection=collection_id, stored_object=object_id, name=name, value=value
        )


def remove(*, name: str, collection_id: int | None = None, object_id: int | None = None) -> None:
    with write_transaction():
        owner = (
            (DeadProperty.collection == collection_id)
            if collection_id
            else (DeadProperty.stored_object == object_id)
        )
        DeadProperty.delete().where(owner & (DeadProperty.name == name)).execute()
