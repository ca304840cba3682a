"""The audit log: who changed access to what, and when, newest first, page by page;
filtered by who, what and the days it happened, each entry told as a sentence in the
page's language (the action's code stays in the row's data-action for machines)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, request

from davserver.web.admin.crud import PAGE_SIZE
from davserver.web.admin.i18n import N_, SHOWN_ZONE, _
from davserver.web.admin.pages import render
from resources.auth import audit
from resources.store.listing import ListRequest
from resources.store.organisation import AuditEntry

blueprint = Blueprint("audit", __name__, url_prefix="/audit")

ACTIONS = {
    "account.create": N_("User account created"),
    "account.update": N_("User account changed"),
    "account.delete": N_("User account deleted"),
    "account.password": N_("Password of a user account set"),
    "branch.create": N_("Branch created"),
    "branch.update": N_("Branch changed"),
    "branch.delete": N_("Branch deleted"),
    "calendar.rename": N_("Personal calendar renamed"),
    "company.create": N_("Company created"),
    "company.update": N_("Company changed"),
    "company.delete": N_("Company deleted"),
    "contact.create": N_("Contact person created"),
    "contact.update": N_("Contact person changed"),
    "contact.delete": N_("Contact person deleted"),
    "credential.create": N_("Login created"),
    "credential.update": N_("Login changed"),
    "credential.delete": N_("Login deleted"),
    "credential.password": N_("Password of a login set"),
    "credential.unlock": N_("Login unlocked"),
    "directory.enable_company_book": N_("Company address book switched on"),
    "employee.create": N_("Employee created"),
    "employee.update": N_("Employee changed"),
    "employee.delete": N_("Employee deleted"),
    "group.create": N_("Group created"),
    "group.update": N_("Group changed"),
    "group.delete": N_("Group deleted"),
    "phonebook.create": N_("Phonebook entry created"),
    "phonebook.delete": N_("Phonebook entry deleted"),
    "phonebook.import": N_("Phonebook imported"),
    "resource.create": N_("Resource created"),
    "resource.update": N_("Resource changed"),
    "resource.delete": N_("Resource deleted"),
    "resource.sync_allowed": N_("Sync of a resource switched"),
}
DETAILS = {
    "account": N_("User account"),
    "active": N_("Active"),
    "address": N_("Address"),
    "appointments deleted": N_("appointments deleted"),
    "branch": N_("Branch"),
    "classes": N_("Service class"),
    "confirmed": N_("Confirmed"),
    "created": N_("created"),
    "deleted": N_("deleted"),
    "display_name": N_("Display name"),
    "email": N_("E-mail"),
    "employee": N_("Employee"),
    "export_carddav": N_("Export via CardDAV"),
    "exported": N_("exported"),
    "failed sign-ins forgotten": N_("failed sign-ins forgotten"),
    "first_name": N_("First name"),
    "home_branch": N_("Home branch"),
    "kind": N_("Kind"),
    "last_name": N_("Last name"),
    "login": N_("Login"),
    "members": N_("Members"),
    "name": N_("Name"),
    "password": N_("Password"),
    "password_set": N_("Password set"),
    "role": N_("Role"),
    "service_classes": N_("Service class"),
    "sync_allowed": N_("Sync allowed"),
    "timezone": N_("Time zone"),
    "updated": N_("updated"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
}
# `key=value` pairs, separated by spaces or commas; a value runs to the next pair.
_KEY = r"(?:appointments deleted|failed sign-ins forgotten|[a-z_]+)"
_PAIR = re.compile(rf"({_KEY})=(.*?)(?=(?:,\s*|\s+){_KEY}=|$)")


def action_text(code: str) -> str:
    return _(ACTIONS[code]) if code in ACTIONS else code


def _value_text(value: str) -> str:
    shown = {"True": _("yes"), "False": _("no"), "(changed)": _("changed")}
    return shown.get(value, value)


@blueprint.app_template_global("audit_details")
def details_text(details: str) -> str:
    """`confirmed=False password_set=True` as "Confirmed: no · Password set: yes"."""
    pairs = _PAIR.findall(details)
    if not pairs:
        names = [name.strip() for name in details.split(",")]
        if details and all(name in DETAILS for name in names):  # the fields that changed
            return _("Changed: %(fields)s", fields=", ".join(_(DETAILS[n]) for n in names))
        return {"password set": _("password set")}.get(details, details)
    return " · ".join(
        f"{_(DETAILS[key]) if key in DETAILS else key}: {_value_text(value.strip())}"
        for key, value in pairs
    )


@blueprint.app_template_global("audit_sentence")
def sentence(entry: AuditEntry) -> str:
    """ "Login created: anna" in the page's language."""
    return _("%(action)s: %(target)s", action=action_text(entry.action), target=entry.target)


def _day(name: str) -> date | None:
    raw = request.args.get(name, "")
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None
    return day if day is not None and 1 <= day.year <= 9998 else None


def _day_start(day: date | None, *, following: bool = False) -> float | None:
    if day is None:
        return None
    moment = datetime(day.year, day.month, day.day, tzinfo=SHOWN_ZONE)
    return (moment + timedelta(days=1 if following else 0)).timestamp()


@blueprint.get("", endpoint="index")
def entries() -> Response:
    """?actor=, ?action=, ?from= and ?until= (days in the shown zone), ?q= and ?after=."""
    actor = request.args.get("actor", "")[:200]
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    first, last = _day("from"), _day("until")
    asked = ListRequest(
        q=request.args.get("q", "").strip()[:200],
        limit=PAGE_SIZE,
        after=request.args.get("after", ""),
    )
    page = audit.entries_page(
        asked,
        actor=actor,
        action=action,
        since=_day_start(first),
        before=_day_start(last, following=True),
    )
    kept = {
        "actor": actor,
        "action": action,
        "from": first.isoformat() if first else "",
        "until": last.isoformat() if last else "",
        "q": asked.q,
    }
    return render(
        "admin/audit.html",
        entries=page.items,
        next_cursor=page.next,
        after=asked.after,
        filters={k: v for k, v in kept.items() if v},
        actors=audit.actors(),
        actions=sorted(((code, action_text(code)) for code in ACTIONS), key=lambda a: a[1]),
    )
