"""Resources (people and rooms): the list with the sync-allowed switch right in it,
the form (the slug is fixed once saved); the week view of appointments is in
week_view.py, on this blueprint."""

from __future__ import annotations

import peewee
from flask import Blueprint, Response, request, url_for

from davserver.web.admin.bookings import policy_panel
from davserver.web.admin.choices import (
    KIND_LABELS,
    branch_choices,
    employee_choices,
    label,
)
from davserver.web.admin.crud import Column, columns, form_page, list_view, save_form
from davserver.web.admin.forms import blank, filled, form_fields
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.organisation import resource_calendars
from resources.organisation.employees import full_name
from resources.organisation.schemas import RESOURCE
from resources.store.organisation import Branch, Employee, Resource

blueprint = Blueprint("resources", __name__, url_prefix="/resources")

FIELDS = form_fields(
    RESOURCE,
    {"employee": employee_choices, "branch": branch_choices},
    {"kind": KIND_LABELS},
)


@blueprint.get("", endpoint="index")
def resource_list() -> Response:
    view = list_view(
        RESOURCE,
        "resources.index",
        columns(
            RESOURCE,
            "name",
            "kind",
            Column(N_("Employee")),
            "branch",
            "sync_allowed",
            Column(N_("Appointments")),
        ),
        empty=N_("No resources yet."),
        query=Resource.select(Resource, Employee, Branch)
        .join(Employee, peewee.JOIN.LEFT_OUTER)
        .switch(Resource)
        .join(Branch, peewee.JOIN.LEFT_OUTER),
    )
    return render(
        "admin/resources.html",
        view=view,
        kind_label=lambda v: label(KIND_LABELS, v),
        full_name=full_name,
    )


def _page(slug: str | None):
    def page(state) -> Response:
        title = (
            _("New resource")
            if slug is None
            else _("Resource %(name)s", name=resource_calendars.get_resource(slug).name)
        )
        return form_page(
            title,
            FIELDS,
            state,
            saved=slug is not None,
            cancel=url_for("resources.index"),
            delete_action=url_for("resources.delete", slug=slug) if slug else None,
            confirms={"sync_allowed": _sync_off_question(slug)} if slug else {},
            template="admin/resource_form.html",
            **(policy_panel(resource_calendars.get_resource(slug)) if slug else {}),
        )

    return page


def _sync_off_question(slug: str) -> str:
    name = resource_calendars.get_resource(slug).name
    return _(
        "Switch off sync for %(name)s? Its calendar disappears from every phone at the next sync.",
        name=name,
    )


def _saved(resource) -> Response:
    notice(N_("The resource %(name)s is saved."), name=resource.name)
    return back_to("resources.index")


def _create(values: dict):
    kind, name, slug = values.pop("kind"), values.pop("name"), values.pop("slug")
    return resource_calendars.create_resource(kind, name, slug, actor=actor(), **values)


@blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
def new_resource() -> Response:
    return save_form(FIELDS, blank(FIELDS), _create, saved=False, done=_saved, page=_page(None))


@blueprint.route("/<slug>", methods=["GET", "POST"], endpoint="edit")
def edit_resource(slug: str) -> Response:
    resource = resource_calendars.get_resource(slug)
    initial = filled(
        FIELDS,
        {**resource.__data__, "employee": resource.employee_id, "branch": resource.branch_id},
    )
    return save_form(
        FIELDS,
        initial,
        lambda values: resource_calendars.update_resource(resource.slug, values, actor=actor()),
        saved=True,
        done=_saved,
        page=_page(resource.slug),
    )


@blueprint.post("/<slug>/sync", endpoint="sync")
def switch_sync(slug: str) -> Response:
    """The switch in the list: on or off for every device at once."""
    resource = resource_calendars.get_resource(slug)
    allowed = request.form.get("sync_allowed") == "1"
    resource_calendars.set_sync_allowed(resource.slug, allowed, actor=actor())
    if allowed:
        notice(N_("Sync is now switched on for %(name)s."), name=resource.name)
    else:
        notice(N_("Sync is now switched off for %(name)s."), name=resource.name)
    return back_to("resources.index")


@blueprint.post("/<slug>/delete", endpoint="delete")
def delete_resource(slug: str) -> Response:
    resource = resource_calendars.get_resource(slug)
    resource_calendars.delete_resource(resource.slug, actor=actor())
    notice(N_("The resource %(name)s and its appointments are deleted."), name=resource.name)
    return back_to("resources.index")
