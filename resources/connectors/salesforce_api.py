"""The Salesforce REST API as the `salesforce` connector uses it: an OAuth 2.0 token
(username-password or client-credentials flow) from `/services/oauth2/token`, whose
answer names the instance the API lives on; SOQL through `/services/data/vXX.X/query`,
page after page by `nextRecordsUrl`; the deleted records of a time span through
`/sobjects/Contact/deleted/`; and the fields of Contact through its `describe`.

The API's error bodies (`[{"message", "errorCode"}]` for the API, `{"error",
"error_description"}` for the token endpoint) become sentences that say what to do.
An expired session (401 INVALID_SESSION_ID) is answered by one new login.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin

from resources.connectors.connector_types import Settings, SourceUnreadable
from resources.connectors.json_api import JsonAnswer, JsonCaller
from resources.connectors.source_http import SourceClient
from resources.error_codes import Sentence, sentence

PASSWORD_FLOW, CLIENT_CREDENTIALS_FLOW = "password", "client_credentials"
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_API_VERSION = "v60.0"
MAX_PAGES = 10_000  # 2,000 records a page at most: 20 million contacts

# errorCode -> what it means for the administrator; the service's own message follows.
NO_READ_ACCESS = ("INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY", "INVALID_TYPE")
# Salesforce's errorCode -> the catalogue's sentence of it (resources/connector_codes.py)
API_SENTENCES = {
    "INVALID_SESSION_ID": "salesforce_session_refused",
    "REQUEST_LIMIT_EXCEEDED": "salesforce_request_limit",
    "API_DISABLED_FOR_ORG": "salesforce_api_off_for_org",
    "API_CURRENTLY_DISABLED": "salesforce_api_off_for_user",
    "INVALID_FIELD": "salesforce_field_unknown",
    "MALFORMED_QUERY": "salesforce_query_refused",
    "INVALID_REPLICATION_DATE": "salesforce_deleted_too_old",
    "NOT_FOUND": "salesforce_not_found",
}
TOKEN_CLIENT_ERRORS = {
    "invalid_client_id": "salesforce_client_unknown",
    "invalid_client": "salesforce_secret_refused",
    "unsupported_grant_type": "salesforce_flow_not_allowed",
    "inactive_org": "salesforce_org_inactive",
}


class SalesforceRefused(SourceUnreadable):
    """Salesforce answered with an error; `step` names the test's check it fails
    (`client`, `login` or `contacts`)."""

    def __init__(self, sentence: Sentence, step: str = "contacts", code: str = "") -> None:
        super().__init__(sentence)
        self.step = step
        self.code = code


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str
    issued_at: str  # the service's clock at the login, ISO 8601 UTC ("" if not said)


def _first_error(data: object) -> tuple[str, str]:
    """(errorCode, message) of an API error body, which is a list of errors."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return str(data[0].get("errorCode", "")), str(data[0].get("message", ""))
    if isinstance(data, dict):
        return str(data.get("errorCode", data.get("error", ""))), str(data.get("message", ""))
    return "", ""


def api_refusal(answer: JsonAnswer, what: Sentence) -> SalesforceRefused:
    code, message = _first_error(answer.data)
    detail = f" ({code}: {message})" if code else ""
    if code in NO_READ_ACCESS or (answer.status == 403 and code not in API_SENTENCES):
        return SalesforceRefused(sentence("salesforce_no_read_access", detail=detail), code=code)
    if code in API_SENTENCES:
        return SalesforceRefused(sentence(API_SENTENCES[code], detail=detail), code=code)
    return SalesforceRefused(
        sentence("salesforce_status", status=answer.status, what=what, detail=detail), code=code
    )


def token_refusal(answer: JsonAnswer) -> SalesforceRefused:
    if not isinstance(answer.data, dict):
        return SalesforceRefused(
            sentence("salesforce_not_token_endpoint", status=answer.status), "answer"
        )
    data = answer.data
    error = str(data.get("error", ""))
    description = str(data.get("error_description", ""))
    detail = f" ({error}: {description})" if error else f" (HTTP {answer.status})"
    if error in TOKEN_CLIENT_ERRORS:
        return SalesforceRefused(
            sentence(TOKEN_CLIENT_ERRORS[error], detail=detail), "client", error
        )
    if error == "invalid_grant" or answer.status in (400, 401):
        return SalesforceRefused(
            sentence("salesforce_login_refused", detail=detail), "login", error
        )
    return SalesforceRefused(
        sentence("salesforce_token_status", status=answer.status, detail=detail), "login", error
    )


def _issued_at(value: object) -> str:
    """The token answer's issued_at (milliseconds since 1970) as ISO 8601 UTC."""
    try:
        seconds = int(str(value)) / 1000
    except ValueError:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SalesforceSession:
    """One run's requests to one organisation, logged in once (again on an expiry)."""

    def __init__(self, settings: Settings, client: SourceClient) -> None:
        self.settings = settings
        self.caller = JsonCaller(
            client, bool(settings.get("verify_tls", True)), service="Salesforce"
        )
        self.version = str(settings.get("api_version") or DEFAULT_API_VERSION).strip()
        if not self.version.startswith("v"):
            self.version = "v" + self.version
        self.token: Token | None = None

    def login_url(self) -> str:
        return str(self.settings.get("login_url") or DEFAULT_LOGIN_URL).rstrip("/")

    def login(self) -> Token:
        form = {
            "grant_type": str(self.settings.get("flow") or PASSWORD_FLOW),
            "client_id": str(self.settings.get("client_id", "") or ""),
            "client_secret": str(self.settings.get("client_secret", "") or ""),
        }
        if form["grant_type"] == PASSWORD_FLOW:
            form["username"] = str(self.settings.get("username", "") or "")
            form["password"] = str(self.settings.get("password", "") or "") + str(
                self.settings.get("security_token", "") or ""
            )
        answer = self.caller.call("POST", self.login_url() + "/services/oauth2/token", form=form)
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.status != 200 or not data.get("access_token"):
            raise token_refusal(answer)
        instance = str(data.get("instance_url") or self.login_url()).rstrip("/")
        self.token = Token(str(data["access_token"]), instance, _issued_at(data.get("issued_at")))
        return self.token

    def get(self, path_or_url: str, what: Sentence) -> Mapping[str, object]:
        """The JSON object at an API path (or a path the API named, as nextRecordsUrl)."""
        token = self.token or self.login()
        for attempt in (1, 2):
            answer = self.caller.call(
                "GET",
                urljoin(token.instance_url + "/", path_or_url),
                headers={"Authorization": f"Bearer {token.access_token}"},
            )
            if answer.status == 401 and attempt == 1:
                token = self.login()  # the session expired: one new login
                continue
            if answer.status == 200 and isinstance(answer.data, dict):
                return answer.data
            if answer.status == 200:
                raise SalesforceRefused(sentence("salesforce_answer_not_json", what=what))
            raise api_refusal(answer, what)
        raise AssertionError("unreachable")

    def data_path(self, rest: str) -> str:
        return f"/services/data/{self.version}/{rest}"

    def query_pages(self, soql: str) -> Iterator[list[Mapping[str, object]]]:
        """The records of a query, a page at a time, following nextRecordsUrl."""
        page = self.get(
            self.data_path("query/?q=" + quote(soql, safe="")), sentence("salesforce_the_query")
        )
        for _ in range(MAX_PAGES):
            records = page.get("records")
            if not isinstance(records, list):
                raise SalesforceRefused(sentence("salesforce_query_no_records"))
            yield [record for record in records if isinstance(record, dict)]
            following = page.get("nextRecordsUrl")
            if page.get("done", True) is True or not isinstance(following, str) or not following:
                return
            page = self.get(following, sentence("salesforce_the_next_page"))
        raise SalesforceRefused(sentence("salesforce_query_never_ended"))

    def describe_contact(self) -> list[Mapping[str, object]]:
        described = self.get(
            self.data_path("sobjects/Contact/describe"), sentence("salesforce_the_fields")
        )
        fields = described.get("fields")
        return (
            [item for item in fields if isinstance(item, dict)] if isinstance(fields, list) else []
        )

    def deleted_contacts(self, start: str, end: str) -> tuple[list[str], str, str]:
        """(ids deleted between start and end, latestDateCovered, earliestDateAvailable)."""
        path = self.data_path(
            f"sobjects/Contact/deleted/?start={quote(start, safe='')}&end={quote(end, safe='')}"
        )
        answer = self.get(path, sentence("salesforce_the_deleted"))
        listed = answer.get("deletedRecords")
        ids = [
            str(item["id"])
            for item in (listed if isinstance(listed, list) else [])
            if isinstance(item, dict) and item.get("id")
        ]
        return (
            ids,
            str(answer.get("latestDateCovered") or ""),
            str(answer.get("earliestDateAvailable") or ""),
        )
