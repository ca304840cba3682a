"""The `sugarcrm` connector type (issue 14 item 3): the contacts of a SugarCRM instance
(REST v11), read incrementally by date_modified.

A run logs in (sugarcrm_api.py), reads the Contacts fields from the metadata (standard
ones and the instance's custom `_c` fields), and lists the contacts modified since the
newest date_modified of the last good run (`$gte`, so a change in that same second is not
missed), deleted ones included so that they leave the phonebook too. Dates are kept in
UTC, whatever zone the Sugar user's preferences write them in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from resources.connectors.connector_types import (
    BOOL,
    SECRET,
    TEXT,
    URL,
    Check,
    FetchesFromState,
    NextState,
    RecordProblem,
    Settings,
    SettingSpec,
    SourceRecord,
    SourceUnreadable,
    TestOutcome,
)
from resources.connectors.json_api import text_of
from resources.connectors.service_checks import contact_checks, refuse_missing_fields
from resources.connectors.service_delta import KeptContacts, source_fingerprint
from resources.connectors.source_http import SourceClient, SourceUnreachable
from resources.connectors.sugarcrm_api import (
    DEFAULT_CLIENT_ID,
    DEFAULT_PLATFORM,
    SugarRefused,
    SugarSession,
)
from resources.error_codes import sentence

STANDARD_FIELDS = (
    "id",
    "salutation",
    "first_name",
    "last_name",
    "title",
    "department",
    "email1",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "phone_other",
    "phone_fax",
    "account_name",
    "primary_address_street",
    "primary_address_postalcode",
    "primary_address_city",
    "primary_address_country",
)
ASKED_TOO = ("email", "date_modified", "deleted")  # read, not offered as fields
CUSTOM_TYPES = ("varchar", "phone", "enum", "radioenum", "text", "url", "name", "int", "decimal")
MAX_CUSTOM_FIELDS = 200

PHONEBOOK_MAPPING = {
    "first_name": "first_name",
    "last_name": "last_name",
    "company": "account_name",
    "phone_work": "phone_work",
    "phone_mobile": "phone_mobile",
    "phone_home": "phone_home",
    "email": "email1",
}
DIRECTORY_MAPPING = {
    "company": "account_name",
    "salutation": "salutation",
    "first_name": "first_name",
    "last_name": "last_name",
    "position": "title",
    "department": "department",
    "email": "email1",
    "phone_work": "phone_work",
    "phone_mobile": "phone_mobile",
    "phone_fax": "phone_fax",
}


def offered_fields(described: Mapping[str, Mapping[str, object]]) -> tuple[str, ...]:
    if not described:
        return STANDARD_FIELDS
    standard = [name for name in STANDARD_FIELDS if name in described or name in ("id", "email1")]
    custom = sorted(
        name
        for name, spec in described.items()
        if name.endswith("_c") and spec.get("type") in CUSTOM_TYPES
    )
    return (*standard, *custom[:MAX_CUSTOM_FIELDS])


def utc_text(value: str) -> str:
    """Sugar's ISO 8601 date in the user's zone as UTC in one layout ("" if unreadable)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def primary_email(record: Mapping[str, object]) -> str:
    given = text_of(record.get("email1"))
    if given:
        return given
    addresses = record.get("email")
    if isinstance(addresses, list):
        listed = [item for item in addresses if isinstance(item, dict)]
        for item in sorted(listed, key=lambda entry: not entry.get("primary_address")):
            if item.get("email_address") and not item.get("invalid_email"):
                return text_of(item["email_address"])
    return ""


def record_values(record: Mapping[str, object], fields: Sequence[str]) -> dict[str, str]:
    values = {name: text_of(record.get(name)) for name in fields}
    values["email1"] = primary_email(record)
    return values


def is_deleted(record: Mapping[str, object]) -> bool:
    return record.get("deleted") in (True, 1, "1", "true")


def _source(settings: Settings, fields: Sequence[str]) -> str:
    return source_fingerprint(
        str(settings.get("url", "")).rstrip("/"),
        str(settings.get("username", "")),
        ",".join(fields),
    )


SETTINGS = (
    SettingSpec("url", URL, "Address", "the SugarCRM instance, e.g. https://crm.example.com", True),
    SettingSpec("username", TEXT, "User name", "a SugarCRM user who may read contacts", True),
    SettingSpec("password", SECRET, "Password", "the SugarCRM user's password", True),
    SettingSpec(
        "client_id",
        TEXT,
        "OAuth client id",
        "sugar, or the key of an OAuth client set up in SugarCRM",
        default=DEFAULT_CLIENT_ID,
        max_length=300,
    ),
    SettingSpec("client_secret", SECRET, "OAuth client secret", "empty for the client sugar"),
    SettingSpec(
        "platform",
        TEXT,
        "API platform",
        "allow it under Admin > Configure API Platforms; 'base' would log the user out of "
        "the browser",
        default=DEFAULT_PLATFORM,
        max_length=100,
    ),
    SettingSpec(
        "verify_tls",
        BOOL,
        "Check the TLS certificate",
        "switch off only for a server with a self-signed certificate you trust",
        default=True,
    ),
)


@dataclass(frozen=True)
class SugarCrmType(FetchesFromState):
    key: str = "sugarcrm"
    label: str = "SugarCRM contacts"
    settings: tuple[SettingSpec, ...] = SETTINGS
    source_fields: tuple[str, ...] = STANDARD_FIELDS

    @property
    def default_mappings(self) -> Mapping[str, Mapping[str, str]]:
        return {"phonebook": PHONEBOOK_MAPPING, "directory": DIRECTORY_MAPPING}

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        url = str(settings.get("url", ""))
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            return TestOutcome((Check("url", False, sentence("sugarcrm_url_not_http")),))
        checks = [Check("url", True, sentence("sugarcrm_url_ok"))]
        session = SugarSession(settings, client)
        try:
            session.login()
        except SourceUnreachable as error:
            return TestOutcome((*checks, Check("reachable", False, error.sentence)))
        except SugarRefused as error:
            checks.append(Check("reachable", True, sentence("source_answers")))
            if error.step == "login":
                checks.append(Check("client", True, sentence("sugarcrm_knows_client")))
            return TestOutcome((*checks, Check(error.step, False, error.sentence)))
        checks += [
            Check("reachable", True, sentence("sugarcrm_answers")),
            Check("client", True, sentence("sugarcrm_knows_client")),
            Check("login", True, sentence("sugarcrm_logged_in")),
        ]

        def probe() -> tuple[tuple[str, ...], bool]:
            fields = offered_fields(session.contact_fields())
            return fields, bool(next(session.contact_pages(("id",), "", page_size=1)))

        return contact_checks(
            checks,
            probe,
            (SugarRefused,),
            no_contacts="sugarcrm_no_contacts",
            custom_suffix="_c",
        )

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        session = SugarSession(settings, client)
        try:
            yield from self._fetch(settings, state, session, mandatory)
        except SourceUnreachable as error:
            raise SourceUnreadable(error.sentence) from None

    def _fetch(
        self,
        settings: Settings,
        state: Mapping[str, object],
        session: SugarSession,
        mandatory: Sequence[str],
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        fields = offered_fields(session.contact_fields())
        refuse_missing_fields(mandatory, fields, "sugarcrm_no_field")
        kept = KeptContacts.from_state(state, _source(settings, fields))
        asked = tuple(dict.fromkeys((*fields, *ASKED_TOO)))
        fetched = removed = 0
        for page in session.contact_pages(asked, kept.since):
            for record in page:
                key = text_of(record.get("id"))
                if not key:
                    continue
                changed = utc_text(text_of(record.get("date_modified")))
                if is_deleted(record):
                    removed += kept.remove([key])
                    kept.since = max(kept.since, changed)
                else:
                    kept.put(key, record_values(record, fields), changed)
                    fetched += 1
        yield from kept.all_records()
        yield kept.next_state(
            full=kept.complete,
            fetched=fetched,
            removed=removed,
            requests=session.caller.requests,
            waited_seconds=session.caller.waited_seconds,
        )


SUGARCRM = SugarCrmType()
