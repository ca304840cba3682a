"""Resources (people and rooms) and their one calendar each (seed 003)."""

from __future__ import annotations

import re
import secrets
import time

import peewee

from resources import audit
from resources.access import visibility_condition
from resources.calendar_collections import CALENDAR
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.store.database import write_transaction
from resources.store.models import Collection
from resources.store.organisation import Employee, Resource

KINDS = ("person", "room")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")


def check_resource(kind: str, slug: str, employee: int | None, colour: str) -> None:
    if kind not in KINDS:
        raise InvalidProperty("A resource is either a 'person' or a 'room'.")
    if not _SLUG.match(slug or ""):
        raise InvalidProperty("A slug uses lower-case letters, digits and inner hyphens only (e.g. raum-1).")
    if kind == "person" and employee is None:
        raise InvalidProperty("A person resource needs an employee.")
    if kind == "room" and employee is not None:
        raise InvalidProperty("A room resource cannot have an employee.")
    if employee is not None and not Employee.get_or_none(Employee.id == employee):
        raise NotFound("There is no such employee.")
    if not _COLOUR.match(colour or ""):
        raise InvalidProperty("A colour looks like #RRGGBB.")


def find_resource(slug: str) -> Resource | None:
    return Resource.get_or_none(Resource.slug == slug)


def create_resource(
    kind: str,
    name: str,
    slug: str,
    *,
    employee: int | None = None,
    branch: int | None = None,
    colour: str = "#3A7BD5",
    sync_allowed: bool = False,
    active: bool = True,
    actor: str = "system",
) -> Resource:
    """Create a resource together with its calendar."""
    if not name.strip():
        raise InvalidProperty("A resource needs a name.")
    check_resource(kind, slug, employee, colour)
    with write_transaction():
        if find_resource(slug):
            raise AlreadyExists(f"The slug {slug!r} is taken.")
        try:
            resource = Resource.create(kind=kind, name=name.strip(), slug=slug, employee=employee, branch=branch,
                                       colour=colour, sync_allowed=sync_allowed, active=active, created=time.time())
        except peewee.IntegrityError:
            raise AlreadyExists(f"The slug {slug!r} is taken.") from None
        now = time.time()
        Collection.create(resource=resource.id, owner=None, path=slug, kind=CALENDAR, display_name=resource.name,
                          color=colour, components="VEVENT,VTODO", sync_epoch=secrets.token_hex(8),
                          created=now, modified=now)
        audit.record(actor, "resource.create", slug, f"kind={kind} sync_allowed={sync_allowed}")
    return resource


def set_sync_allowed(slug: str, allowed: bool, *, actor: str = "system") -> None:
    """Switch a resource's calendar on or off for every device at once; its data stays."""
    resource = find_resource(slug)
    if resource is None:
        raise NotFound(f"There is no resource {slug!r}.")
    with write_transaction():
        Resource.update(sync_allowed=allowed).where(Resource.id == resource.id).execute()
        audit.record(actor, "resource.sync_allowed", slug, f"sync_allowed={allowed}")


def resource_calendar(resource_id: int) -> Collection:
    return Collection.get(Collection.resource == resource_id)


def visible_calendars(employee_id: int | None, slug: str | None = None) -> list[Collection]:
    """Calendars of the resources a login with this employee sees (one query)."""
    query = (
        Collection.select(Collection, Resource)
        .join(Resource, on=(Collection.resource == Resource.id))
        .where(visibility_condition(employee_id))
        .order_by(Resource.kind, Resource.name)
    )
    if slug is not None:
        query = query.where(Resource.slug == slug)
    return list(query)
