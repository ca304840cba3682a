"""User accounts (who signs in here, and whom a login acts for) and groups of accounts."""

from __future__ import annotations

import peewee
from flask import Blueprint, Response

from davserver.web.admin.choices import (
    ROLE_LABELS,
    employee_choices,
    label,
    member_choices,
)
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
from davserver.web.admin.security import actor, refresh_sign_in, signed_in_account
from resources.organisation.accounts import (
    create_account,
    delete_account,
    get_account,
    update_account,
)
from resources.organisation.employees import full_name
from resources.organisation.group_uses import BOOKING_RIGHT, CONNECTOR_SCOPE, uses_of
from resources.organisation.groups import (
    create_group,
    delete_group,
    get_group,
    group_members,
    members_by_group,
    update_group,
)
from resources.organisation.schemas import ACCOUNT, GROUP
from resources.store.organisation import Employee, UserAccount

accounts = Blueprint("accounts", __name__, url_prefix="/accounts")
groups = Blueprint("groups", __name__, url_prefix="/groups")

ACCOUNT_FIELDS = form_fields(ACCOUNT, {"employee": employee_choices}, {"role": ROLE_LABELS})
GROUP_FIELDS = form_fields(GROUP, {"members": member_choices})


@accounts.get("", endpoint="index")
def account_list() -> Response:
    view = list_view(
        ACCOUNT,
        "accounts.index",
        columns(ACCOUNT, "login", "display_name", "employee", "role", "active"),
        empty=N_("No accounts yet."),
        query=UserAccount.select(UserAccount, Employee).join(Employee, peewee.JOIN.LEFT_OUTER),
    )
    return render(
        "admin/accounts.html",
        view=view,
        role_label=lambda v: label(ROLE_LABELS, v),
        full_name=full_name,
    )


def _account_page(account_id: int | None):
    has_password = account_id is not None and get_account(account_id).password_hash is not None
    return record_page(
        ACCOUNT_FIELDS,
        account_id,
        lambda: (
            _("New account")
            if account_id is None
            else _("Account %(name)s", name=get_account(account_id).login)
        ),
        index="accounts.index",
        delete="accounts.delete",
        id_name="account_id",
        # "Leave empty to keep the current password" only where there is one.
        helps={} if has_password else {"password": _password_help_without_one()},
    )


def _password_help_without_one() -> str:
    return _("Optional: with a password this account can sign in here.")


def _account_saved(account) -> Response:
    if account.id == signed_in_account().id:
        refresh_sign_in(account)
    notice(N_("The account %(name)s is saved."), name=account.login)
    return back_to("accounts.index")


def _create(values: dict):
    return create_account(
        values["login"],
        display_name=values["display_name"],
        employee=values["employee"],
        role=values["role"],
        password=values["password"] or None,
        active=values["active"],
        actor=actor(),
    )


@accounts.route("/new", methods=["GET", "POST"], endpoint="new")
def new_account() -> Response:
    return save_form(
        ACCOUNT_FIELDS,
        blank(ACCOUNT_FIELDS),
        _create,
        saved=False,
        done=_account_saved,
        page=_account_page(None),
    )


@accounts.route("/<int:account_id>", methods=["GET", "POST"], endpoint="edit")
def edit_account(account_id: int) -> Response:
    account = get_account(account_id)
    initial = filled(
        ACCOUNT_FIELDS, {**account.__data__, "employee": account.employee_id, "password": ""}
    )

    def save(values):
        if not values["password"]:
            values.pop("password")
        return update_account(account.id, values, actor=actor())

    return save_form(
        ACCOUNT_FIELDS,
        initial,
        save,
        saved=True,
        done=_account_saved,
        page=_account_page(account.id),
    )


@accounts.post("/<int:account_id>/delete", endpoint="delete")
def delete_account_view(account_id: int) -> Response:
    account = get_account(account_id)
    return delete_record(
        lambda: delete_account(account.id, actor=actor()),
        _("The account %(name)s is deleted.", name=account.login),
        "accounts.index",
        refused_endpoint="accounts.edit",
        account_id=account.id,
    )


@groups.get("", endpoint="index")
def group_list() -> Response:
    view = list_view(
        GROUP,
        "groups.index",
        columns(GROUP, "name", "members", Column(N_("Used in"))),
        empty=N_("No groups yet."),
    )
    members = members_by_group([g.id for g in view.page.items])
    member_ids = sorted({m for ids in members.values() for m in ids})
    names = {
        a.id: a.display_name if a.display_name == a.login else f"{a.display_name} ({a.login})"
        for a in UserAccount.select().where(UserAccount.id.in_(member_ids))
    }
    return render(
        "admin/groups.html",
        view=view,
        members={gid: [names.get(m, str(m)) for m in ids] for gid, ids in members.items()},
        uses=uses_of([g.id for g in view.page.items]),
        purposes=GROUP_PURPOSES,
    )


GROUP_PURPOSES = (
    (
        CONNECTOR_SCOPE,
        N_("Connector scopes"),
        N_(
            "A connection to another system (a CRM, a phonebook source) can be limited to "
            "chosen groups: only their members' address books and calendars get its data."
        ),
    ),
    (
        BOOKING_RIGHT,
        N_("Booking rights"),
        N_(
            "A resource (a room, a person's calendar) can be bookable by the members of "
            "chosen groups only."
        ),
    ),
)


def _group_page(group_id: int | None):
    return record_page(
        GROUP_FIELDS,
        group_id,
        lambda: (
            _("New group")
            if group_id is None
            else _("Group %(name)s", name=get_group(group_id).name)
        ),
        index="groups.index",
        delete="groups.delete",
        id_name="group_id",
        template="admin/group_form.html",
        purposes=GROUP_PURPOSES,
        uses=uses_of([group_id]).get(group_id, []) if group_id is not None else None,
    )


def _group_saved(group) -> Response:
    notice(N_("The group %(name)s is saved."), name=group.name)
    return back_to("groups.index")


def _members(values: dict) -> list[int]:
    return [int(member) for member in values["members"]]


@groups.route("/new", methods=["GET", "POST"], endpoint="new")
def new_group() -> Response:
    return save_form(
        GROUP_FIELDS,
        blank(GROUP_FIELDS),
        lambda values: create_group(values["name"], _members(values), actor=actor()),
        saved=False,
        done=_group_saved,
        page=_group_page(None),
    )


@groups.route("/<int:group_id>", methods=["GET", "POST"], endpoint="edit")
def edit_group(group_id: int) -> Response:
    group = get_group(group_id)
    initial = filled(GROUP_FIELDS, {"name": group.name, "members": group_members(group.id)})

    def save(values):
        return update_group(
            group.id, {"name": values["name"], "members": _members(values)}, actor=actor()
        )

    return save_form(
        GROUP_FIELDS,
        initial,
        save,
        saved=True,
        done=_group_saved,
        page=_group_page(group.id),
    )


@groups.post("/<int:group_id>/delete", endpoint="delete")
def delete_group_view(group_id: int) -> Response:
    group = get_group(group_id)
    return delete_record(
        lambda: delete_group(group.id, actor=actor()),
        _("The group %(name)s is deleted.", name=group.name),
        "groups.index",
    )
