"""/v1/employees: list, create, read, change and delete employees."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.json_io import (
    BOOL,
    ID_ROUTE,
    REF,
    TEXT,
    Field,
    listing,
    read_fields,
)
from resources.organisation import employees
from resources.store.organisation import Branch, Employee

blueprint = Blueprint("employees", __name__, url_prefix="/v1/employees")

FIELDS = (
    Field("first_name", TEXT),
    Field("last_name", TEXT),
    Field("email", TEXT),
    Field("home_branch", REF, nullable=True, refers_to=Branch, label="branch"),
    Field("active", BOOL),
)


def employee_json(employee: Employee) -> dict[str, Any]:
    return {
        "id": employee.id,
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email,
        "home_branch": employee.home_branch_id,
        "active": employee.active,
    }


@blueprint.get("")
def list_employees() -> ResponseReturnValue:
    return listing(employees.list_employees(), employee_json)


@blueprint.post("")
def create_employee() -> ResponseReturnValue:
    values = read_fields(FIELDS, creating=True)
    employee = employees.create_employee(
        values.get("first_name", ""),
        values.get("last_name", ""),
        values.get("email", ""),
        values.get("home_branch"),
        active=values.get("active", True),
        actor=actor(),
    )
    return (
        employee_json(employee),
        201,
        {"Location": url_for(".get_employee", employee_id=employee.id)},
    )


@blueprint.get(f"/<{ID_ROUTE}:employee_id>")
def get_employee(employee_id: int) -> ResponseReturnValue:
    return employee_json(employees.get_employee(employee_id))


@blueprint.patch(f"/<{ID_ROUTE}:employee_id>")
def update_employee(employee_id: int) -> ResponseReturnValue:
    employees.get_employee(employee_id)
    changes = read_fields(FIELDS, creating=False)
    return employee_json(employees.update_employee(employee_id, changes, actor=actor()))


@blueprint.delete(f"/<{ID_ROUTE}:employee_id>")
def delete_employee(employee_id: int) -> ResponseReturnValue:
    employees.delete_employee(employee_id, actor=actor())
    return "", 204
