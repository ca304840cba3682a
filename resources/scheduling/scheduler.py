"""Who schedules: the signed-in login as implicit scheduling needs to know it, and the
role it plays in a calendar object (RFC 6638 §3.1 organizer or attendee)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import icalendar

from resources.scheduling import itip
from resources.scheduling.calendar_users import CalendarUser, find_calendar_user, login_addresses

ORGANIZER, ATTENDEE = "organizer", "attendee"


@dataclass(frozen=True)
class Scheduler:
    """The login writing a scheduling object, and what the protocol layer knows of the
    server: its principal URL, where principals live, the resources' mail domain."""

    credential_id: int
    username: str
    account_id: int | None
    employee_id: int | None
    branch_id: int | None
    principal_url: str
    principal_prefix: str
    mail_domain: str
    max_size: int
    # Who each address names, as found during this request (one lookup per address).
    _users: dict[str, CalendarUser | None] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def addresses(self) -> frozenset[str]:
        found = login_addresses(self.username, self.employee_id, self.principal_url)
        return frozenset(itip.normalised(a) for a in found)

    def user(self, address: str) -> CalendarUser | None:
        key = itip.normalised(address)
        if key not in self._users:
            self._users[key] = find_calendar_user(address, self.mail_domain, self.principal_prefix)
        return self._users[key]

    def is_me(self, address: str) -> bool:
        if itip.normalised(address) in self.addresses:
            return True
        user = self.user(address)
        return user is not None and self.credential_id in user.credential_ids


def role(calendar: icalendar.Calendar | None, scheduler: Scheduler) -> tuple[str, str] | None:
    """(ORGANIZER or ATTENDEE, the login's normalised address) if the object is a
    scheduling object resource the login organizes or attends, else None."""
    if calendar is None:
        return None
    organizer = itip.organizer(calendar)
    if organizer is None:
        return None
    attendees = itip.attendees(calendar)
    if scheduler.is_me(organizer):
        others = [a for a in attendees if a != itip.normalised(organizer)]
        return (ORGANIZER, itip.normalised(organizer)) if others else None
    for address, attendee in attendees.items():
        if address in scheduler.addresses or scheduler.is_me(str(attendee)):
            return ATTENDEE, address
    return None
