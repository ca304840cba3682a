"""Branches and employees: lists and forms."""

from __future__ import annotations

from zoneinfo import available_timezones

import peewee
from flask import Blueprint, Response

from davserver.web.admin.choices import branch_choices
from davserver.web.admin.crud import (
    Column,
    columns,
    delete_record,
    list_view,
    record_page,
    save_form,
)
from davserver.web.admin.forms import blank, filled, form_fields
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.organisation.branches import (
    create_branch,
    delete_branch,
    get_branch,
    update_branch,
)
from resources.organisation.employees import (
    create_employee,
    delete_employee,
    full_name,
    get_employee,
    update_employee,
)
from resources.organisation.schemas import BRANCH, EMPLOYEE
from resources.store.organisation import Branch, Employee

branches = Blueprint("branches", __name__, url_prefix="/branches")
employees = Blueprint("employees", __name__, url_prefix="/employees")

BRANCH_FIELDS = form_fields(BRANCH)
EMPLOYEE_FIELDS = form_fields(EMPLOYEE, {"home_branch": branch_choices})


def _zones() -> list[str]:
    return sorted(available_timezones())


@branches.get("")
def index() -> Response:
    view = list_view(
        BRANCH,
        "branches.index",
        columns(BRANCH, "name", "address", "timezone"),
        empty=N_("No branches yet."),
    )
    return render("admin/branches.html", view=view)


def _branch_page(branch_id: int | None):
    return record_page(
        BRANCH_FIELDS,
        branch_id,
        lambda: _("New branch") if branch_id is None else _branch_title(get_branch(branch_id).name),
        index="branches.index",
        delete="branches.delete",
        id_name="branch_id",
        datalists={"timezone": _zones()},
    )


def _branch_title(name: str) -> str:
    """ "Branch Nord", but "Filiale Nord" alone, not "Filiale Filiale Nord"."""
    word = _("Branch").casefold()
    if name.casefold() == word or name.casefold().startswith(word + " "):
        return name
    return _("Branch %(name)s", name=name)


def _branch_saved(branch) -> Response:
    notice(N_("The branch %(name)s is saved."), name=branch.name)
    return back_to("branches.index")


@branches.route("/new", methods=["GET", "POST"])
def new() -> Response:
    def save(values):
        return create_branch(
            values["name"],
            values["address"],
            values["timezone"],
            hours=values["opening_hours"],
            actor=actor(),
        )

    return save_form(
        BRANCH_FIELDS,
        blank(BRANCH_FIELDS),
        save,
        saved=False,
        done=_branch_saved,
        page=_branch_page(None),
    )


@branches.route("/<int:branch_id>", methods=["GET", "POST"])
def edit(branch_id: int) -> Response:
    branch = get_branch(branch_id)
    initial = filled(BRANCH_FIELDS, branch.__data__)
    return save_form(
        BRANCH_FIELDS,
        initial,
        lambda values: update_branch(branch.id, values, actor=actor()),
        saved=True,
        done=_branch_saved,
        page=_branch_page(branch.id),
    )


@branches.post("/<int:branch_id>/delete")
def delete(branch_id: int) -> Response:
    branch = get_branch(branch_id)
    return delete_record(
        lambda: delete_branch(branch.id, actor=actor()),
        _("The branch %(name)s is deleted.", name=branch.name),
        "branches.index",
        refused_endpoint="branches.edit",
        branch_id=branch.id,
    )


@employees.get("", endpoint="index")
def employee_list() -> Response:
    view = list_view(
        EMPLOYEE,
        "employees.index",
        columns(EMPLOYEE, Column(N_("Name"), "last_name"), "email", "home_branch", "active"),
        empty=N_("No employees yet."),
        query=Employee.select(Employee, Branch).join(Branch, peewee.JOIN.LEFT_OUTER),
    )
    return render("admin/employees.html", view=view, full_name=full_name)


def _employee_page(employee_id: int | None):
    return record_page(
        EMPLOYEE_FIELDS,
        employee_id,
        lambda: _("New employee") if employee_id is None else full_name(get_employee(employee_id)),
        index="employees.index",
        delete="employees.delete",
        id_name="employee_id",
    )


def _employee_saved(employee) -> Response:
    notice(N_("%(name)s is saved."), name=full_name(employee))
    return back_to("employees.index")


@employees.route("/new", methods=["GET", "POST"], endpoint="new")
def new_employee() -> Response:
    def save(values):
        active = values.pop("active")
        return create_employee(
            values["first_name"],
            values["last_name"],
            values["email"],
            values["home_branch"],
            active=active,
            actor=actor(),
        )

    return save_form(
        EMPLOYEE_FIELDS,
        blank(EMPLOYEE_FIELDS),
        save,
        saved=False,
        done=_employee_saved,
        page=_employee_page(None),
    )


@employees.route("/<int:employee_id>", methods=["GET", "POST"], endpoint="edit")
def edit_employee(employee_id: int) -> Response:
    employee = get_employee(employee_id)
    initial = filled(EMPLOYEE_FIELDS, {**employee.__data__, "home_branch": employee.home_branch_id})
    return save_form(
        EMPLOYEE_FIELDS,
        initial,
        lambda values: update_employee(employee.id, values, actor=actor()),
        saved=True,
        done=_employee_saved,
        page=_employee_page(employee.id),
    )


@employees.post("/<int:employee_id>/delete", endpoint="delete")
def delete_employee_view(employee_id: int) -> Response:
    employee = get_employee(employee_id)
    return delete_record(
        lambda: delete_employee(employee.id, actor=actor()),
        _("%(name)s is deleted.", name=full_name(employee)),
        "employees.index",
        refused_endpoint="employees.edit",
        employee_id=employee.id,
    )
