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
from resources.error_codes import Sentence, sentence

API = "/rest/v11"
DEFAULT_CLIENT_ID = "sugar"
DEFAULT_PLATFORM = "davserver"
PAGE_SIZE = 1000  # Sugar's usual ceiling for max_num (list_max_entries_per_subpanel aside)
MAX_PAGES = 100_000

# Sugar's error -> the catalogue's sentence of it (resources/connector_codes.py)
TOKEN_CLIENT_ERRORS = {
    "invalid_client": "sugarcrm_client_unknown",
    "unauthorized_client": "sugarcrm_grant_not_allowed",
}
API_SENTENCES = {
    "not_authorized": "sugarcrm_no_read_access",
    "request_too_large": "sugarcrm_request_too_large",
    "maintenance": "sugarcrm_maintenance",
    "invalid_parameter": "sugarcrm_parameter_refused",
    "not_found": "sugarcrm_not_found",
    "need_login": "sugarcrm_session_refused",
    "invalid_grant": "sugarcrm_session_refused",
}


class SugarRefused(SourceUnreadable):
    """SugarCRM answered with an error; `step` names the test's check it fails."""

    def __init__(self, sentence: Sentence, step: str = "contacts", code: str = "") -> None:
        super().__init__(sentence)
        self.step = step
        self.code = code


def _error(answer: JsonAnswer) -> tuple[str, str]:
    data = answer.data if isinstance(answer.data, dict) else {}
    return str(data.get("error", "")), str(data.get("error_message", ""))


def token_refusal(answer: JsonAnswer) -> SugarRefused:
    if not isinstance(answer.data, dict):
        return SugarRefused(sentence("sugarcrm_not_rest_api", status=answer.status), "answer")
    code, message = _error(answer)
    detail = f" ({code}: {message})" if code else f" (HTTP {answer.status})"
    if code in TOKEN_CLIENT_ERRORS:
        return SugarRefused(sentence(TOKEN_CLIENT_ERRORS[code], detail=detail), "client", code)
    if code in ("invalid_grant", "need_login") or answer.status in (400, 401):
        return SugarRefused(sentence("sugarcrm_login_refused", detail=detail), "login", code)
    return SugarRefused(
        sentence("sugarcrm_token_status", status=answer.status, detail=detail), "login", code
    )


def api_refusal(answer: JsonAnswer, what: Sentence) -> SugarRefused:
    code, message = _error(answer)
    detail = f" ({code}: {message})" if code else ""
    if code in API_SENTENCES:
        return SugarRefused(sentence(API_SENTENCES[code], detail=detail), code=code)
    if answer.status == 403:
        return SugarRefused(sentence("sugarcrm_no_read_access", detail=detail), code=code)
    return SugarRefused(
        sentence("sugarcrm_status", status=answer.status, what=what, detail=detail), code=code
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

    def get(
        self, path: str, query: Sequence[tuple[str, str]], what: Sentence
    ) -> Mapping[str, object]:
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
                raise SugarRefused(sentence("sugarcrm_answer_not_json", what=what))
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
            page = self.get(
                "/Contacts", [*query, ("offset", str(offset))], sentence("sugarcrm_the_contacts")
            )
            records = page.get("records")
            if not isinstance(records, list):
                raise SugarRefused(sentence("sugarcrm_no_records"))
            yield [record for record in records if isinstance(record, dict)]
            following = page.get("next_offset")
            if not isinstance(following, int) or following < 0 or following <= offset:
                return
            offset = following
        raise SugarRefused(sentence("sugarcrm_never_ended"))

    def contact_fields(self) -> Mapping[str, Mapping[str, object]]:
        """The Contacts module's fields by name, from the metadata."""
        data = self.get(
            "/metadata",
            [("type_filter", "modules"), ("module_filter", "Contacts")],
            sentence("sugarcrm_the_metadata"),
        )
        modules = data.get("modules")
        contacts = modules.get("Contacts") if isinstance(modules, dict) else None
        fields = contacts.get("fields") if isinstance(contacts, dict) else None
        if not isinstance(fields, dict):
            return {}
        return {str(name): spec for name, spec in fields.items() if isinstance(spec, dict)}
