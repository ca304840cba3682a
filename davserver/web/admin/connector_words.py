"""The connector types' own words in the page's language: their names, the labels and
help of their settings, the values of their choices and the names of their checks; and
the sentences of their checks, failures and skipped rows, which are catalogue codes with
values (resources/connector_codes.py), translated by their code.

The types declare their names, labels and help in English, marked for extraction
(resources/connectors/), and a test makes sure every one has a German translation; the
values of choices and the names of checks are words of their own, listed here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from davserver.web.admin.domain_messages import translated
from davserver.web.admin.i18n import N_, _
from resources.error_codes import sentence_from_json
from resources.store.connectors import ConnectorRun

CHOICE_LABELS = {
    "auto": N_("recognise it"),
    "comma": N_("comma (,)"),
    "semicolon": N_("semicolon (;)"),
    "tab": N_("tab"),
    "pipe": N_("vertical bar (|)"),
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252",
    "mailbox": N_("the contacts of one mailbox"),
    "organisation": N_("the organisation's contacts"),
    "password": N_("password (a user's login)"),
    "client_credentials": N_("client credentials (the app's run-as user)"),
}
CHECK_LABELS = {
    "url": N_("Address"),
    "reachable": N_("Reachable"),
    "answer": N_("Answer"),
    "format": N_("File format"),
    "login": N_("Signing in"),
    "discovery": N_("Address book found"),
    "addressbook": N_("Address book"),
    "cards": N_("Contacts"),
    "sync": N_("Changes since the last run"),
    "entries": N_("Entries"),
    "upload": N_("Upload"),
    "client": N_("OAuth client"),
    "contacts": N_("Permission to read contacts"),
    "records": N_("Contacts found"),
    # the checks of microsoft365 (its "contacts" is named in TYPE_CHECK_LABELS)
    "settings": N_("Settings"),
    "token": N_("Access token"),
    "graph": N_("Microsoft Graph answers"),
    "permission": N_("Permission to read contacts"),
}
# A check a type names as another type names a different one: (type, check) -> label.
TYPE_CHECK_LABELS = {("microsoft365", "contacts"): N_("Contacts found")}
STATE_LABELS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "ok": N_("ok"),
    "failed": N_("run failed"),
}
STATE_TONES = {"queued": "warn", "running": "warn", "ok": "ok", "failed": "bad"}
TRIGGER_LABELS = {"manual": N_("by hand"), "interval": N_("interval")}
INTERVAL_LABELS = {
    0: N_("only by hand"),
    5: N_("every 5 minutes"),
    15: N_("every 15 minutes"),
    60: N_("every hour"),
    1440: N_("daily"),
}


def words(english: str) -> str:
    """A type's English word in the page's language (itself when not translated)."""
    return _(english) if english else ""


def choice_label(value: str) -> str:
    return _(CHOICE_LABELS[value]) if value in CHOICE_LABELS else value


def check_label(check: str, type_key: str = "") -> str:
    label = TYPE_CHECK_LABELS.get((type_key, check)) or CHECK_LABELS.get(check)
    return _(label) if label else check


def state_label(state: str) -> str:
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def interval_label(minutes: int) -> str:
    return _(INTERVAL_LABELS[minutes]) if minutes in INTERVAL_LABELS else str(minutes)


def row_error(problem: Mapping[str, object]) -> str:
    """Why a run skipped a row, in the page's language: from the code and values stored
    beside the English; a row of a run before schema step 18 has only its English."""
    found = sentence_from_json(problem)
    return translated(found) if found is not None else str(problem.get("message", ""))


def run_failure(run: ConnectorRun) -> str:
    """Why a run failed, in the page's language (a run failed before schema step 18 has
    only its English)."""
    try:
        found = sentence_from_json(json.loads(run.failure)) if run.failure else None
    except ValueError:
        found = None
    return translated(found) if found is not None else run.message
