"""The entries of the forms' drop-downs and check lists, read when a form is shown."""

from __future__ import annotations

from davserver.web.admin.i18n import N_, _
from resources.organisation.accounts import list_accounts
from resources.organisation.branches import list_branches
from resources.organisation.employees import full_name, list_employees
from resources.store.directory import Company

NONE = ("", "—")
KIND_LABELS = {"person": N_("Person"), "room": N_("Room / location")}
ROLE_LABELS = {"admin": N_("Administrator"), "user": N_("User")}
CATEGORY_LABELS = {
    "customer": N_("Customer"),
    "supplier": N_("Supplier"),
    "partner": N_("Partner"),
    "other": N_("Other"),
}
SERVICE_CLASS_LABELS = {"caldav": N_("CalDAV appointment sync"), "carddav": N_("CardDAV contacts")}
CREDENTIAL_KIND_LABELS = {"individual": N_("Individual user/password")}


def _labelled(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, _(label)) for value, label in labels.items()]


def branch_choices() -> list[tuple[str, str]]:
    return [NONE] + [(str(b.id), b.name) for b in list_branches()]


def employee_choices() -> list[tuple[str, str]]:
    return [NONE] + [(str(e.id), full_name(e)) for e in list_employees()]


def account_choices() -> list[tuple[str, str]]:
    return [NONE] + [
        (str(a.id), f"{a.display_name} ({a.login})" if a.display_name != a.login else a.login)
        for a in list_accounts()
    ]


def member_choices() -> list[tuple[str, str]]:
    return account_choices()[1:]


def company_choices() -> list[tuple[str, str]]:
    return [NONE] + [(str(c.id), c.name) for c in Company.select().order_by(Company.name)]


def kind_choices() -> list[tuple[str, str]]:
    return _labelled(KIND_LABELS)


def role_choices() -> list[tuple[str, str]]:
    return _labelled(ROLE_LABELS)


def category_choices() -> list[tuple[str, str]]:
    return _labelled(CATEGORY_LABELS)


def service_class_choices() -> list[tuple[str, str]]:
    return _labelled(SERVICE_CLASS_LABELS)


def credential_kind_choices() -> list[tuple[str, str]]:
    return _labelled(CREDENTIAL_KIND_LABELS)


def label(labels: dict[str, str], value: str) -> str:
    """A stored value's label in the page's language (the value itself when unknown)."""
    return _(labels[value]) if value in labels else value
