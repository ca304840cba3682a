"""Calendar users and their addresses (RFC 6638 §2.4.1 calendar-user-address-set):
resources (rooms and persons) and logins, and the way back from an address to the
calendar user it names.

A resource has a non-routable `urn:uuid:` address, stable for its slug (which never
changes), and `mailto:<slug>@<mail domain>`; a person resource answers to its
employee's e-mail too. A login has the mailto: of its employee's e-mail, its user name
when that is an address, and its principal URL (given by the protocol layer, which
owns the URL space).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote

import peewee

from resources.auth.access import visibility_condition
from resources.store.hot_queries import anyone_has_email
from resources.store.organisation import Employee, Resource, ServiceCredential, UserAccount

# Fixed for ever: resource addresses derive from it, and clients keep them.
RESOURCE_NAMESPACE = uuid.UUID("7c1f7f2e-3a5b-5d0c-9e57-4f3b8d2a6e10")
ROOM = "ROOM"
INDIVIDUAL = "INDIVIDUAL"
DEFAULT_MAIL_DOMAIN = "resources.invalid"
RESOURCE_PRINCIPALS = "resources"  # below the principal prefix: resources/<slug>/


@dataclass(frozen=True)
class CalendarUser:
    """Whom an address names on this server: a resource (room or person), a login, or both
    (a person resource and the logins of its employee)."""

    address: str
    cutype: str  # ROOM or INDIVIDUAL
    name: str
    resource_id: int | None = None  # the resource whose calendar receives invitations
    credential_ids: tuple[int, ...] = ()  # logins whose inboxes receive the messages
    found_row: Resource | None = field(default=None, compare=False, repr=False)

    @property
    def resource(self) -> Resource | None:
        """The resource's row: the one the lookup read, else read now."""
        if self.resource_id is None:
            return None
        if self.found_row is not None:
            return self.found_row
        return Resource.get_or_none(Resource.id == self.resource_id)

    @property
    def is_room(self) -> bool:
        return self.cutype == ROOM


def resource_uuid(slug: str) -> str:
    return f"urn:uuid:{uuid.uuid5(RESOURCE_NAMESPACE, 'resource:' + slug)}"


def resource_cutype(resource: Resource) -> str:
    return INDIVIDUAL if resource.kind == "person" else ROOM


def resource_addresses(resource: Resource, mail_domain: str) -> list[str]:
    """The resource's addresses, the preferred (routable within this server) first."""
    addresses = [f"mailto:{resource.slug}@{mail_domain}", resource_uuid(resource.slug)]
    email = _employee_email(resource.employee_id) if resource.kind == "person" else ""
    if email:
        addresses.insert(0, f"mailto:{email}")
    return addresses


def login_addresses(username: str, employee_id: int | None, principal_url: str) -> list[str]:
    """A login's addresses: its employee's e-mail, its name if it is one, its principal."""
    addresses = []
    email = _employee_email(employee_id)
    if email:
        addresses.append(f"mailto:{email}")
    if "@" in username and username.casefold() != email.casefold():
        addresses.append(f"mailto:{username}")
    addresses.append(principal_url)
    return addresses


def _account_employee(account_id: int | None) -> int | None:
    if account_id is None:
        return None
    employee: int | None = (
        UserAccount.select(UserAccount.employee).where(UserAccount.id == account_id).scalar()
    )
    return employee


def _employee_email(employee_id: int | None) -> str:
    if employee_id is None:
        return ""
    email = Employee.select(Employee.email).where(Employee.id == employee_id).scalar()
    return (email or "").strip()


def mailto(address: str) -> str | None:
    """The e-mail of a mailto: address, casefolded; None for other schemes."""
    if address[:7].lower() != "mailto:":
        return None
    return unquote(address[7:]).strip().casefold() or None


def find_calendar_user(
    address: str, mail_domain: str, principal_prefix: str = ""
) -> CalendarUser | None:
    """The calendar user on this server whom `address` names, or None (someone elsewhere)."""
    address = address.strip()
    if address.lower().startswith("urn:uuid:"):
        return _resource_by_uuid(address)
    email = mailto(address)
    if email is not None:
        local, _, domain = email.rpartition("@")
        if domain == mail_domain.casefold():
            resource = Resource.get_or_none(Resource.slug == local)
            if resource is not None:
                return _resource_user(address, resource)
        return _person_by_email(address, email)
    if principal_prefix and principal_prefix in address:
        named = unquote(address.split(principal_prefix, 1)[1]).strip("/")
        if named.startswith(RESOURCE_PRINCIPALS + "/"):
            resource = Resource.get_or_none(Resource.slug == named.split("/", 1)[1])
            return _resource_user(address, resource) if resource is not None else None
        return _login_by_username(address, named)
    return None


def _resource_by_uuid(address: str) -> CalendarUser | None:
    wanted = address.lower()
    for resource in Resource.select().where(Resource.active):
        if resource_uuid(resource.slug) == wanted:
            return _resource_user(address, resource)
    return None


def _resource_user(address: str, resource: Resource) -> CalendarUser | None:
    if not resource.active:
        return None
    credentials = _credentials_of_employee(resource.employee_id) if resource.employee_id else ()
    return CalendarUser(
        address, resource_cutype(resource), resource.name, resource.id, credentials, resource
    )


def _person_by_email(address: str, email: str) -> CalendarUser | None:
    if not anyone_has_email(email):
        return None  # someone elsewhere: most attendees of most events
    employee = (
        Employee.select()
        .where((Employee.active) & (Employee.email != ""))
        .where(peewee.fn.lower(Employee.email) == peewee.fn.lower(email))
        .first()
    )
    if employee is not None:
        person = Resource.get_or_none(
            (Resource.kind == "person") & (Resource.employee == employee.id) & Resource.active
        )
        credentials = _credentials_of_employee(employee.id)
        if person is not None or credentials:
            name = f"{employee.first_name} {employee.last_name}".strip()
            return CalendarUser(
                address, INDIVIDUAL, name, person.id if person else None, credentials
            )
    login = ServiceCredential.get_or_none(ServiceCredential.username_key == email)
    if login is None:
        return None
    return CalendarUser(
        address, INDIVIDUAL, login.display_name or login.username, None, (login.id,)
    )


def _login_by_username(address: str, username: str) -> CalendarUser | None:
    login = ServiceCredential.get_or_none(ServiceCredential.username_key == username.casefold())
    if login is None:
        return None
    person = None
    employee = _account_employee(login.account_id)
    if employee is not None:
        person = Resource.get_or_none(
            (Resource.kind == "person") & (Resource.employee == employee) & Resource.active
        )
    return CalendarUser(
        address,
        INDIVIDUAL,
        login.display_name or login.username,
        person.id if person else None,
        (login.id,),
    )


def _credentials_of_employee(employee_id: int | None) -> tuple[int, ...]:
    if employee_id is None:
        return ()
    rows = (
        ServiceCredential.select(ServiceCredential.id)
        .join(UserAccount, on=(ServiceCredential.account == UserAccount.id))
        .where(UserAccount.employee == employee_id)
        .order_by(ServiceCredential.id)
    )
    return tuple(row.id for row in rows)


def visible_resources(employee_id: int | None) -> list[Resource]:
    """The resources whose principals a login with this employee may see (access rules)."""
    return list(
        Resource.select()
        .where(visibility_condition(employee_id))
        .order_by(Resource.kind, Resource.name)
    )


def visible_resource(slug: str, employee_id: int | None) -> Resource | None:
    found: Resource | None = (
        Resource.select().where((Resource.slug == slug) & visibility_condition(employee_id)).first()
    )
    return found
