"""What a record of a connection into the company directory is (seeds 000 and 004): the
target's fields (a contact person's, then its company's), the checks a mapped record
must pass, and the person and company columns it becomes.

The field names follow the directory's schemas (resources/company_directory/schemas.py),
with two exceptions that let the same CSV or vCard source feed the phonebook and the
directory without a mapping: `company` is the company's name (the phonebook's and the
vCard's code for ORG), and `email` takes one address or several (comma, semicolon or a
line between them). The directory's academic title is `academic_title`, because a
vCard's `title` is a job title (the directory's `position`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from resources.company_directory.directory import CATEGORIES, check_text_fields
from resources.company_directory.schemas import COMPANY, CONTACT
from resources.error_codes import Sentence, sentence
from resources.errors import InvalidProperty
from resources.store.directory import Company, ContactPerson

# target field -> ContactPerson column
PERSON_COLUMNS = {
    "salutation": "salutation",
    "academic_title": "title",
    "first_name": "first_name",
    "last_name": "last_name",
    "position": "position",
    "department": "department",
    "email": "emails",
    "phone_work": "phone_work",
    "phone_mobile": "phone_mobile",
    "phone_fax": "phone_fax",
}
# target field -> Company column
COMPANY_COLUMNS = {
    "company": "name",
    "company_category": "category",
    "company_street": "street",
    "company_postal_code": "postal_code",
    "company_city": "city",
    "company_country": "country",
    "company_phone": "phone",
    "company_website": "website",
}
FIELDS = (*PERSON_COLUMNS, *COMPANY_COLUMNS)
MANDATORY = ("company", "last_name")
# What a company is when neither the source nor the connection's defaults say.
DEFAULT_CATEGORY = str(next(spec.default for spec in COMPANY.fields if spec.name == "category"))
# Category names sources write, in English and German, for the directory's categories.
CATEGORY_WORDS = {
    "customer": ("customer", "customers", "client", "kunde", "kunden"),
    "supplier": ("supplier", "suppliers", "vendor", "lieferant", "lieferanten"),
    "partner": ("partner", "partners", "partnerin"),
    "other": ("other", "others", "sonstige", "sonstiges", "andere"),
}
_CATEGORY_OF = {word: key for key, words in CATEGORY_WORDS.items() for word in words}
_EMAIL_SEPARATORS = re.compile(r"[,;\s]+")


def field_labels() -> dict[str, str]:
    """target field -> the directory schema's label of its column (for forms)."""
    person = {spec.name: spec.label for spec in CONTACT.fields}
    company = {spec.name: spec.label for spec in COMPANY.fields}
    labels = {field: person[column] for field, column in PERSON_COLUMNS.items()}
    labels.update({field: company[column] for field, column in COMPANY_COLUMNS.items()})
    return labels


def category_of(value: str) -> str | None:
    """The directory's category for a source's word (empty: the default), or None."""
    if not value.strip():
        return DEFAULT_CATEGORY
    found = _CATEGORY_OF.get(value.strip().lower())
    return found if found in CATEGORIES else None


def emails_of(value: str) -> list[str]:
    return [address for address in _EMAIL_SEPARATORS.split(value) if address]


def person_values(values: Mapping[str, str]) -> dict[str, str]:
    """The ContactPerson columns of a checked record."""
    person = {column: values.get(field, "") for field, column in PERSON_COLUMNS.items()}
    person["emails"] = "\n".join(emails_of(person["emails"]))
    return person


def company_values(values: Mapping[str, str]) -> dict[str, str]:
    """The Company columns of a checked record."""
    company = {column: values.get(field, "") for field, column in COMPANY_COLUMNS.items()}
    company["category"] = category_of(company["category"]) or DEFAULT_CATEGORY
    return company


def record_problem(values: Mapping[str, str]) -> Sentence | None:
    """Why a mapped record cannot be a contact person of the directory, or None."""
    if not values.get("company"):
        return sentence("directory_no_company")
    if not values.get("first_name") and not values.get("last_name"):
        return sentence("directory_no_name")
    if category_of(values.get("company_category", "")) is None:
        return sentence(
            "directory_category_unknown",
            category=values.get("company_category", "")[:40],
            categories=", ".join(CATEGORIES),
        )
    for address in emails_of(values.get("email", "")):
        if "@" not in address:
            return sentence("not_an_email", address=address[:100])
    try:
        check_text_fields(ContactPerson, person_values(values))
        check_text_fields(Company, company_values(values))
    except InvalidProperty as error:
        if error.sentence is None:  # the checks above always name a code
            raise
        return error.sentence
    return None


def digest(values: Mapping[str, str]) -> str:
    """Of every target field: equal digests mean the source said the same as last time."""
    canonical = "\x1f".join(values.get(name, "") for name in FIELDS)
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()
