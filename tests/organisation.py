"""Building an organisation for tests through the domain functions: a branch, employees,
accounts, resources and credentials, with unique names per call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
import requests

from resources.auth.credentials import create_credential
from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.employees import create_employee
from resources.organisation.resource_calendars import create_resource


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


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


def phone_login(base_url: str, org: Org, *, password: str | None = "secret-pw", **settings):
    """A credential for the org's account, and a requests session that uses it."""
    username = unique("phone")
    options = dict(service_classes_=("caldav",), confirmed=True)
    options.update(settings)
    create_credential(
        username,
        password,
        account=settings.pop("account", org.account_id),
        branch=org.branch_id,
        **{k: v for k, v in options.items() if k != "account"},
    )
    session = requests.Session()
    session.auth = (username, password or "")
    return username, session


@pytest.fixture(scope="module")
def org(server) -> Org:
    """Branches, employees, rooms and logins for one test module."""
    return build_org()
