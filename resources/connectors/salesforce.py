"""The `salesforce` connector type (issue 14 item 2): the contacts of a Salesforce
organisation with their account's name, read incrementally by SystemModstamp.

A run logs in (salesforce_api.py), reads which Contact fields the user may see (describe:
standard ones and the organisation's custom `__c` fields), and asks with SOQL for the
contacts changed since the newest SystemModstamp of the last good run (`>=`, so a change
in that same second is not missed; an unchanged record read again changes nothing), and
for those deleted since through the deleted-records resource. Where Salesforce no longer
keeps the deletions that far back, the run reads everything instead.

Why our own small client, not simple-salesforce: it sends with `requests`, so it could
not live in the domain (which does no HTTP) and would bypass the server's SourceClient
and its timeouts, TLS setting and size limits; its password login is the SOAP login, not
the OAuth 2.0 flows asked for; and its errors would still have to be turned into our
sentences. The four resources used here are a page of code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from resources.connectors.connector_types import (
    BOOL,
    CHOICE,
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
from resources.connectors.salesforce_api import (
    CLIENT_CREDENTIALS_FLOW,
    DEFAULT_API_VERSION,
    DEFAULT_LOGIN_URL,
    PASSWORD_FLOW,
    SalesforceRefused,
    SalesforceSession,
)
from resources.connectors.service_checks import contact_checks, refuse_missing_fields
from resources.connectors.service_delta import KeptContacts, source_fingerprint
from resources.connectors.source_http import SourceClient, SourceUnreachable
from resources.error_codes import sentence

ACCOUNT_NAME = "Account.Name"
STANDARD_FIELDS = (
    "Id",
    "Salutation",
    "FirstName",
    "LastName",
    "Title",
    "Department",
    "Email",
    "Phone",
    "MobilePhone",
    "HomePhone",
    "OtherPhone",
    "Fax",
    "MailingStreet",
    "MailingPostalCode",
    "MailingCity",
    "MailingCountry",
)
CUSTOM_TYPES = ("string", "phone", "email", "picklist", "url", "textarea", "int", "double")
MAX_CUSTOM_FIELDS = 200
MODSTAMP = "SystemModstamp"

PHONEBOOK_MAPPING = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "company": ACCOUNT_NAME,
    "phone_work": "Phone",
    "phone_mobile": "MobilePhone",
    "phone_home": "HomePhone",
    "email": "Email",
}
DIRECTORY_MAPPING = {
    "company": ACCOUNT_NAME,
    "salutation": "Salutation",
    "first_name": "FirstName",
    "last_name": "LastName",
    "position": "Title",
    "department": "Department",
    "email": "Email",
    "phone_work": "Phone",
    "phone_mobile": "MobilePhone",
    "phone_fax": "Fax",
}


def offered_fields(described: Sequence[Mapping[str, object]]) -> tuple[str, ...]:
    """The source fields a run reads: the standard ones the user may see, the account's
    name, and the custom fields of a type that reads as text."""
    names = {str(item.get("name", "")) for item in described}
    if not names:  # describe said nothing: the fields every organisation has
        return (*STANDARD_FIELDS, ACCOUNT_NAME)
    standard = [name for name in STANDARD_FIELDS if name in names]
    if "AccountId" in names:
        standard.append(ACCOUNT_NAME)
    custom = sorted(
        str(item["name"])
        for item in described
        if str(item.get("name", "")).endswith("__c") and item.get("type") in CUSTOM_TYPES
    )
    return (*standard, *custom[:MAX_CUSTOM_FIELDS])


def utc_stamp(value: str) -> datetime | None:
    """A Salesforce dateTime ("2024-05-01T10:00:00.000+0000") as an aware datetime."""
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value.strip().replace("Z", "+0000"), pattern).astimezone(UTC)
        except ValueError:
            continue
    return None


def stamp_text(moment: datetime) -> str:
    """One fixed layout, so that text order is time order in the state."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_utc(moment: datetime) -> str:
    """A time as the deleted-records resource reads it (ISO 8601 with its offset)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def soql(fields: Sequence[str], since: datetime | None) -> str:
    select = ", ".join(dict.fromkeys(("Id", *fields, MODSTAMP)))
    where = f" WHERE {MODSTAMP} >= {since.strftime('%Y-%m-%dT%H:%M:%SZ')}" if since else ""
    return f"SELECT {select} FROM Contact{where}"


def record_values(record: Mapping[str, object], fields: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in fields:
        if name == ACCOUNT_NAME:
            account = record.get("Account")
            values[name] = text_of(account.get("Name")) if isinstance(account, dict) else ""
        else:
            values[name] = text_of(record.get(name))
    return values


def _source(settings: Settings, fields: Sequence[str]) -> str:
    return source_fingerprint(
        str(settings.get("login_url") or DEFAULT_LOGIN_URL),
        str(settings.get("flow") or PASSWORD_FLOW),
        str(settings.get("client_id", "")),
        str(settings.get("username", "")),
        str(settings.get("api_version") or DEFAULT_API_VERSION),
        ",".join(fields),
    )


def url_check(settings: Settings) -> Check:
    url = str(settings.get("login_url") or DEFAULT_LOGIN_URL)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        return Check("url", False, sentence("salesforce_url_not_http"))
    return Check("url", True, sentence("salesforce_url_ok"))


SETTINGS = (
    SettingSpec(
        "login_url",
        URL,
        "Login URL",
        "https://login.salesforce.com, https://test.salesforce.com for a sandbox, or your "
        "My Domain address (needed for the client-credentials flow)",
        default=DEFAULT_LOGIN_URL,
    ),
    SettingSpec(
        "flow",
        CHOICE,
        "OAuth flow",
        "password: a Salesforce user's login; client_credentials: the connected app's run-as user",
        default=PASSWORD_FLOW,
        choices=(PASSWORD_FLOW, CLIENT_CREDENTIALS_FLOW),
    ),
    SettingSpec(
        "client_id", TEXT, "Consumer key", "the connected app's consumer key", True, max_length=300
    ),
    SettingSpec("client_secret", SECRET, "Consumer secret", "the connected app's consumer secret"),
    SettingSpec("username", TEXT, "User name", "for the password flow", max_length=300),
    SettingSpec("password", SECRET, "Password", "for the password flow"),
    SettingSpec(
        "security_token",
        SECRET,
        "Security token",
        "appended to the password; empty when the server's address is a trusted IP range",
    ),
    SettingSpec(
        "api_version", TEXT, "API version", "for example v60.0", default=DEFAULT_API_VERSION
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
class SalesforceType(FetchesFromState):
    key: str = "salesforce"
    label: str = "Salesforce contacts"
    settings: tuple[SettingSpec, ...] = SETTINGS
    source_fields: tuple[str, ...] = (*STANDARD_FIELDS, ACCOUNT_NAME)

    @property
    def default_mappings(self) -> Mapping[str, Mapping[str, str]]:
        return {"phonebook": PHONEBOOK_MAPPING, "directory": DIRECTORY_MAPPING}

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        checks = [url_check(settings)]
        if not checks[0].ok:
            return TestOutcome(tuple(checks))
        session = SalesforceSession(settings, client)
        try:
            token = session.login()
        except SourceUnreachable as error:
            return TestOutcome((*checks, Check("reachable", False, error.sentence)))
        except SalesforceRefused as error:
            checks.append(Check("reachable", True, sentence("source_answers")))
            if error.step == "login":
                checks.append(Check("client", True, sentence("salesforce_knows_app")))
            return TestOutcome((*checks, Check(error.step, False, error.sentence)))
        checks.append(Check("reachable", True, sentence("salesforce_answers")))
        checks.append(Check("client", True, sentence("salesforce_knows_app")))
        checks.append(
            Check("login", True, sentence("salesforce_logged_in", url=token.instance_url))
        )

        def probe() -> tuple[tuple[str, ...], bool]:
            fields = offered_fields(session.describe_contact())
            return fields, bool(next(session.query_pages("SELECT Id FROM Contact LIMIT 1")))

        return contact_checks(
            checks,
            probe,
            (SalesforceRefused,),
            no_contacts="salesforce_no_contacts",
            custom_suffix="__c",
        )

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        session = SalesforceSession(settings, client)
        try:
            yield from self._fetch(settings, state, session, mandatory)
        except SourceUnreachable as error:
            raise SourceUnreadable(error.sentence) from None

    def _fetch(
        self,
        settings: Settings,
        state: Mapping[str, object],
        session: SalesforceSession,
        mandatory: Sequence[str],
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        fields = offered_fields(session.describe_contact())
        refuse_missing_fields(mandatory, fields, "salesforce_no_field")
        kept = KeptContacts.from_state(state, _source(settings, fields))
        assert session.token is not None  # describe logged in
        now = session.token.issued_at or stamp_text(datetime.now(UTC))
        removed, covered = 0, now
        if not kept.complete:
            start = str(state.get("deleted_until") or kept.since)
            removed, covered = self._remove_deleted(session, kept, start, now)
        since = None if kept.complete else utc_stamp(kept.since)
        fetched = 0
        for page in session.query_pages(soql(fields, since)):
            for record in page:
                key = text_of(record.get("Id"))
                stamp = utc_stamp(text_of(record.get(MODSTAMP)))
                if not key:
                    continue
                kept.put(key, record_values(record, fields), stamp_text(stamp) if stamp else "")
                fetched += 1
        yield from kept.all_records()
        yield kept.next_state(
            deleted_until=covered,
            full=kept.complete,
            fetched=fetched,
            removed=removed,
            requests=session.caller.requests,
            waited_seconds=session.caller.waited_seconds,
        )

    def _remove_deleted(
        self, session: SalesforceSession, kept: KeptContacts, start: str, end: str
    ) -> tuple[int, str]:
        """Drop what was deleted since `start`, and say up to when the deletions are
        known (Salesforce's latestDateCovered: the next run asks from there); where
        Salesforce cannot say, start over."""
        start_at, end_at = utc_stamp(start), utc_stamp(end)
        if start_at is None or end_at is None:
            kept.start_over()
            return 0, end
        try:
            ids, latest, earliest = session.deleted_contacts(
                iso_utc(start_at), iso_utc(max(end_at, start_at))
            )
        except SalesforceRefused as error:
            if error.code != "INVALID_REPLICATION_DATE":
                raise
            kept.start_over()
            return 0, end
        earliest_at = utc_stamp(earliest) if earliest else None
        if earliest_at is not None and earliest_at > start_at:
            kept.start_over()  # the delete log was purged past our last run
            return 0, end
        latest_at = utc_stamp(latest) if latest else None
        return kept.remove(ids), stamp_text(latest_at) if latest_at else end


SALESFORCE = SalesforceType()
