"""The dashboard: how many of everything there is, logins whose last sign-in was
refused (with the reason in words) and the latest changes."""

from __future__ import annotations

from flask import Blueprint, Response

from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import render
from resources.auth import audit
from resources.store.directory import ContactPerson, PhonebookEntry
from resources.store.organisation import (
    Branch,
    Employee,
    Resource,
    ServiceCredential,
    UserAccount,
)

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")

REFUSAL_SENTENCES = {
    "wrong_password": N_("The password was wrong."),
    "no_password": N_("No password has been set for this login yet."),
    "not_confirmed": N_("The login has not been confirmed by an administrator."),
    "not_yet_valid": N_("The login is not valid yet."),
    "expired": N_("The login has expired."),
    "account_inactive": N_("The user account of this login is deactivated."),
}
COUNTED = (
    (N_("Branches"), Branch, "branches.index"),
    (N_("Employees"), Employee, "employees.index"),
    (N_("Accounts"), UserAccount, "accounts.index"),
    (N_("Resources"), Resource, "resources.index"),
    (N_("Service logins"), ServiceCredential, "credentials.index"),
    (N_("Contact persons"), ContactPerson, "directory.contacts"),
    (N_("Phonebook entries"), PhonebookEntry, "phonebook.index"),
)


def refusal_sentence(code: str | None) -> str:
    return _(REFUSAL_SENTENCES[code]) if code in REFUSAL_SENTENCES else (code or "")


def refused_logins(limit: int = 20) -> list[ServiceCredential]:
    """Logins whose latest sign-in attempt was refused (after their last success)."""
    refused = ServiceCredential.last_refusal.is_null(False) & (
        ServiceCredential.last_used.is_null()
        | (ServiceCredential.last_refusal_at > ServiceCredential.last_used)
    )
    return list(
        ServiceCredential.select()
        .where(refused)
        .order_by(ServiceCredential.last_refusal_at.desc())
        .limit(limit)
    )


@blueprint.get("")
def index() -> Response:
    counts = [(label, model.select().count(), endpoint) for label, model, endpoint in COUNTED]
    return render(
        "admin/dashboard.html",
        counts=counts,
        refused=refused_logins(),
        refusal_sentence=refusal_sentence,
        changes=audit.recent(10),
    )
