"""Building an organisation for tests through the domain functions: a branch, employees,
accounts, resources and credentials, with unique names per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.employees import create_employee
from resources.organisation.resource_calendars import create_resource
from tests.logins import credential_session, unique


@dataclass
class Org:
    branch_id: int
    employee_id: int
    other_employee_id: int
    account_id: int
    slugs: dict[str, str] = field(default_factory=dict)  # role -> slug


def build_org(timezone: str = "Europe/Berlin") -> Org:
    branch = create_branch(unique("Filiale"), timezone=timezone)
    me = create_employee("Erika", unique("Muster"), home_branch=branch.id)
    other = create_employee("Otto", unique("Other"), home_branch=branch.id)
    account = create_account(unique("acct"), employee=me.id)
    org = Org(branch.id, me.id, other.id, account.id)
    specs = {
        "own_person": dict(kind="person", employee=me.id, sync_allowed=True),
        "other_person": dict(kind="person", employee=other.id, sync_allowed=True),
        "room_on": dict(kind="room", sync_allowed=True),
        "room_off": dict(kind="room", sync_allowed=False),
        "room_inactive": dict(kind="room", sync_allowed=True, active=False),
    }
    for role, spec in specs.items():
        slug = unique(role.replace("_", "-"))
        kind = spec.pop("kind")
        create_resource(kind, role.replace("_", " ").title(), slug, branch=branch.id, **spec)
        org.slugs[role] = slug
    return org


def phone_login(
    base_url: str, org: Org, *, password: str | None = "secret-pw", **settings: Any
) -> tuple[str, requests.Session]:
    """A CalDAV credential for the org's account, and a requests session that uses it."""
    username = unique("phone")
    settings.setdefault("account", org.account_id)
    settings.setdefault("service_classes_", ("caldav",))
    session = credential_session(username, password, branch=org.branch_id, **settings)
    return username, session


@pytest.fixture(scope="module")
def org(server) -> Org:
    """Branches, employees, rooms and logins for one test module."""
    return build_org()
