"""Companies and their contact persons (seed 000): category filters, the per-contact
"export via CardDAV" switch, switching the company address book on and off, and the
installation's language its cards are written in."""

from __future__ import annotations

from flask import Blueprint, Response, request

from davserver.web.admin.choices import (
    CATEGORY_LABELS,
    category_choices,
    company_choices,
    label,
)
from davserver.web.admin.crud import (
    Column,
    columns,
    delete_record,
    list_view,
    record_page,
    save_form,
)
from davserver.web.admin.domain_messages import translated
from davserver.web.admin.forms import blank, filled, form_fields
from davserver.web.admin.i18n import LANGUAGE_NAMES, N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.company_directory import directory, synced_contacts
from resources.company_directory.book_language import set_installation_language
from resources.company_directory.schemas import COMPANY, CONTACT
from resources.error_codes import sentence
from resources.organisation.installation import LANGUAGES, installation_language
from resources.store.directory import Company, ContactPerson

blueprint = Blueprint("directory", __name__, url_prefix="/directory")

COMPANY_FIELDS = form_fields(COMPANY, labels={"category": CATEGORY_LABELS})
CONTACT_FIELDS = form_fields(CONTACT, {"company": company_choices})


def _category() -> str | None:
    chosen = request.args.get("category", "")
    return chosen if chosen in CATEGORY_LABELS else None


@blueprint.get("/companies", endpoint="companies")
def companies() -> Response:
    category = _category()
    query = Company.select()
    if category:
        query = query.where(Company.category == category)
    view = list_view(
        COMPANY,
        "directory.companies",
        columns(COMPANY, "name", "category", "city", Column(N_("Contact persons"))),
        empty=N_("No companies here."),
        query=query,
        args={"category": category} if category else {},
    )
    return render(
        "admin/companies.html",
        view=view,
        category=category,
        categories=category_choices(),
        category_label=lambda v: label(CATEGORY_LABELS, v),
        origins=synced_contacts.company_origins([c.id for c in view.page.items]),
        book_enabled=directory.book_enabled(),
        installation_language=installation_language(),
        installation_languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )


@blueprint.post("/company-book", endpoint="enable_book")
def enable_book() -> Response:
    exported = directory.enable_company_book(actor=actor())
    notice(
        N_("The company address book is switched on; %(count)s contact persons are exported."),
        count=exported,
    )
    return back_to("directory.companies")


@blueprint.post("/company-book/off", endpoint="disable_book")
def disable_book() -> Response:
    withdrawn = directory.disable_company_book(actor=actor())
    notice(
        N_(
            "The company address book is switched off; %(count)s contact persons left the "
            "phones. Their export switches are kept."
        ),
        count=withdrawn,
    )
    return back_to("directory.companies")


@blueprint.post("/installation-language", endpoint="installation_language")
def change_installation_language() -> Response:
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        return back_to("directory.companies")
    set_installation_language(chosen, actor=actor())
    notice(
        N_("The installation language is %(language)s; the phones get the cards in it."),
        language=LANGUAGE_NAMES[chosen],
    )
    return back_to("directory.companies")


def _company_page(company_id: int | None):
    origin = synced_contacts.company_origins([company_id] if company_id else []).get(
        company_id or 0
    )
    return record_page(
        COMPANY_FIELDS,
        company_id,
        lambda: _("New company") if company_id is None else _company(company_id).name,
        index="directory.companies",
        delete="directory.delete_company",
        id_name="company_id",
        synced_note=_synced_note("synced_company_read_only", origin),
    )


def _synced_note(code: str, origin: str | None) -> str:
    """What a synced record's page says above its form (the refusal it would meet)."""
    return translated(sentence(code, connection=origin)) if origin else ""


def _changed_only(record, values: dict) -> dict:
    """The values a form really changes: a synced record refuses any other field, so an
    untouched field must not count as a change."""

    def stored(name: str) -> object:
        if name == "company":
            return record.company_id
        return getattr(record, name)

    def given(name: str, value: object) -> object:
        if name == "emails" and isinstance(value, str):
            return "\n".join(line.strip() for line in value.splitlines() if line.strip())
        return value

    return {k: v for k, v in values.items() if given(k, v) != stored(k)}


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
        lambda values: directory.update_company(
            company.id, _changed_only(company, values), actor=actor()
        ),
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
    query = ContactPerson.select(ContactPerson, Company).join(Company)
    if category:
        query = query.where(Company.category == category)
    view = list_view(
        CONTACT,
        "directory.contacts",
        columns(
            CONTACT,
            Column(N_("Name"), "last_name"),
            Column(N_("Company")),
            Column(N_("Category")),
            Column(N_("Phone")),
            "export_carddav",
        ),
        empty=N_("No contact persons here."),
        query=query,
        args={"category": category} if category else {},
    )
    return render(
        "admin/contacts.html",
        view=view,
        category=category,
        categories=category_choices(),
        category_label=lambda v: label(CATEGORY_LABELS, v),
        origins=synced_contacts.contact_origins([c.id for c in view.page.items]),
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


def _default_export(company: Company) -> bool:
    """What a new contact of `company` gets when nobody touches its export switch."""
    return directory.book_enabled() and company.category in directory.EXPORTED_BY_DEFAULT


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
        synced_note=_synced_note(
            "synced_contact_read_only",
            synced_contacts.contact_origins([contact_id] if contact_id else []).get(
                contact_id or 0
            ),
        ),
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
    chosen_company = request.args.get("company", "")
    company = (
        Company.get_or_none(Company.id == chosen_company) if chosen_company.isdigit() else None
    )
    initial.values.update(
        company=chosen_company,
        export_carddav=_default_export(company) if company else directory.book_enabled(),
    )

    def save(values):
        owner = values.pop("company")
        if values.get("export_carddav") == _default_export(directory.get_company(owner)):
            del values["export_carddav"]  # left as offered: not a choice the book must keep
        return directory.create_contact(owner, actor=actor(), **values)

    return save_form(
        CONTACT_FIELDS,
        initial,
        save,
        saved=False,
        done=_contact_saved,
        page=_contact_page(None),
    )


@blueprint.route("/contacts/<int:contact_id>", methods=["GET", "POST"], endpoint="edit_contact")
def edit_contact(contact_id: int) -> Response:
    contact = _contact(contact_id)
    initial = filled(CONTACT_FIELDS, {**contact.__data__, "company": contact.company_id})

    def save(values):
        if values.get("export_carddav") == contact.export_carddav:
            del values["export_carddav"]  # untouched: switching the book on may still set it
        if synced_contacts.contact_origins([contact.id]):
            values = _changed_only(contact, values)  # only the export switch is its own
        return directory.update_contact(contact.id, values, actor=actor())

    return save_form(
        CONTACT_FIELDS,
        initial,
        save,
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
