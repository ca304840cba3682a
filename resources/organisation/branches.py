"""Branches (shops, practices, offices): where appointments made on a device go."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee

from resources.auth import audit
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.organisation import opening_hours
from resources.organisation.field_changes import (
    InUse,
    counted,
    describe,
    listed,
    refuse_unknown,
)
from resources.store.database import write_transaction
from resources.store.models import StoredObject
from resources.store.organisation import Branch, Employee, Resource, ServiceCredential

DEFAULT_TIMEZONE = "Europe/Berlin"
BRANCH_FIELDS = ("name", "address", "timezone", "opening_hours")
ADDRESS_MAX = 2000  # a postal address is a few lines; room for directions, not for a document


def check_address(address: str) -> None:
    if len(address) > ADDRESS_MAX:
        raise InvalidProperty(code="address_too_long", field="address", max=ADDRESS_MAX)


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProperty(code="not_a_time_zone", field="timezone", name=name) from None


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidProperty(code="branch_name_length", field="name")
    return name


def _refuse_taken_name(name: str, except_id: int | None = None) -> None:
    """Branch names are unique without regard to case."""
    query = Branch.select().where(peewee.fn.LOWER(Branch.name) == name.lower())
    if except_id is not None:
        query = query.where(Branch.id != except_id)
    if query.exists():
        raise AlreadyExists(code="branch_name_taken", field="name", name=name)


def create_branch(
    name: str,
    address: str = "",
    timezone: str = DEFAULT_TIMEZONE,
    *,
    hours: str = "",
    actor: str = "system",
) -> Branch:
    """A new branch; `hours` are its opening hours (opening_hours.py), "" always open."""
    name = _checked_name(name)
    check_timezone(timezone)
    check_address(address)
    hours = opening_hours.normalised(hours)
    with write_transaction():
        _refuse_taken_name(name)
        try:
            branch = Branch.create(
                name=name,
                address=address,
                timezone=timezone,
                opening_hours=hours,
                created=time.time(),
            )
        except peewee.IntegrityError:
            raise AlreadyExists(code="branch_name_taken", field="name", name=name) from None
        audit.record(actor, "branch.create", name)
    return branch


def list_branches() -> list[Branch]:
    return list(Branch.select().order_by(Branch.name))


def get_branch(branch_id: int) -> Branch:
    branch = Branch.get_or_none(Branch.id == branch_id)
    if branch is None:
        raise NotFound(code="no_branch_with_id", id=branch_id)
    return branch


def update_branch(branch_id: int, changes: Mapping[str, Any], *, actor: str = "system") -> Branch:
    """Rename, move or re-zone a branch (the zone decides where validity dates are read),
    or change its opening hours."""
    branch = get_branch(branch_id)
    refuse_unknown(changes, BRANCH_FIELDS)
    values = dict(changes)
    if "name" in values:
        values["name"] = _checked_name(values["name"])
    if "timezone" in values:
        check_timezone(values["timezone"])
    if "address" in values:
        check_address(values["address"])
    if "opening_hours" in values:
        values["opening_hours"] = opening_hours.normalised(values["opening_hours"])
    with write_transaction():
        if "name" in values:
            _refuse_taken_name(values["name"], except_id=branch.id)
        if values:
            Branch.update(**values).where(Branch.id == branch.id).execute()
        audit.record(actor, "branch.update", branch.name, describe(values))
    return get_branch(branch.id)


def _branch_users(branch_id: int) -> list[str]:
    counts = (
        (Employee.select().where(Employee.home_branch == branch_id).count(), "employee"),
        (Resource.select().where(Resource.branch == branch_id).count(), "resource"),
        (ServiceCredential.select().where(ServiceCredential.branch == branch_id).count(), "login"),
        (StoredObject.select().where(StoredObject.branch == branch_id).count(), "appointment"),
    )
    return [counted(count, noun) for count, noun in counts if count]


def delete_branch(branch_id: int, *, actor: str = "system") -> None:
    """Delete a branch nothing refers to any more; otherwise InUse says what does."""
    branch = get_branch(branch_id)
    with write_transaction():
        users = _branch_users(branch.id)
        if users:
            raise InUse(code="branch_still_used", name=branch.name, users=listed(users))
        branch.delete_instance()
        audit.record(actor, "branch.delete", branch.name)


def default_branch() -> Branch:
    """The first branch, created as "Main" on an empty database (for the command line)."""
    branch = Branch.select().order_by(Branch.id).first()
    return branch or create_branch("Main")
