"""The company phonebook (seed 002): synced entries marked S, manual ones M, a synced
entry copied into a manual one (which survives the next sync and stands in for it on
the phones), manual entries made and edited."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from davserver.web.admin.crud import Column, columns, delete_record, form_page, list_view, save_form
from davserver.web.admin.forms import blank, filled, form_fields
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, error_page, notice, render
from davserver.web.admin.security import actor
from resources.company_directory import phonebook
from resources.company_directory.schemas import PHONEBOOK_ENTRY
from resources.store.directory import PhonebookEntry

blueprint = Blueprint("phonebook", __name__, url_prefix="/phonebook")

FIELDS = form_fields(PHONEBOOK_ENTRY)
SOURCES = {"S": N_("synced"), "M": N_("manual")}


@blueprint.get("", endpoint="index")
def entries() -> Response:
    source = request.args.get("source", "")
    query = PhonebookEntry.select()
    if source in SOURCES:
        query = query.where(PhonebookEntry.source == source)
    view = list_view(
        PHONEBOOK_ENTRY,
        "phonebook.index",
        columns(
            PHONEBOOK_ENTRY,
            Column(N_("Source")),
            Column(N_("Name"), "last_name"),
            "company",
            Column(N_("Phone")),
            "email",
            Column(""),
        ),
        empty=N_("No entries here."),
        query=query,
        args={"source": source} if source in SOURCES else {},
    )
    return render(
        "admin/phonebook.html",
        view=view,
        twins=phonebook.twins(list(view.page.items)),
        source=source if source in SOURCES else "",
        sources=SOURCES,
    )


def _page(state) -> Response:
    return form_page(_("New phonebook entry"), FIELDS, state, cancel=url_for("phonebook.index"))


def _edit_page(entry: PhonebookEntry):
    def page(state) -> Response:
        return form_page(
            _("Edit manual entry"),
            FIELDS,
            state,
            saved=True,
            delete_action=url_for("phonebook.delete", entry_id=entry.id),
            cancel=url_for("phonebook.index"),
        )

    return page


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


@blueprint.route("/<int:entry_id>", methods=["GET", "POST"], endpoint="edit")
def edit_entry(entry_id: int) -> Response:
    """A manual entry's form; a synced one is changed at its source (409)."""
    entry = phonebook.get_entry(entry_id)
    if entry.source != "M":
        return error_page(
            409,
            _("Not possible"),
            _("A synced (S) entry is changed at its source; copy it to manual to edit it here."),
        )
    return save_form(
        FIELDS,
        filled(FIELDS, entry.__data__),
        lambda values: phonebook.update_manual(entry.id, values, actor=actor()),
        saved=True,
        done=_saved,
        page=_edit_page(entry),
    )


@blueprint.post("/<int:entry_id>/copy", endpoint="copy")
def copy_to_manual(entry_id: int) -> Response:
    copied = phonebook.copy_to_manual(entry_id, actor=actor())
    entry = copied.entry
    name = f"{entry.first_name} {entry.last_name}".strip() or entry.company
    if copied.created:
        notice(
            N_("%(name)s is copied into a manual entry; it stays when the next sync runs."),
            name=name,
        )
    else:
        notice(N_("%(name)s has a manual copy already; no second one was made."), name=name)
    return back_to("phonebook.edit", entry_id=entry.id)


@blueprint.post("/<int:entry_id>/delete", endpoint="delete")
def delete_entry(entry_id: int) -> Response:
    return delete_record(
        lambda: phonebook.delete_entry(entry_id, actor=actor()),
        _("The entry is deleted."),
        "phonebook.index",
    )
