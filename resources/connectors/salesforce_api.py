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

PASSWORD_FLOW, CLIENT_CREDENTIALS_FLOW = "password", "client_credentials"
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_API_VERSION = "v60.0"
MAX_PAGES = 10_000  # 2,000 records a page at most: 20 million contacts

# errorCode -> what it means for the administrator; the service's own message follows.
NO_READ_ACCESS = ("INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY", "INVALID_TYPE")
API_SENTENCES = {
    "INVALID_SESSION_ID": "Salesforce ended the session and a new login was refused too",
    "REQUEST_LIMIT_EXCEEDED": "The Salesforce organisation has used up its API requests for now",
    "API_DISABLED_FOR_ORG": "The REST API is not enabled for this Salesforce organisation",
    "API_CURRENTLY_DISABLED": "The REST API is switched off for this Salesforce user",
    "INVALID_FIELD": "Salesforce does not know a field the query asks for",
    "MALFORMED_QUERY": "Salesforce refused the query",
    "INVALID_REPLICATION_DATE": "Salesforce keeps no deleted records that far back",
    "NOT_FOUND": "Salesforce has no such resource (check the API version)",
}
TOKEN_CLIENT_ERRORS = {
    "invalid_client_id": "Salesforce does not know this consumer key (client id)",
    "invalid_client": "Salesforce refused the consumer secret (client secret)",
    "unsupported_grant_type": "The connected app does not allow this OAuth flow",
    "inactive_org": "The Salesforce organisation is locked or inactive",
}


class SalesforceRefused(SourceUnreadable):
    """Salesforce answered with an error; `step` names the test's check it fails
    (`client`, `login` or `contacts`)."""

    def __init__(self, message: str, step: str = "contacts", code: str = "") -> None:
        super().__init__(message)
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


def api_refusal(answer: JsonAnswer, what: str) -> SalesforceRefused:
    code, message = _first_error(answer.data)
    detail = f" ({code}: {message})" if code else ""
    if code in NO_READ_ACCESS or (answer.status == 403 and code not in API_SENTENCES):
        return SalesforceRefused(
            f"The Salesforce user may not read contacts{detail}; give the user's profile "
            "or a permission set read access to Contact and Account.",
            code=code,
        )
    if code in API_SENTENCES:
        later = "; the next run tries again" if code == "REQUEST_LIMIT_EXCEEDED" else ""
        return SalesforceRefused(f"{API_SENTENCES[code]}{detail}{later}.", code=code)
    return SalesforceRefused(
        f"Salesforce answered HTTP {answer.status} instead of {what}{detail}.", code=code
    )


def token_refusal(answer: JsonAnswer) -> SalesforceRefused:
    if not isinstance(answer.data, dict):
        return SalesforceRefused(
            f"The login URL answers HTTP {answer.status}, but not as Salesforce's token "
            "endpoint does (no JSON at /services/oauth2/token); check the login URL.",
            "answer",
        )
    data = answer.data
    error = str(data.get("error", ""))
    description = str(data.get("error_description", ""))
    detail = f" ({error}: {description})" if error else f" (HTTP {answer.status})"
    if error in TOKEN_CLIENT_ERRORS:
        return SalesforceRefused(f"{TOKEN_CLIENT_ERRORS[error]}{detail}.", "client", error)
    if error == "invalid_grant" or answer.status in (400, 401):
        return SalesforceRefused(
            f"Salesforce refused the login{detail}; check the user name, the password and "
            "the security token, or for the client-credentials flow the app's run-as user.",
            "login",
            error,
        )
    return SalesforceRefused(
        f"Salesforce's token endpoint answered HTTP {answer.status}{detail}.", "login", error
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

    def get(self, path_or_url: str, what: str) -> Mapping[str, object]:
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
                raise SalesforceRefused(f"Salesforce's answer to {what} is not JSON.")
            raise api_refusal(answer, what)
        raise AssertionError("unreachable")

    def data_path(self, rest: str) -> str:
        return f"/services/data/{self.version}/{rest}"

    def query_pages(self, soql: str) -> Iterator[list[Mapping[str, object]]]:
        """The records of a query, a page at a time, following nextRecordsUrl."""
        page = self.get(self.data_path("query/?q=" + quote(soql, safe="")), "the query")
        for _ in range(MAX_PAGES):
            records = page.get("records")
            if not isinstance(records, list):
                raise SalesforceRefused("Salesforce's query answer has no records list.")
            yield [record for record in records if isinstance(record, dict)]
            following = page.get("nextRecordsUrl")
            if page.get("done", True) is True or not isinstance(following, str) or not following:
                return
            page = self.get(following, "the next page of the query")
        raise SalesforceRefused("Salesforce's query answer never ended.")

    def describe_contact(self) -> list[Mapping[str, object]]:
        described = self.get(self.data_path("sobjects/Contact/describe"), "the Contact fields")
        fields = described.get("fields")
        return (
            [item for item in fields if isinstance(item, dict)] if isinstance(fields, list) else []
        )

    def deleted_contacts(self, start: str, end: str) -> tuple[list[str], str, str]:
        """(ids deleted between start and end, latestDateCovered, earliestDateAvailable)."""
        path = self.data_path(
            f"sobjects/Contact/deleted/?start={quote(start, safe='')}&end={quote(end, safe='')}"
        )
        answer = self.get(path, "the deleted contacts")
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
