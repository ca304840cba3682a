"""An organisation for the scheduling tests: people with e-mail, person calendars and
logins, rooms with booking policies; and iCalendar invitations to send between them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import requests

from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.employees import create_employee
from resources.organisation.resource_calendars import create_resource
from resources.scheduling.booking_policy import set_policy
from resources.store.organisation import Resource
from tests.logins import credential_session, new_password, unique

MAIL_DOMAIN = "resources.invalid"  # the server's default scheduling_mail_domain
ACCOUNT_PASSWORD = "account-secret-1"


@dataclass
class Person:
    email: str
    username: str
    password: str
    account_id: int
    account_login: str  # signs in to the admin UI and the API with ACCOUNT_PASSWORD
    slug: str  # the person resource
    http: requests.Session
    base_url: str

    @property
    def calendar(self) -> str:
        return f"/dav/calendars/{self.username}/{self.slug}/"

    def request(self, method: str, path: str, body: str | bytes | None = None, **headers: str):
        if isinstance(body, str):
            body = body.encode()
        return self.http.request(method, self.base_url + path, data=body, headers=headers)

    def put(self, path: str, body: str, **headers: str):
        return self.request("PUT", path, body, **{"Content-Type": "text/calendar", **headers})

    def get(self, path: str) -> str:
        r = self.request("GET", path)
        assert r.status_code == 200, (r.status_code, path, r.text[:300])
        return r.text


@dataclass
class SchedulingOrg:
    branch_id: int
    people: dict[str, Person] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)  # role -> slug


def _person(base_url: str, branch_id: int, first: str) -> Person:
    email = f"{unique(first.lower())}@example.org"
    employee = create_employee(first, unique("Test"), email=email, home_branch=branch_id)
    account_login = unique(first.lower())
    account = create_account(account_login, employee=employee.id, password=ACCOUNT_PASSWORD)
    slug = unique(first.lower())
    create_resource(
        "person", first, slug, employee=employee.id, branch=branch_id, sync_allowed=True
    )
    username, password = unique(f"{first.lower()}-phone"), new_password()
    session = credential_session(
        username, password, account=account.id, branch=branch_id, service_classes_=("caldav",)
    )
    return Person(email, username, password, account.id, account_login, slug, session, base_url)


def build_scheduling_org(base_url: str, delegate_account: int | None = None) -> SchedulingOrg:
    branch = create_branch(unique("Sched"), timezone="Europe/Berlin")
    org = SchedulingOrg(branch.id)
    for first in ("Anna", "Ben", "Dora"):
        org.people[first.lower()] = _person(base_url, branch.id, first)
    policies = {
        "free": {},
        "pair": {"capacity": 2},
        "manual": {"mode": "manual", "delegate": org.people["dora"].account_id},
        "window": {"window_days": 30},
        "closed": {"mode": "always_decline"},
    }
    for role, policy in policies.items():
        slug = unique(f"room-{role}")
        room = create_resource("room", f"Room {role}", slug, branch=branch.id, sync_allowed=True)
        if policy:
            set_policy(room, policy, actor="tests")
        org.rooms[role] = slug
    hidden = unique("room-hidden")
    create_resource("room", "Hidden room", hidden, branch=branch.id, sync_allowed=False)
    org.rooms["hidden"] = hidden
    return org


def forget_rooms(org: SchedulingOrg) -> None:
    """Rooms with sync on appear in every login's home: switch them off after the module."""
    Resource.update(sync_allowed=False).where(Resource.slug.in_(list(org.rooms.values()))).execute()


def room_address(slug: str) -> str:
    return f"mailto:{slug}@{MAIL_DOMAIN}"


def invitation(
    organizer: str,
    attendees: list[str],
    *,
    uid: str | None = None,
    start: str = "20300107T090000Z",
    end: str = "20300107T100000Z",
    summary: str = "Team meeting",
    extra: str = "",
) -> str:
    uid = uid or str(uuid.uuid4())
    lines = "".join(f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{a}\r\n" for a in attendees)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\nORGANIZER:mailto:{organizer}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{organizer}\r\n{lines}{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
