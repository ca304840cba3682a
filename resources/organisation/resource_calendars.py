"""Resources (people and rooms) and their one calendar each (seed 003)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

import peewee

from resources.auth import audit
from resources.auth.access import visibility_condition
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.objects.calendar_collections import CALENDAR, CALENDARS_HOME
from resources.organisation.field_changes import describe, refuse_unknown
from resources.store.database import lock_name, write_transaction
from resources.store.models import Collection, StoredObject
from resources.store.organisation import Branch, Employee, Resource, ServiceCredential

KINDS = ("person", "room")
RESOURCE_FIELDS = ("kind", "name", "employee", "branch", "colour", "sync_allowed", "active")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
SLUG_IS_STABLE = (
    "A resource's short name cannot be changed after saving: phones use it in their calendar URL. "
    "Create a new resource instead."
)


def check_resource(kind: str, slug: str, employee: int | None, colour: str) -> None:
    if kind not in KINDS:
        raise InvalidProperty("A resource is either a 'person' or a 'room'.")
    if not _SLUG.match(slug or ""):
        raise InvalidProperty(
            "A short name uses lower-case letters, digits and inner hyphens only (e.g. raum-1)."
        )
    if kind == "person" and employee is None:
        raise InvalidProperty("A person resource needs an employee.")
    if kind == "room" and employee is not None:
        raise InvalidProperty("A room resource cannot have an employee.")
    if employee is not None and not Employee.get_or_none(Employee.id == employee):
        raise NotFound("There is no such employee.")
    if not _COLOUR.match(colour or ""):
        raise InvalidProperty("A colour looks like #RRGGBB.")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidProperty("A resource needs a name of 1 to 200 characters.")
    return name


def _check_branch(branch: int | None) -> None:
    if branch is not None and not Branch.get_or_none(Branch.id == branch):
        raise NotFound(f"There is no branch with id {branch}.")


def _refuse_personal_namesake(slug: str) -> None:
    """A slug that is the name of a login's own calendar (or collection) would hide it:
    the resource's calendar is found at /dav/calendars/<login>/<slug>/ too."""
    holder = (
        ServiceCredential.select(ServiceCredential.username)
        .join(Collection, on=(Collection.owner == ServiceCredential.id))
        .where((Collection.home == CALENDARS_HOME) & (Collection.path == slug))
        .order_by(ServiceCredential.username_key)
        .first()
    )
    if holder is not None:
        raise AlreadyExists(
            f"The short name {slug!r} is the name of a personal calendar of the login {holder.username!r}; "
            "choose another short name."
        )


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
    name = _check_name(name)
    check_resource(kind, slug, employee, colour)
    _check_branch(branch)
    with write_transaction():
        lock_name(slug)
        if find_resource(slug):
            raise AlreadyExists(f"The short name {slug!r} is taken.")
        _refuse_personal_namesake(slug)
        try:
            resource = Resource.create(
                kind=kind,
                name=name,
                slug=slug,
                employee=employee,
                branch=branch,
                colour=colour,
                sync_allowed=sync_allowed,
                active=active,
                created=time.time(),
            )
        except peewee.IntegrityError:
            raise AlreadyExists(f"The short name {slug!r} is taken.") from None
        now = time.time()
        Collection.create(
            resource=resource.id,
            owner=None,
            path=slug,
            kind=CALENDAR,
            display_name=resource.name,
            color=colour,
            components="VEVENT,VTODO",
            sync_epoch=secrets.token_hex(8),
            created=now,
            modified=now,
        )
        audit.record(
            actor,
            "resource.create",
            slug,
            f"kind={kind} sync_allowed={sync_allowed} active={active}",
        )
    return resource


def list_resources() -> list[Resource]:
    return list(Resource.select().order_by(Resource.slug))


def get_resource(slug: str) -> Resource:
    resource = find_resource(slug)
    if resource is None:
        raise NotFound(f"There is no resource {slug!r}.")
    return resource


def _checked_changes(resource: Resource, changes: Mapping[str, Any]) -> dict[str, Any]:
    if "slug" in changes and changes["slug"] != resource.slug:
        raise InvalidProperty(SLUG_IS_STABLE)
    values = {k: v for k, v in changes.items() if k != "slug"}
    refuse_unknown(values, RESOURCE_FIELDS)
    if "name" in values:
        values["name"] = _check_name(values["name"])
    kind = values.get("kind", resource.kind)
    employee = values.get("employee", resource.employee_id)
    if "kind" in values and kind == "room" and "employee" not in values:
        employee = values["employee"] = (
            None  # a person turned into a room leaves its employee behind
        )
    check_resource(kind, resource.slug, employee, values.get("colour", resource.colour))
    if "branch" in values:
        _check_branch(values["branch"])
    return values


def update_resource(slug: str, changes: Mapping[str, Any], *, actor: str = "system") -> Resource:
    """Change a resource; switching sync_allowed or active takes effect on every device at once.

    The slug is stable: an attempt to change it is refused.
    """
    resource = get_resource(slug)
    values = _checked_changes(resource, changes)
    with write_transaction():
        if values:
            Resource.update(**values).where(Resource.id == resource.id).execute()
        calendar = {"display_name": values.get("name"), "color": values.get("colour")}
        calendar = {k: v for k, v in calendar.items() if v is not None}
        if calendar:
            Collection.update(**calendar).where(Collection.resource == resource.id).execute()
        audit.record(actor, "resource.update", slug, describe(values))
    return get_resource(slug)


def delete_resource(slug: str, *, actor: str = "system") -> None:
    """Delete a resource with its calendar and every appointment in it."""
    resource = get_resource(slug)
    with write_transaction():
        calendar = Collection.get_or_none(Collection.resource == resource.id)
        appointments = 0
        if calendar is not None:
            appointments = (
                StoredObject.select().where(StoredObject.collection == calendar.id).count()
            )
            calendar.delete_instance()
        resource.delete_instance()
        audit.record(actor, "resource.delete", slug, f"appointments deleted={appointments}")


def set_sync_allowed(slug: str, allowed: bool, *, actor: str = "system") -> None:
    """Switch a resource's calendar on or off for every device at once; its data stays."""
    resource = get_resource(slug)
    with write_transaction():
        Resource.update(sync_allowed=allowed).where(Resource.id == resource.id).execute()
        audit.record(actor, "resource.sync_allowed", slug, f"sync_allowed={allowed}")


def resource_calendar(resource_id: int) -> Collection:
    return Collection.get(Collection.resource == resource_id)


def visible_calendars(employee_id: int | None) -> list[Collection]:
    """Calendars of the resources a login with this employee sees (one query)."""
    query = (
        Collection.select(Collection, Resource)
        .join(Resource, on=(Collection.resource == Resource.id))
        .where(visibility_condition(employee_id))
        .order_by(Resource.kind, Resource.name)
    )
    return list(query)
