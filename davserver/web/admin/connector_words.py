"""The connector types' own words in the page's language: their names, the labels and
help of their settings, the values of their choices and the names of their checks.

The types declare their names, labels and help in English, marked for extraction
(resources/connectors/), and a test makes sure every one has a German translation; the
values of choices and the names of checks are words of their own, listed here.
"""

from __future__ import annotations

import re
from functools import cache

from davserver.web.admin.i18n import N_, _

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

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


# The sentences connector types and runs write (checks, run failures, skipped rows), as
# templates: a sentence the catalogue lacks word for word is matched against these, and
# its values are put into the translated template.
SENTENCE_TEMPLATES = (
    # the checks of a test
    N_("The URL is an http(s) address."),
    N_("The URL must start with http:// or https://."),
    N_("The server answers."),
    N_("The server sends the file."),
    N_("The server speaks CardDAV."),
    N_("The file is CSV with %(columns)s columns and %(rows)s rows."),
    N_("The file holds %(cards)s cards, %(problems)s of them unreadable."),
    N_("The file holds %(cards)s cards."),
    N_("The address book is %(name)s (of %(count)s: %(names)s)."),
    N_("The address book is %(name)s."),
    N_("The address book offers sync-collection: each run fetches only the changed cards."),
    N_("The address book has no sync-collection: each run compares its ctag and ETags."),
    # the checks of the CRM types (salesforce, sugarcrm)
    N_("Salesforce answers."),
    N_("Salesforce knows the connected app."),
    N_("SugarCRM answers."),
    N_("SugarCRM knows the OAuth client."),
    N_("Logged in."),
    N_("Logged in; the organisation is %(url)s."),
    N_("The user may read contacts."),
    N_("The user sees no contacts in Salesforce."),
    N_("The user sees no contacts in SugarCRM."),
    N_("Contacts can be read with %(fields)s fields (%(custom)s custom)."),
    N_("The login URL is an http(s) address."),
    N_("The login URL must start with https:// (or http://)."),
    N_("The address is an http(s) address."),
    N_("The address must start with https://."),
    # answers that are not the file, sources that cannot be reached
    N_("The server refused the user name or password (HTTP %(status)s)."),
    N_("The server has no file at this URL (HTTP 404)."),
    N_("The server answered HTTP %(status)s instead of the file."),
    N_("The server answered HTTP %(status)s instead of an answer."),
    N_("The URL is not an http:// or https:// address."),
    N_("The source's TLS certificate is not valid for its address."),
    N_("The source's server cannot be reached (name or connection refused)."),
    N_("The source's server did not accept the connection in time."),
    N_("The source's server ended the answer before it was complete."),
    N_("The source's server stopped sending (timeout)."),
    N_("The source redirected more than %(count)s times."),
    N_("The source sent more than %(size)s MB."),
    N_("The server answered, but not as a CardDAV server does."),
    N_("The server has no address book at or below this URL."),
    N_("The server has %(count)s address books: %(names)s; name one in the setting 'addressbook'."),
    N_("No address book is called '%(name)s'; the server has %(names)s."),
    # files that cannot be read
    N_("The file is empty: its first row must name the field codes."),
    N_("The header row lacks the mandatory field codes: %(codes)s."),
    N_("The header row names the field code '%(code)s' twice."),
    N_("Line %(line)s is not valid %(encoding)s; save the file as UTF-8 or set its encoding."),
    N_("Line %(line)s cannot be read as CSV: %(reason)s."),
    N_("The file has a line of more than %(size)s MiB; it is not a CSV file of records."),
    N_("The entries come with each import through the API."),
    N_("The file comes with each upload and is tested then."),
    N_(
        "The file of this connection comes with each upload (the admin UI, or davserver "
        "phonebook import FILE.csv); there is nothing to fetch."
    ),
    N_(
        "The entries of this connection come with each import through the API "
        "(POST /api/v1/phonebook/import); there is nothing to fetch."
    ),
    # runs and their rows
    N_("The run stopped on an internal error; nothing was applied."),
    N_(
        "The server process running it stopped before it ended (its lease expired); "
        "nothing of it was applied."
    ),
    N_("The record has no phone number."),
    N_("The record has neither a name nor a company."),
    N_("The record has the same key '%(key)s' as line %(line)s; the first one counts."),
    N_("This server has no connector type '%(type)s' or target '%(target)s'."),
)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(template)
    regex = "".join(
        f"(?P<{part}>.+?)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.S)


def template_for(english: str) -> tuple[str, dict[str, str]] | None:
    """The template a connector's sentence was written from, with its values."""
    for template in SENTENCE_TEMPLATES:
        found = _pattern(template).match(english)
        if found is not None:
            return template, found.groupdict()
    return None


def sentence(english: str) -> str:
    """A connector's English sentence in the page's language, where it is translated."""
    if not english:
        return ""
    exact = _(english)
    if exact != english:
        return exact
    known = template_for(english)
    if known is None:
        return english
    template, values = known
    translated = _(template)
    return translated % values if translated != template else english
