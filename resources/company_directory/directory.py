"""The company directory (seed 000): companies and contact persons, the per-contact
"export via CardDAV" switch, and publishing exported contacts to the company book."""

from __future__ import annotations

import time
import uuid
from typing import Any

import peewee

from resources.auth import audit
from resources.company_directory.synced_contacts import refuse_company_change, refuse_contact_change
from resources.company_directory.vcard_builder import contact_vcard
from resources.errors import InvalidProperty, NotFound
from resources.formats.content_lines import FORBIDDEN_CHARACTER
from resources.objects import address_books
from resources.organisation.installation import installation_language
from resources.store.database import write_transaction
from resources.store.directory import Company, ContactPerson, DirectorySettings

CATEGORIES = ("customer", "supplier", "partner", "other")
EXPORTED_BY_DEFAULT = ("customer", "supplier")
COMPANY_FIELDS = (
    "name",
    "category",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "website",
    "active",
)
CONTACT_FIELDS = (
    "company",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "position",
    "department",
    "emails",
    "phone_work",
    "phone_mobile",
    "phone_fax",
    "active",
    "export_carddav",
)


def contact_name(contact: ContactPerson) -> str:
    return f"contact-{contact.uid}.vcf"


def _check(values: dict[str, Any], allowed: tuple[str, ...], model: type[peewee.Model]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise InvalidProperty(code="unknown_fields", fields=", ".join(sorted(unknown)))
    if "category" in values and values["category"] not in CATEGORIES:
        raise InvalidProperty(code="category_invalid", field="category")
    if "name" in values and not str(values["name"]).strip():
        raise InvalidProperty(code="company_needs_name", field="name")
    if "emails" in values:
        values["emails"] = "\n".join(_checked_emails(values["emails"]))
    check_text_fields(model, values)


def _checked_emails(emails: str | list[str] | tuple[str, ...]) -> list[str]:
    """Addresses one per line in storage, so none may hold a line break or a space."""
    given = emails.splitlines() if isinstance(emails, str) else list(emails)
    addresses = [address.strip() for address in given if address.strip()]
    for address in addresses:
        if "@" not in address or any(ch.isspace() for ch in address):
            raise InvalidProperty(code="not_an_email", field="emails", address=address)
    return addresses


def check_text_fields(model: type[peewee.Model], values: dict[str, Any]) -> None:
    """Refuse text longer than its column, or holding control characters that no vCard
    line can carry (PostgreSQL would refuse a NUL only at write time, as a 500)."""
    for name, value in values.items():
        if isinstance(value, str) and FORBIDDEN_CHARACTER.search(value):
            raise InvalidProperty(code="control_character", field=name, name=name)
        column = model._meta.fields.get(name)
        if (
            isinstance(column, peewee.CharField)
            and isinstance(value, str)
            and len(value) > column.max_length
        ):
            raise InvalidProperty(
                code="text_too_long", field=name, name=name, limit=column.max_length
            )


def book_enabled() -> bool:
    row = DirectorySettings.select().first()
    return bool(row and row.company_book_enabled)


def _switch_book(enabled: bool) -> bool:
    """Set the switch (inside a transaction); False when it was in that state already."""
    row = DirectorySettings.select().first() or DirectorySettings.create()
    if row.company_book_enabled == enabled:
        return False
    DirectorySettings.update(company_book_enabled=enabled).where(
        DirectorySettings.id == row.id
    ).execute()
    return True


def enable_company_book(*, actor: str = "system") -> int:
    """Switch the company book on: the active contacts of active customers and suppliers
    are exported unless an administrator switched them off by hand, and every contact
    whose switch is on reaches the phones. Returns how many contacts the book now has
    (0 when it was on already)."""
    with write_transaction():
        if not _switch_book(True):
            return 0
        defaults = (
            ContactPerson.select(ContactPerson.id)
            .join(Company)
            .where(
                ContactPerson.active
                & Company.active
                & Company.category.in_(EXPORTED_BY_DEFAULT)
                & ~ContactPerson.export_chosen
                & ~ContactPerson.export_carddav
            )
        )
        ContactPerson.update(export_carddav=True, modified=time.time()).where(
            ContactPerson.id.in_([c.id for c in defaults])
        ).execute()
        exported = _publish_all()
        audit.record(actor, "directory.enable_company_book", "company book", f"exported={exported}")
    return exported


def disable_company_book(*, actor: str = "system") -> int:
    """Switch the company book off: every contact person leaves the phones' book (their
    export switches stay as they are for switching it on again; the phonebook's entries
    stay, as the phonebook is offered to every user). Returns how many cards left."""
    with write_transaction():
        before = _exported_contacts()
        if not _switch_book(False):
            return 0
        _publish_all()
        audit.record(actor, "directory.disable_company_book", "company book", f"withdrawn={before}")
    return before


def _exported_contacts() -> int:
    return (
        ContactPerson.select()
        .join(Company)
        .where(ContactPerson.active & Company.active & ContactPerson.export_carddav)
        .count()
    )


def _publish_all() -> int:
    """Bring every contact's card in line with the book; returns how many it carries."""
    for contact in list(ContactPerson.select(ContactPerson.id)):  # read before writing
        publish_contact(contact.id)
    return _exported_contacts() if book_enabled() else 0


def publish_contact(contact_id: int) -> None:
    """Bring the company book in line with one contact (inside a transaction)."""
    contact = ContactPerson.get_or_none(ContactPerson.id == contact_id)
    if contact is None:
        return
    company = Company.get_by_id(contact.company_id)
    exported = book_enabled() and contact.active and company.active and contact.export_carddav
    vcard = contact_vcard(contact, company, installation_language()) if exported else None
    address_books.publish(
        contact_name(contact), vcard, contact.uid, contact.first_name + " " + contact.last_name
    )


def create_company(*, actor: str = "system", **values: Any) -> Company:
    _check(values, COMPANY_FIELDS, Company)
    if not str(values.get("name", "")).strip():
        raise InvalidProperty(code="company_needs_name", field="name")
    with write_transaction():
        now = time.time()
        company = Company.create(created=now, modified=now, **values)
        audit.record(actor, "company.create", company.name)
    return company


def update_company(company_id: int, changes: dict[str, Any], *, actor: str = "system") -> Company:
    _check(changes, COMPANY_FIELDS, Company)
    company = _company(company_id)
    if not changes:
        return company
    refuse_company_change(company.id)
    with write_transaction():
        Company.update(modified=time.time(), **changes).where(Company.id == company.id).execute()
        for contact in ContactPerson.select(ContactPerson.id).where(
            ContactPerson.company == company.id
        ):
            publish_contact(contact.id)  # a rename changes every contact's ORG
        audit.record(actor, "company.update", company.name, ", ".join(sorted(changes)))
    return _company(company_id)


def delete_company(company_id: int, *, actor: str = "system") -> None:
    company = _company(company_id)
    refuse_company_change(company.id)
    with write_transaction():
        for contact in list(ContactPerson.select().where(ContactPerson.company == company.id)):
            address_books.publish(contact_name(contact), None, contact.uid, "")
        company.delete_instance(recursive=True)
        audit.record(actor, "company.delete", company.name)


def create_contact(company: int, *, actor: str = "system", **values: Any) -> ContactPerson:
    _check(values, CONTACT_FIELDS, ContactPerson)
    owner = _company(company)
    if "export_carddav" in values:
        values["export_chosen"] = True
    else:
        values["export_carddav"] = book_enabled() and owner.category in EXPORTED_BY_DEFAULT
    now = time.time()
    with write_transaction():
        contact = ContactPerson.create(
            company=owner.id, uid=str(uuid.uuid4()), created=now, modified=now, **values
        )
        publish_contact(contact.id)
        audit.record(
            actor,
            "contact.create",
            f"{contact.first_name} {contact.last_name}".strip(),
            f"export_carddav={contact.export_carddav}",
        )
    return contact


def update_contact(
    contact_id: int, changes: dict[str, Any], *, actor: str = "system"
) -> ContactPerson:
    _check(changes, CONTACT_FIELDS, ContactPerson)
    contact = _contact(contact_id)
    refuse_contact_change(contact.id, changes)
    if "company" in changes:
        _company(changes["company"])
    stored = dict(changes, export_chosen=True) if "export_carddav" in changes else changes
    with write_transaction():
        ContactPerson.update(modified=time.time(), **stored).where(
            ContactPerson.id == contact.id
        ).execute()
        publish_contact(contact.id)
        audit.record(
            actor,
            "contact.update",
            f"{contact.first_name} {contact.last_name}".strip(),
            ", ".join(
                f"{k}={v}" for k, v in sorted(changes.items()) if k in ("export_carddav", "active")
            ),
        )
    return _contact(contact_id)


def delete_contact(contact_id: int, *, actor: str = "system") -> None:
    contact = _contact(contact_id)
    refuse_contact_change(contact.id, None)
    with write_transaction():
        address_books.publish(contact_name(contact), None, contact.uid, "")
        contact.delete_instance()
        audit.record(actor, "contact.delete", f"{contact.first_name} {contact.last_name}".strip())


def list_companies(*, category: str | None = None, active: bool | None = None) -> list[Company]:
    query = Company.select().order_by(Company.name, Company.id)
    if category is not None:
        query = query.where(Company.category == category)
    if active is not None:
        query = query.where(Company.active == active)
    return list(query)


def get_company(company_id: int) -> Company:
    return _company(company_id)


def list_contacts(
    *, company: int | None = None, export_carddav: bool | None = None
) -> list[ContactPerson]:
    query = ContactPerson.select().order_by(
        ContactPerson.last_name, ContactPerson.first_name, ContactPerson.id
    )
    if company is not None:
        query = query.where(ContactPerson.company == company)
    if export_carddav is not None:
        query = query.where(ContactPerson.export_carddav == export_carddav)
    return list(query)


def get_contact(contact_id: int) -> ContactPerson:
    return _contact(contact_id)


def _company(company_id: int) -> Company:
    company = Company.get_or_none(Company.id == company_id)
    if company is None:
        raise NotFound(code="no_such_company", field="company")
    return company


def _contact(contact_id: int) -> ContactPerson:
    contact = ContactPerson.get_or_none(ContactPerson.id == contact_id)
    if contact is None:
        raise NotFound(code="no_such_contact")
    return contact
