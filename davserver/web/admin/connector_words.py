"""The connector types' own words in the page's language: their names, the labels and
help of their settings, the values of their choices and the names of their checks; and
the sentences of their checks, failures and skipped rows, which are catalogue codes with
values (resources/connector_codes.py), translated by their code.

The types declare these in English (resources/connectors/); they are listed here once
more so that the translation catalogue has them, and a test makes sure every word a
registered type declares is listed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from davserver.web.admin.domain_messages import translated
from davserver.web.admin.i18n import N_, _
from resources.error_codes import sentence_from_json
from resources.store.connectors import ConnectorRun

TYPE_LABELS = (
    N_("CSV file at a URL"),
    N_("CSV file upload"),
    N_("vCard file at a URL"),
    N_("CardDAV address book"),
    N_("Phonebook entries sent as JSON (POST /api/v1/phonebook/import)"),
)
SETTING_WORDS = (
    N_("URL"),
    N_("User name"),
    N_("Password"),
    N_("Delimiter"),
    N_("Encoding"),
    N_("Check the TLS certificate"),
    N_("Address book"),
    N_("http:// or https:// address of the CSV file"),
    N_("http:// or https:// address of the .vcf file"),
    N_("for Basic authentication; may be empty"),
    N_("for Basic authentication"),
    N_("switch off only for a server with a self-signed certificate you trust"),
    N_("the server, your principal, the address book home or the address book itself"),
    N_("which one, by name, when the URL leads to several"),
)
CHOICE_LABELS = {
    "auto": N_("recognise it"),
    "comma": N_("comma (,)"),
    "semicolon": N_("semicolon (;)"),
    "tab": N_("tab"),
    "pipe": N_("vertical bar (|)"),
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252",
}
CHECK_LABELS = {
    "url": N_("Address"),
    "reachable": N_("Reachable"),
    "answer": N_("Answer"),
    "format": N_("File format"),
    "login": N_("Login"),
    "discovery": N_("Address book found"),
    "addressbook": N_("Address book"),
    "cards": N_("Contacts"),
    "sync": N_("Changes since the last run"),
    "entries": N_("Entries"),
    "upload": N_("Upload"),
}
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


def check_label(check: str) -> str:
    return _(CHECK_LABELS[check]) if check in CHECK_LABELS else check


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
