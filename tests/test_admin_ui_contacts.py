"""Companies, contact persons and the phonebook in the admin UI (seeds 000 and 002):
category filters, the per-contact export switch, S/M markers, copy to manual."""

from __future__ import annotations

import re

from resources.company_directory import directory, phonebook
from resources.company_directory.book_language import set_installation_language
from resources.store.directory import ContactPerson, PhonebookEntry
from tests.browser.admin_pages import unique


def test_contacts_filter_by_category_and_switch_export(admin_ui):
    customer = directory.create_company(name=unique("Kunde GmbH"), category="customer")
    supplier = directory.create_company(name=unique("Lieferant AG"), category="supplier")
    anna = directory.create_contact(
        customer.id, first_name="Anna", last_name=unique("Kunde"), export_carddav=False
    )
    bert = directory.create_contact(supplier.id, first_name="Bert", last_name=unique("Liefer"))
    customers = admin_ui.get("/directory/contacts?category=customer").text
    assert anna.last_name in customers and bert.last_name not in customers
    assert supplier.name in admin_ui.get("/directory/companies?category=supplier").text
    assert customer.name not in admin_ui.get("/directory/companies?category=supplier").text

    switched = admin_ui.post(
        f"/directory/contacts/{anna.id}/export", {"export_carddav": "1", "category": "customer"}
    )
    assert switched.url.endswith("/admin/directory/contacts?category=customer")
    assert "now exported" in switched.text
    assert ContactPerson.get_by_id(anna.id).export_carddav
    admin_ui.post(f"/directory/contacts/{anna.id}/export", {"export_carddav": "0"})
    assert not ContactPerson.get_by_id(anna.id).export_carddav


def test_contact_and_company_forms_save(admin_ui):
    name = unique("Firma")
    saved = admin_ui.post(
        "/directory/companies/new", {"name": name, "category": "partner", "active": "1"}
    )
    assert saved.status_code == 200 and name in saved.text
    company = directory.Company.get(directory.Company.name == name)
    last = unique("Kontakt")
    admin_ui.post(
        "/directory/contacts/new",
        {
            "company": str(company.id),
            "first_name": "Clara",
            "last_name": last,
            "emails": "clara@example.com\nc@example.com",
            "active": "1",
            "export_carddav": "1",
        },
    )
    contact = ContactPerson.get(ContactPerson.last_name == last)
    assert contact.export_carddav and contact.emails.splitlines() == [
        "clara@example.com",
        "c@example.com",
    ]


def test_phonebook_marks_synced_and_manual_entries_and_copies(admin_ui):
    source = unique("CRM")
    phonebook.import_source(
        source, [{"first_name": "Sven", "last_name": unique("Sync"), "phone_work": "+49 30 1"}]
    )
    synced = PhonebookEntry.get(PhonebookEntry.origin == source)
    page = admin_ui.get("/phonebook?source=S").text
    assert f'id="entry-{synced.id}"' in page and 'class="marker S"' in page
    copied = admin_ui.post(f"/phonebook/{synced.id}/copy")
    assert "copied into a manual entry" in copied.text
    manual = PhonebookEntry.get(
        (PhonebookEntry.source == "M") & (PhonebookEntry.last_name == synced.last_name)
    )
    assert f'id="entry-{manual.id}"' in admin_ui.get("/phonebook?source=M").text
    phonebook.import_source(source, [])
    assert PhonebookEntry.get_or_none(PhonebookEntry.id == manual.id) is not None


def test_manual_phonebook_entry_needs_a_phone_number(admin_ui):
    refused = admin_ui.post("/phonebook/new", {"last_name": unique("Ohne")})
    assert refused.status_code == 422
    assert 'id="f-phone_work-error"' in refused.text
    saved = admin_ui.post(
        "/phonebook/new", {"last_name": unique("Mit"), "phone_mobile": "+49 170 1"}
    )
    assert "manual entry is saved" in saved.text


def test_contact_forms_left_as_offered_do_not_keep_the_book_from_exporting(admin_ui):
    """A form saved with the export switch as the page offered it is no choice: switching
    the book on still exports the contact. Unticking it by hand is one, and is kept."""
    try:
        directory.disable_company_book()
        customer = directory.create_company(name=unique("Kunde GmbH"), category="customer")
        page = admin_ui.get(f"/directory/contacts/new?company={customer.id}").text
        assert re.search(
            r'<input type="checkbox" id="f-export_carddav" name="export_carddav" value="1"[ >]',
            page,
        )  # offered off
        offered = unique("Angeboten")
        admin_ui.post(
            "/directory/contacts/new",
            {"company": str(customer.id), "first_name": "Ole", "last_name": offered, "active": "1"},
        )
        untouched = ContactPerson.get(ContactPerson.last_name == offered)
        admin_ui.post(
            f"/directory/contacts/{untouched.id}",
            {
                "company": str(customer.id),
                "first_name": "Ole",
                "last_name": offered,
                "position": "Einkauf",
                "active": "1",
            },
        )
        unticked = directory.create_contact(customer.id, first_name="Uta", last_name=unique("Aus"))
        directory.update_contact(unticked.id, {"export_carddav": True})
        admin_ui.post(
            f"/directory/contacts/{unticked.id}",
            {
                "company": str(customer.id),
                "first_name": "Uta",
                "last_name": unticked.last_name,
                "active": "1",
            },
        )
        assert not ContactPerson.get_by_id(unticked.id).export_carddav

        switched = admin_ui.post("/directory/company-book")
        assert "switched on" in switched.text and 'id="disable-book"' in switched.text
        assert ContactPerson.get_by_id(untouched.id).export_carddav
        assert not ContactPerson.get_by_id(unticked.id).export_carddav
        off = admin_ui.post("/directory/company-book/off")
        assert "switched off" in off.text and 'id="enable-book"' in off.text
        assert "directory.disable_company_book" in admin_ui.get("/audit").text
    finally:
        directory.enable_company_book()
        set_installation_language("en")
