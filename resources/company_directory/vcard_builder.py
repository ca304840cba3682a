"""Writing the company book's vCards (3.0, which every phone and PBX reads) from
directory rows: contact persons and phonebook entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from resources.formats.content_lines import FORBIDDEN_CHARACTER
from resources.formats.vcard_data import fold
from resources.store.directory import Company, ContactPerson, PhonebookEntry

CATEGORY_LABELS = {
    "customer": "Customer",
    "supplier": "Supplier",
    "partner": "Partner",
    "other": "Other",
}
SOURCE_LABELS = {"S": "Phonebook (synced)", "M": "Phonebook (manual)"}


# Line breaks of any kind become the \n escape; other controls (TAB aside) a vCard cannot hold.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def escape(text: str) -> str:
    """A TEXT value as RFC 6350 §3.4 writes it: backslash, line breaks, comma and semicolon escaped."""
    text = _LINE_BREAK.sub("\\\\n", (text or "").replace("\\", "\\\\"))
    return FORBIDDEN_CHARACTER.sub("", text).replace(",", "\\,").replace(";", "\\;")


def _rev(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y%m%dT%H%M%SZ")


def _card(lines: list[str]) -> str:
    return (
        "\r\n".join(fold(line) for line in ["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD"])
        + "\r\n"
    )


def _formatted(first: str, last: str, fallback: str) -> str:
    return " ".join(p for p in (first, last) if p).strip() or fallback


def contact_vcard(contact: ContactPerson, company: Company) -> str:
    name = _formatted(contact.first_name, contact.last_name, company.name)
    lines = [
        f"UID:{contact.uid}",
        f"FN:{escape(name)}",
        f"N:{escape(contact.last_name)};{escape(contact.first_name)};;{escape(contact.salutation)};",
        f"ORG:{escape(company.name)}"
        + (f";{escape(contact.department)}" if contact.department else ""),
    ]
    if contact.position:
        lines.append(f"TITLE:{escape(contact.position)}")
    if contact.title:
        lines.append(f"ROLE:{escape(contact.title)}")
    for email in filter(None, (e.strip() for e in contact.emails.splitlines())):
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{escape(email)}")
    for number, kinds in (
        (contact.phone_work, "WORK,VOICE"),
        (contact.phone_mobile, "CELL,VOICE"),
        (contact.phone_fax, "WORK,FAX"),
    ):
        if number:
            lines.append(f"TEL;TYPE={kinds}:{escape(number)}")
    if company.street or company.city:
        lines.append(
            f"ADR;TYPE=WORK:;;{escape(company.street)};{escape(company.city)};;"
            f"{escape(company.postal_code)};{escape(company.country)}"
        )
    if company.website:
        lines.append(f"URL:{escape(company.website)}")
    lines.append(f"CATEGORIES:{CATEGORY_LABELS.get(company.category, 'Other')}")
    lines.append(f"REV:{_rev(max(contact.modified, company.modified or company.created))}")
    return _card(lines)


def phonebook_vcard(entry: PhonebookEntry) -> str:
    name = _formatted(entry.first_name, entry.last_name, entry.company or entry.phone_work or "?")
    lines = [
        f"UID:{entry.uid}",
        f"FN:{escape(name)}",
        f"N:{escape(entry.last_name)};{escape(entry.first_name)};;;",
    ]
    if entry.company:
        lines.append(f"ORG:{escape(entry.company)}")
    for number, kinds in (
        (entry.phone_work, "WORK,VOICE"),
        (entry.phone_mobile, "CELL,VOICE"),
        (entry.phone_home, "HOME,VOICE"),
    ):
        if number:
            lines.append(f"TEL;TYPE={kinds}:{escape(number)}")
    if entry.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(entry.email)}")
    lines.append(f"CATEGORIES:{SOURCE_LABELS[entry.source]}")
    lines.append(f"X-DAVSERVER-SOURCE:{entry.source}")
    lines.append(f"REV:{_rev(entry.modified)}")
    return _card(lines)
