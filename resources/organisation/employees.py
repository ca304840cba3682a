"""Employees: the people behind person resources and user accounts."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import peewee

from resources.auth import audit
from resources.errors import InvalidProperty, NotFound
from resources.organisation.field_changes import InUse, describe, listed, refuse_unknown
from resources.store.database import write_transaction
from resources.store.organisation import Branch, Employee, Resource, UserAccount

EMPLOYEE_FIELDS = ("first_name", "last_name", "email", "home_branch", "active")
NAME_MAX = 200
EMAIL_MAX = 320


def full_name(employee: Employee) -> str:
    return f"{employee.first_name} {employee.last_name}".strip()


def _check(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stripped, checked values; a missing home branch is refused."""
    checked = dict(values)
    for field, limit in (("first_name", NAME_MAX), ("last_name", NAME_MAX), ("email", EMAIL_MAX)):
        if field in checked:
            checked[field] = checked[field].strip()
            if len(checked[field]) > limit:
                raise InvalidProperty(code=f"{field}_too_long", field=field, limit=limit)
    if checked.get("email") and "@" not in checked["email"]:
        raise InvalidProperty(code="email_needs_at", field="email")
    branch = checked.get("home_branch")
    if branch is not None and not Branch.get_or_none(Branch.id == branch):
        raise NotFound(code="no_branch_with_id", field="home_branch", id=branch)
    return checked


def create_employee(
    first_name: str,
    last_name: str,
    email: str = "",
    home_branch: int | None = None,
    *,
    active: bool = True,
    actor: str = "system",
) -> Employee:
    values = _check(
        dict(first_name=first_name, last_name=last_name, email=email, home_branch=home_branch)
    )
    if not (values["first_name"] or values["last_name"]):
        raise InvalidProperty(code="employee_needs_name", field="first_name")
    with write_transaction():
        employee = Employee.create(created=time.time(), active=active, **values)
        audit.record(actor, "employee.create", full_name(employee))
    return employee


def list_employees() -> list[Employee]:
    return list(Employee.select().order_by(Employee.last_name, Employee.first_name, Employee.id))


def get_employee(employee_id: int) -> Employee:
    employee = Employee.get_or_none(Employee.id == employee_id)
    if employee is None:
        raise NotFound(code="no_employee_with_id", id=employee_id)
    return employee


def update_employee(
    employee_id: int, changes: Mapping[str, Any], *, actor: str = "system"
) -> Employee:
    employee = get_employee(employee_id)
    refuse_unknown(changes, EMPLOYEE_FIELDS)
    values = _check(changes)
    first = values.get("first_name", employee.first_name)
    last = values.get("last_name", employee.last_name)
    if not (first or last):
        raise InvalidProperty(code="employee_needs_name", field="first_name")
    with write_transaction():
        if values:
            Employee.update(**values).where(Employee.id == employee.id).execute()
        audit.record(actor, "employee.update", full_name(employee), describe(values))
    return get_employee(employee.id)


def _employee_users(employee_id: int) -> list[str]:
    resources = [
        f"the resource '{r.slug}'"
        for r in Resource.select().where(Resource.employee == employee_id)
    ]
    accounts = [
        f"the user account '{a.login}'"
        for a in UserAccount.select().where(UserAccount.employee == employee_id)
    ]
    return resources + accounts


def delete_employee(employee_id: int, *, actor: str = "system") -> None:
    """Delete an employee no resource or account refers to; otherwise InUse names them."""
    employee = get_employee(employee_id)
    with write_transaction():
        users = _employee_users(employee.id)
        if users:
            raise InUse(code="employee_still_used", name=full_name(employee), users=listed(users))
        try:
            employee.delete_instance()
        except peewee.IntegrityError:  # a resource was given this employee meanwhile
            raise InUse(
                code="employee_still_used", name=full_name(employee), users="a resource"
            ) from None
        audit.record(actor, "employee.delete", full_name(employee))
