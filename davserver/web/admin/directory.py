"""Companies and their contact persons (seed 000): category filters, the per-contact
"export via CardDAV" switch, and switching the company address book on."""

from __future__ import annotations

from flask import Blueprint, Response, request

from davserver.web.admin.choices import (
    CATEGORY_LABELS,
    category_choices,
    company_choices,
    label,
)
from davserver.web.admin.crud import delete_record, record_page, save_form
from davserver.web.admin.forms import Field, blank, filled
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.company_directory import directory
from resources.store.directory import Company, ContactPerson

blueprint = Blueprint("directory", __name__, url_prefix="/directory")

COMPANY_FIELDS = (
    Field("name", N_("Name"), required=True, maxlength=300),
    Field(
        "category",
        N_("Category"),
        kind="select",
        required=True,
        choices=category_choices,
        default="customer",
    ),
    Field("street", N_("Street"), maxlength=300),
    Field("postal_code", N_("Postal code"), maxlength=20),
    Field("city", N_("City")),
    Field("country", N_("Country"), maxlength=100),
    Field("phone", N_("Phone"), maxlength=60),
    Field("website", N_("Website"), maxlength=300),
    Field("active", N_("Active"), kind="checkbox", default=True),
)
CONTACT_FIELDS = (
    Field("company", N_("Company"), kind="ref", required=True, choices=company_choices),
    Field("salutation", N_("Salutation"), maxlength=40),
    Field("title", N_("Title"), maxlength=60),
    Field("first_name", N_("First name")),
    Field("last_name", N_("Last name")),
    Field("position", N_("Position")),
    Field("department", N_("Department")),
    Field("emails", N_("E-mail addresses (one per line)"), kind="textarea", maxlength=2000),
    Field("phone_work", N_("Phone (work)"), maxlength=60),
    Field("phone_mobile", N_("Phone (mobile)"), maxlength=60),
    Field("phone_fax", N_("Fax"), maxlength=60),
    Field("active", N_("Active"), kind="checkbox", default=True),
    Field(
        "export_carddav",
        N_("Export via CardDAV"),
        kind="checkbox",
        help=N_("Only contact persons with this switch reach the phones' company address book."),
    ),
)
COMPANY_HINTS = (("category", "category"), ("name", "name"))
CONTACT_HINTS = (("company", "company"),)


def _category() -> str | None:
    chosen = request.args.get("category", "")
    return chosen if chosen in CATEGORY_LABELS else None


@blueprint.get("/companies", endpoint="companies")
def companies() -> Response:
    category = _category()
    query = Company.select().order_by(Company.name)
    if category:
        query = query.where(Company.category == category)
    return render(
        "admin/companies.html",
        companies=list(query),
        category=category,
        categories=category_choices(),
        category_label=lambda v: label(CATEGORY_LABELS, v),
        book_enabled=directory.book_enabled(),
    )


@blueprint.post("/company-book", endpoint="enable_book")
def enable_book() -> Response:
    exported = directory.enable_company_book(actor=actor())
    notice(
        N_("The company address book is switched on; %(count)s contact persons are exported."),
        count=exported,
    )
    return back_to("directory.companies")


def _company_page(company_id: int | None):
    return record_page(
        COMPANY_FIELDS,
        company_id,
        lambda: _("New company") if company_id is None else _company(company_id).name,
        index="directory.companies",
        delete="directory.delete_company",
        id_name="company_id",
    )


def _company_saved(company) -> Response:
    notice(N_("The company %(name)s is saved."), name=company.name)
    return back_to("directory.companies")


_company = directory.get_company
_contact = directory.get_contact


@blueprint.route("/companies/new", methods=["GET", "POST"], endpoint="new_company")
def new_company() -> Response:
    return save_form(
        COMPANY_FIELDS,
        blank(COMPANY_FIELDS),
        lambda values: directory.create_company(actor=actor(), **values),
        COMPANY_HINTS,
        saved=False,
        done=_company_saved,
        page=_company_page(None),
    )


@blueprint.route("/companies/<int:company_id>", methods=["GET", "POST"], endpoint="edit_company")
def edit_company(company_id: int) -> Response:
    company = _company(company_id)
    return save_form(
        COMPANY_FIELDS,
        filled(COMPANY_FIELDS, company.__data__),
        lambda values: directory.update_company(company.id, values, actor=actor()),
        COMPANY_HINTS,
        saved=True,
        done=_company_saved,
        page=_company_page(company.id),
    )


@blueprint.post("/companies/<int:company_id>/delete", endpoint="delete_company")
def delete_company(company_id: int) -> Response:
    company = _company(company_id)
    return delete_record(
        lambda: directory.delete_company(company.id, actor=actor()),
        _("The company %(name)s is deleted.", name=company.name),
        "directory.companies",
    )


@blueprint.get("/contacts", endpoint="contacts")
def contacts() -> Response:
    category = _category()
    query = (
        ContactPerson.select(ContactPerson, Company)
        .join(Company)
        .order_by(ContactPerson.last_name, ContactPerson.first_name, ContactPerson.id)
    )
    if category:
        query = query.where(Company.category == category)
    return render(
        "admin/contacts.html",
        contacts=list(query),
        category=category,
        categories=category_choices(),
        category_label=lambda v: label(CATEGORY_LABELS, v),
    )


@blueprint.post("/contacts/<int:contact_id>/export", endpoint="export")
def switch_export(contact_id: int) -> Response:
    exported = request.form.get("export_carddav") == "1"
    contact = directory.update_contact(contact_id, {"export_carddav": exported}, actor=actor())
    name = f"{contact.first_name} {contact.last_name}".strip()
    if exported:
        notice(N_("%(name)s is now exported via CardDAV."), name=name)
    else:
        notice(N_("%(name)s is no longer exported via CardDAV."), name=name)
    return back_to("directory.contacts", category=request.form.get("category") or None)


def _contact_page(contact_id: int | None):
    def title() -> str:
        if contact_id is None:
            return _("New contact person")
        contact = _contact(contact_id)
        return f"{contact.first_name} {contact.last_name}".strip() or _("Contact person")

    return record_page(
        CONTACT_FIELDS,
        contact_id,
        title,
        index="directory.contacts",
        delete="directory.delete_contact",
        id_name="contact_id",
        confirms={"export_carddav": _export_off_question()} if contact_id is not None else {},
    )


def _export_off_question() -> str:
    return _(
        "Stop exporting this contact person? It disappears from the company address book on every phone."
    )


def _contact_saved(contact) -> Response:
    notice(
        N_("The contact person %(name)s is saved."),
        name=f"{contact.first_name} {contact.last_name}".strip(),
    )
    return back_to("directory.contacts")


@blueprint.route("/contacts/new", methods=["GET", "POST"], endpoint="new_contact")
def new_contact() -> Response:
    initial = blank(CONTACT_FIELDS)
    initial.values.update(
        company=request.args.get("company", ""), export_carddav=directory.book_enabled()
    )

    def save(values):
        return directory.create_contact(values.pop("company"), actor=actor(), **values)

    return save_form(
        CONTACT_FIELDS,
        initial,
        save,
        CONTACT_HINTS,
        saved=False,
        done=_contact_saved,
        page=_contact_page(None),
    )


@blueprint.route("/contacts/<int:contact_id>", methods=["GET", "POST"], endpoint="edit_contact")
def edit_contact(contact_id: int) -> Response:
    contact = _contact(contact_id)
    initial = filled(CONTACT_FIELDS, {**contact.__data__, "company": contact.company_id})
    return save_form(
        CONTACT_FIELDS,
        initial,
        lambda values: directory.update_contact(contact.id, values, actor=actor()),
        CONTACT_HINTS,
        saved=True,
        done=_contact_saved,
        page=_contact_page(contact.id),
    )


@blueprint.post("/contacts/<int:contact_id>/delete", endpoint="delete_contact")
def delete_contact(contact_id: int) -> Response:
    contact = _contact(contact_id)
    return delete_record(
        lambda: directory.delete_contact(contact.id, actor=actor()),
        _("The contact person is deleted."),
        "directory.contacts",
    )
