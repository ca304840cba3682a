"""Branches (shops, practices, offices): where appointments made on a device go."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee

from resources import audit
from resources.errors import AlreadyExists, InvalidProperty
from resources.store.database import write_transaction
from resources.store.organisation import Branch

DEFAULT_TIMEZONE = "Europe/Berlin"


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProperty(f"{name!r} is not an IANA time zone such as Europe/Berlin.") from None


def create_branch(name: str, address: str = "", timezone: str = DEFAULT_TIMEZONE, *, actor: str = "system") -> Branch:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidProperty("A branch needs a name of 1 to 200 characters.")
    check_timezone(timezone)
    with write_transaction():
        if Branch.get_or_none(Branch.name == name):
            raise AlreadyExists(f"There is already a branch named {name!r}.")
        try:
            branch = Branch.create(name=name, address=address, timezone=timezone, created=time.time())
        except peewee.IntegrityError:
            raise AlreadyExists(f"There is already a branch named {name!r}.") from None
        audit.record(actor, "branch.create", name)
    return branch


def default_branch() -> Branch:
    """The first branch, created as "Main" on an empty database (for the command line)."""
    branch = Branch.select().order_by(Branch.id).first()
    return branch or create_branch("Main")
