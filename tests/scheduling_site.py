"""A small organisation for the free-busy and principal search tests, built through the
domain functions with unique names: a login whose employee has an e-mail and a person
resource, rooms it sees (one in a branch with opening hours), a room with sync off and a
colleague's person resource it may not see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.employees import create_employee
from resources.organisation.resource_calendars import create_resource
from tests.logins import Login, make_login, unique

MAIL_DOMAIN = "resources.invalid"  # the server's default scheduling_mail_domain
HOURS = "Mo-Fr 08:00-18:00; Sa 09:00-13:00"


@dataclass
class Site:
    login: Login
    email: str  # the login's employee's e-mail
    colleague_email: str
    word: str  # part of every room name here, so searches find only this module's rooms
    slugs: dict[str, str]  # role -> slug
    names: dict[str, str]  # role -> resource name

    def address(self, role: str) -> str:
        return f"mailto:{self.slugs[role]}@{MAIL_DOMAIN}"

    def calendar_path(self, role: str) -> str:
        return f"{self.login.home_path}{self.slugs[role]}/"


def build_site(server: Any) -> Site:
    word = unique("Saal").replace("-", "")
    open_branch = create_branch(unique("Filiale"))
    hours_branch = create_branch(unique("Filiale"), hours=HOURS)
    email, colleague_email = f"{unique('erika')}@example.com", f"{unique('otto')}@example.com"
    me = create_employee("Erika", unique("Muster"), email, open_branch.id)
    colleague = create_employee("Otto", unique("Kollege"), colleague_email, open_branch.id)
    account = create_account(unique("acct"), employee=me.id)
    specs: dict[str, dict[str, Any]] = {
        "room": dict(kind="room", name=f"{word} Blau", branch=open_branch.id, sync_allowed=True),
        "hours_room": dict(
            kind="room", name=f"{word} Rot", branch=hours_branch.id, sync_allowed=True
        ),
        "hidden_room": dict(kind="room", name=f"{word} Grau", branch=open_branch.id),
        "own_person": dict(kind="person", name=f"Erika {word}", employee=me.id, sync_allowed=True),
        "colleague": dict(
            kind="person", name=f"Otto {word}", employee=colleague.id, sync_allowed=True
        ),
    }
    slugs, names = {}, {}
    for role, spec in specs.items():
        # Rooms a login sees are "room-on-...": tests/test_access_matrix.py tells by this
        # prefix that another module's room with sync on is what it sees on a shared server.
        prefix = {"room": "room-on", "hours_room": "room-on-hours"}.get(
            role, role.replace("_", "-")
        )
        slug = unique(prefix)
        kind, name = spec.pop("kind"), spec.pop("name")
        create_resource(kind, name, slug, **spec)
        slugs[role], names[role] = slug, name
    login = make_login(server, "fb", account=account.id)
    return Site(login, email, colleague_email, word, slugs, names)
