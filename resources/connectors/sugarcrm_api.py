"""The SugarCRM REST API v11 as the `sugarcrm` connector uses it: an OAuth 2.0 password
grant on `/rest/v11/oauth2/token` and its refresh token when the access token expires;
the Contacts list (`max_num`, `offset`, `next_offset` -1 at the end) with a
`date_modified` filter and the deleted records among them; and the Contacts fields from
`/rest/v11/metadata?type_filter=modules`.

Sugar's error bodies (`{"error", "error_message"}`) become sentences that say what to do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from resources.connectors.connector_types import Settings, SourceUnreadable
from resources.connectors.json_api import JsonAnswer, JsonCaller
from resources.connectors.source_http import SourceClient

API = "/rest/v11"
DEFAULT_CLIENT_ID = "sugar"
DEFAULT_PLATFORM = "davserver"
PAGE_SIZE = 1000  # Sugar's usual ceiling for max_num (list_max_entries_per_subpanel aside)
MAX_PAGES = 100_000

TOKEN_CLIENT_ERRORS = {
    "invalid_client": "SugarCRM does not know this OAuth client (id or secret)",
    "unauthorized_client": "SugarCRM does not allow this OAuth client the password grant",
}
API_SENTENCES = {
    "not_authorized": "The SugarCRM user may not read contacts",
    "request_too_large": "SugarCRM finds the request too large",
    "maintenance": "SugarCRM is in maintenance mode",
    "invalid_parameter": "SugarCRM refused a parameter of the request",
    "not_found": "SugarCRM has no such resource (is this the instance's address?)",
    "need_login": "SugarCRM ended the session and a new login was refused too",
    "invalid_grant": "SugarCRM ended the session and a new login was refused too",
}


class SugarRefused(SourceUnreadable):
    """SugarCRM answered with an error; `step` names the test's check it fails."""

    def __init__(self, message: str, step: str = "contacts", code: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.code = code


def _error(answer: JsonAnswer) -> tuple[str, str]:
    data = answer.data if isinstance(answer.data, dict) else {}
    return str(data.get("error", "")), str(data.get("error_message", ""))


def token_refusal(answer: JsonAnswer) -> SugarRefused:
    if not isinstance(answer.data, dict):
        return SugarRefused(
            f"The address answers HTTP {answer.status}, but not as SugarCRM's REST API does "
            "(no JSON at /rest/v11/oauth2/token); check the address.",
            "answer",
        )
    code, message = _error(answer)
    detail = f" ({code}: {message})" if code else f" (HTTP {answer.status})"
    if code in TOKEN_CLIENT_ERRORS:
        return SugarRefused(f"{TOKEN_CLIENT_ERRORS[code]}{detail}.", "client", code)
    if code in ("invalid_grant", "need_login") or answer.status in (400, 401):
        return SugarRefused(
            f"SugarCRM refused the login{detail}; check the user name and the password, "
            "and that the API platform is allowed (Admin > Configure API Platforms).",
            "login",
            code,
        )
    return SugarRefused(
        f"SugarCRM's token endpoint answered HTTP {answer.status}{detail}.", "login", code
    )


def api_refusal(answer: JsonAnswer, what: str) -> SugarRefused:
    code, message = _error(answer)
    detail = f" ({code}: {message})" if code else ""
    if code in API_SENTENCES:
        later = "; the next run tries again" if code == "maintenance" else ""
        return SugarRefused(f"{API_SENTENCES[code]}{detail}{later}.", code=code)
    if answer.status == 403:
        return SugarRefused(f"The SugarCRM user may not read contacts{detail}.", code=code)
    return SugarRefused(
        f"SugarCRM answered HTTP {answer.status} instead of {what}{detail}.", code=code
    )


def filter_query(conditions: Sequence[Mapping[str, Mapping[str, str]]]) -> list[tuple[str, str]]:
    """A filter definition as Sugar reads it from a query string (PHP's bracket form:
    filter[0][date_modified][$gt]=...)."""
    pairs: list[tuple[str, str]] = []
    for index, condition in enumerate(conditions):
        for field_name, operators in condition.items():
            for operator, value in operators.items():
                pairs.append((f"filter[{index}][{field_name}][{operator}]", value))
    return pairs


@dataclass
class Tokens:
    access: str
    refresh: str


class SugarSession:
    """One run's requests to one Sugar instance, logged in once (refreshed on expiry)."""

    def __init__(self, settings: Settings, client: SourceClient) -> None:
        self.settings = settings
        self.base = str(settings.get("url", "")).rstrip("/")
        self.caller = JsonCaller(client, bool(settings.get("verify_tls", True)), service="SugarCRM")
        self.tokens: Tokens | None = None

    def _token(self, grant: Mapping[str, str]) -> Tokens:
        body = {
            "client_id": str(self.settings.get("client_id") or DEFAULT_CLIENT_ID),
            "client_secret": str(self.settings.get("client_secret", "") or ""),
            "platform": str(self.settings.get("platform") or DEFAULT_PLATFORM),
            **grant,
        }
        answer = self.caller.call("POST", self.base + API + "/oauth2/token", json_body=body)
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.status != 200 or not data.get("access_token"):
            raise token_refusal(answer)
        self.tokens = Tokens(str(data["access_token"]), str(data.get("refresh_token") or ""))
        return self.tokens

    def login(self) -> Tokens:
        return self._token(
            {
                "grant_type": "password",
                "username": str(self.settings.get("username", "") or ""),
                "password": str(self.settings.get("password", "") or ""),
            }
        )

    def _renew(self) -> Tokens:
        """A new access token: by the refresh token, or by logging in again when Sugar
        refuses that too (it has expired or was revoked)."""
        if self.tokens is not None and self.tokens.refresh:
            try:
                return self._token(
                    {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh}
                )
            except SugarRefused:
                pass
        return self.login()

    def get(self, path: str, query: Sequence[tuple[str, str]], what: str) -> Mapping[str, object]:
        tokens = self.tokens or self.login()
        url = self.base + API + path + ("?" + urlencode(list(query)) if query else "")
        for attempt in (1, 2):
            answer = self.caller.call("GET", url, headers={"OAuth-Token": tokens.access})
            if answer.status == 401 and attempt == 1:
                tokens = self._renew()
                continue
            if answer.status == 200 and isinstance(answer.data, dict):
                return answer.data
            if answer.status == 200:
                raise SugarRefused(f"SugarCRM's answer to {what} is not JSON.")
            raise api_refusal(answer, what)
        raise AssertionError("unreachable")

    def contact_pages(
        self,
        fields: Sequence[str],
        since: str,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[Mapping[str, object]]]:
        """The contacts (changed since `since`, with the deleted ones then), a page at a
        time, oldest change first."""
        query: list[tuple[str, str]] = [
            ("max_num", str(page_size)),
            ("fields", ",".join(fields)),
            ("order_by", "date_modified:ASC"),
        ]
        if since:
            query += filter_query([{"date_modified": {"$gte": since}}])
            query.append(("deleted", "true"))
        offset = 0
        for _ in range(MAX_PAGES):
            page = self.get("/Contacts", [*query, ("offset", str(offset))], "the contacts")
            records = page.get("records")
            if not isinstance(records, list):
                raise SugarRefused("SugarCRM's contacts answer has no records list.")
            yield [record for record in records if isinstance(record, dict)]
            following = page.get("next_offset")
            if not isinstance(following, int) or following < 0 or following <= offset:
                return
            offset = following
        raise SugarRefused("SugarCRM's contacts answer never ended.")

    def contact_fields(self) -> Mapping[str, Mapping[str, object]]:
        """The Contacts module's fields by name, from the metadata."""
        data = self.get(
            "/metadata",
            [("type_filter", "modules"), ("module_filter", "Contacts")],
            "the metadata",
        )
        modules = data.get("modules")
        contacts = modules.get("Contacts") if isinstance(modules, dict) else None
        fields = contacts.get("fields") if isinstance(contacts, dict) else None
        if not isinstance(fields, dict):
            return {}
        return {str(name): spec for name, spec in fields.items() if isinstance(spec, dict)}
