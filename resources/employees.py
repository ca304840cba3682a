"""Employees: the people behind person resources and user accounts."""

from __future__ import annotations

import time

from resources import audit
from resources.errors import InvalidProperty
from resources.store.database import write_transaction
from resources.store.organisation import Employee


def create_employee(
    first_name: str, last_name: str, email: str = "", home_branch: int | None = None, *, actor: str = "system"
) -> Employee:
    if not (first_name.strip() or last_name.strip()):
        raise InvalidProperty("An employee needs a first or last name.")
    with write_transaction():
        employee = Employee.create(
            first_name=first_name.strip(), last_name=last_name.strip(), email=email.strip(),
            home_branch=home_branch, created=time.time(),
        )
        audit.record(actor, "employee.create", f"{employee.first_name} {employee.last_name}".strip())
    return employee
