"""The company phonebook (seed 002): synced entries marked S, manual ones M, a synced
entry copied into a manual one (which survives the next sync), manual entries."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from davserver.web.admin.crud import delete_record, form_page, save_form
from davserver.web.admin.forms import Field, blank
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.company_directory import phonebook
from resources.store.directory import PhonebookEntry

blueprint = Blueprint("phonebook", __name__, url_prefix="/phonebook")

FIELDS = (
    Field("first_name", N_("First name")),
    Field("last_name", N_("Last name")),
    Field("company", N_("Company"), maxlength=300),
    Field("phone_work", N_("Phone (work)"), maxlength=60),
    Field("phone_mobile", N_("Phone (mobile)"), maxlength=60),
    Field("phone_home", N_("Phone (home)"), maxlength=60),
    Field("email", N_("E-mail"), kind="email", maxlength=320),
)
SOURCES = {"S": N_("synced"), "M": N_("manual")}


@blueprint.get("", endpoint="index")
def entries() -> Response:
    source = request.args.get("source", "")
    query = PhonebookEntry.select().order_by(
        PhonebookEntry.last_name,
        PhonebookEntry.first_name,
        PhonebookEntry.company,
        PhonebookEntry.id,
    )
    if source in SOURCES:
        query = query.where(PhonebookEntry.source == source)
    return render(
        "admin/phonebook.html",
        entries=list(query),
        source=source if source in SOURCES else "",
        sources=SOURCES,
    )


def _page(state) -> Response:
    return form_page(_("New phonebook entry"), FIELDS, state, cancel=url_for("phonebook.index"))


def _saved(entry) -> Response:
    notice(N_("The manual entry is saved."))
    return back_to("phonebook.index")


@blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
def new_entry() -> Response:
    return save_form(
        FIELDS,
        blank(FIELDS),
        lambda values: phonebook.create_manual(values, actor=actor()),
        saved=False,
        done=_saved,
        page=_page,
    )


@blueprint.post("/<int:entry_id>/copy", endpoint="copy")
def copy_to_manual(entry_id: int) -> Response:
    entry = phonebook.copy_to_manual(entry_id, actor=actor())
    notice(
        N_("%(name)s is copied into a manual entry; it stays when the next sync runs."),
        name=f"{entry.first_name} {entry.last_name}".strip() or entry.company,
    )
    return back_to("phonebook.index")


@blueprint.post("/<int:entry_id>/delete", endpoint="delete")
def delete_entry(entry_id: int) -> Response:
    return delete_record(
        lambda: phonebook.delete_entry(entry_id, actor=actor()),
        _("The entry is deleted."),
        "phonebook.index",
    )
