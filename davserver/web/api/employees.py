"""/v1/employees: list, create, read, change and delete employees."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from davserver.web.api.entity_routes import EntityApi, register
from resources.organisation import employees
from resources.organisation.schemas import EMPLOYEE
from resources.store.organisation import Employee

blueprint = Blueprint("employees", __name__, url_prefix="/v1/employees")


def employee_json(employee: Employee) -> dict[str, Any]:
    return {
        "id": employee.id,
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email,
        "home_branch": employee.home_branch_id,
        "active": employee.active,
    }


def _create(values: dict[str, Any], actor: str) -> Employee:
    return employees.create_employee(
        values.get("first_name", ""),
        values.get("last_name", ""),
        values.get("email", ""),
        values.get("home_branch"),
        active=values.get("active", True),
        actor=actor,
    )


API = EntityApi(
    "employee",
    EMPLOYEE,
    employee_json,
    find=employees.get_employee,
    create=_create,
    update=lambda employee, changes, actor: employees.update_employee(
        employee.id, changes, actor=actor
    ),
    delete=lambda employee, actor: employees.delete_employee(employee.id, actor=actor),
)
register(blueprint, API)
