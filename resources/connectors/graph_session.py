"""Microsoft Graph over HTTP, for the microsoft365 connector type: the app's token by the
OAuth 2.0 client-credentials grant (Microsoft identity platform, v2.0 token endpoint),
renewed before it expires and once more after a 401; JSON answers, with `Retry-After`
honoured on 429 and 503 (Graph's throttling guidance); pages followed through
`@odata.nextLink` up to the round's `@odata.deltaLink`.

Every refusal is a `GraphRefused` naming the step of the connection test it belongs to
(`client`, `token`, `permission`, `answer`), so the test can say exactly what is wrong and
a run fails with the same sentence.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

from resources.connectors.connector_types import Settings, SourceUnreadable
from resources.connectors.source_http import ApiSourceClient, SourceResponse
from resources.error_codes import Sentence, Value, sentence

LOGIN_DEFAULT = "https://login.microsoftonline.com"
GRAPH_DEFAULT = "https://graph.microsoft.com"
RENEW_SECONDS_BEFORE_EXPIRY = 120  # a token this close to its end is renewed first
MAX_THROTTLED_RETRIES = 8
MAX_RETRY_AFTER_SECONDS = 300.0  # a longer wait fails the run; the next one tries again
MAX_WAIT_SECONDS_PER_FETCH = 900.0  # all the waits of one test or run together
DEFAULT_RETRY_SECONDS = 2.0  # when a 429 or 503 names no Retry-After
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_PAGES = 100_000
PAGE_SIZE = 500  # asked with Prefer: odata.maxpagesize; the service may send fewer
THROTTLED = (429, 503)

# AADSTS codes of the identity platform's token errors that name the setting at fault.
TENANT_UNKNOWN = ("AADSTS90002", "AADSTS900023", "AADSTS90013")
CLIENT_UNKNOWN = ("AADSTS700016",)
SECRET_WRONG = ("AADSTS7000215", "AADSTS7000222", "AADSTS7000218")
# Graph's error codes for a delta token it no longer knows: the next round starts over.
DELTA_EXPIRED_CODES = (
    "syncstatenotfound",
    "sync.syncstatenotfound",
    "resyncrequired",
    "syncstateinvalid",
    "errorinvalidsyncstatedata",
)


class GraphRefused(SourceUnreadable):
    """The identity platform or Graph answered, but refused or answered badly; `step` is
    the connection test's check it fails."""

    def __init__(self, step: str, sentence: Sentence) -> None:
        super().__init__(sentence)
        self.step = step


class DeltaExpired(Exception):
    """The service no longer knows the delta token (410 Gone, or an invalid token)."""


def base_url(settings: Settings, name: str, default: str) -> str:
    return (str(settings.get(name, "") or "").strip() or default).rstrip("/")


def _error_of(response: SourceResponse) -> tuple[str, str]:
    """(code, message) of an identity-platform or Graph error body, ("", "") if none."""
    try:
        body = json.loads(response.body)
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):  # Graph: {"error": {"code", "message"}}
        return str(error.get("code", "")), str(error.get("message", ""))
    if isinstance(error, str):  # the token endpoint: {"error", "error_description"}
        return error, str(body.get("error_description", ""))
    return "", ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def token_refusal(response: SourceResponse, settings: Settings) -> GraphRefused:
    """Why the token endpoint gave no token, in the words of the setting at fault."""
    code, description = _error_of(response)
    said = _said(description)
    tenant = str(settings.get("tenant_id", "")).strip()
    if any(aadsts in description for aadsts in TENANT_UNKNOWN) or response.status == 404:
        return GraphRefused("client", sentence("m365_tenant_unknown", tenant=tenant, said=said))
    if any(aadsts in description for aadsts in CLIENT_UNKNOWN):
        return GraphRefused("client", sentence("m365_client_unknown", said=said))
    if any(aadsts in description for aadsts in SECRET_WRONG) or code == "invalid_client":
        return GraphRefused("client", sentence("m365_secret_wrong", said=said))
    what = f"'{code}'" if code else f"HTTP {response.status}"
    return GraphRefused("token", sentence("m365_token_refused", what=what, said=said))


def _said(text: str) -> Value:
    """What the service said, as the tail of a sentence ("" when it said nothing)."""
    return sentence("m365_service_said", text=_first_line(text)) if text else ""


@dataclass
class GraphSession:
    """Requests to Graph with the connection's app registration; one a fetch."""

    settings: Settings
    client: ApiSourceClient
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    waited_seconds: float = 0.0
    _token: str = ""
    _expires_at: float = 0.0
    _verify_tls: bool = field(init=False)

    def __post_init__(self) -> None:
        self._verify_tls = bool(self.settings.get("verify_tls", True))
        self.graph = base_url(self.settings, "graph_url", GRAPH_DEFAULT)
        self.login = base_url(self.settings, "login_url", LOGIN_DEFAULT)

    def token_url(self) -> str:
        tenant = quote(str(self.settings.get("tenant_id", "")).strip(), safe="")
        return f"{self.login}/{tenant}/oauth2/v2.0/token"

    def _send(
        self, method: str, url: str, *, headers: Mapping[str, str], form: Mapping[str, str] | None
    ) -> SourceResponse:
        """One request, sent again after the wait a 429 or 503 asks for."""
        for _attempt in range(MAX_THROTTLED_RETRIES + 1):
            self.requests += 1
            response = self.client.request(
                method,
                url,
                headers=headers,
                form=form,
                verify_tls=self._verify_tls,
                max_bytes=MAX_PAGE_BYTES,
            )
            if response.status not in THROTTLED:
                return response
            wait = retry_after(response.headers.get("retry-after", ""))
            if (
                wait > MAX_RETRY_AFTER_SECONDS
                or self.waited_seconds + wait > MAX_WAIT_SECONDS_PER_FETCH
            ):
                break
            self.waited_seconds += wait
            self.sleep(wait)
        raise GraphRefused("answer", sentence("m365_busy", status=response.status))

    def renew_token(self) -> None:
        form = {
            "client_id": str(self.settings.get("client_id", "")).strip(),
            "client_secret": str(self.settings.get("client_secret", "")),
            "scope": f"{self.graph}/.default",
            "grant_type": "client_credentials",
        }
        response = self._send("POST", self.token_url(), headers={}, form=form)
        if response.status != 200:
            raise token_refusal(response, self.settings)
        try:
            body = json.loads(response.body)
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3599))
        except (ValueError, KeyError, TypeError):
            raise GraphRefused("token", sentence("m365_no_access_token")) from None
        self._token = token
        self._expires_at = self.clock() + lifetime

    def token(self) -> str:
        if not self._token or self.clock() >= self._expires_at - RENEW_SECONDS_BEFORE_EXPIRY:
            self.renew_token()
        return self._token

    def get(self, url: str, *, max_page_size: int = PAGE_SIZE) -> SourceResponse:
        """GET with the token; a 401 renews the token once and asks again."""
        if urlsplit(url).netloc != urlsplit(self.graph).netloc:
            raise GraphRefused("answer", sentence("m365_next_page_elsewhere"))
        headers = {"Accept": "application/json", "Prefer": f"odata.maxpagesize={max_page_size}"}
        for renewed in (False, True):
            response = self._send(
                "GET",
                url,
                headers={**headers, "Authorization": f"Bearer {self.token()}"},
                form=None,
            )
            if response.status != 401 or renewed:
                return response
            self.renew_token()
        return response  # not reached: the loop returns on its second pass

    def get_json(self, url: str, *, delta: bool = False) -> dict[str, object]:
        response = self.get(url)
        if response.status == 200:
            try:
                body = json.loads(response.body)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise GraphRefused("answer", sentence("m365_answer_not_object"))
            return body
        code, message = _error_of(response)
        if delta and (
            response.status == 410
            or code.lower() in DELTA_EXPIRED_CODES
            or (
                response.status == 400 and "delta" in message.lower() and "token" in message.lower()
            )
        ):
            raise DeltaExpired()
        raise graph_refusal(response.status, code, message)

    def pages(self, url: str, *, delta: bool = False) -> Iterator[tuple[list[object], str]]:
        """Each page's items, with the round's deltaLink on the last page ("" before)."""
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            body = self.get_json(url, delta=delta)
            items = body.get("value")
            if not isinstance(items, list):
                raise GraphRefused("answer", sentence("m365_answer_no_list"))
            next_link = body.get("@odata.nextLink")
            if isinstance(next_link, str) and next_link:
                yield items, ""
                if next_link in seen:
                    raise GraphRefused("answer", sentence("m365_same_page_twice"))
                seen.add(next_link)
                url = next_link
                continue
            yield items, str(body.get("@odata.deltaLink", "") or "")
            return
        raise GraphRefused("answer", sentence("m365_list_never_ended"))


def graph_refusal(status: int, code: str, message: str) -> GraphRefused:
    said = _said(message)
    if status == 401:
        return GraphRefused("permission", sentence("m365_token_not_accepted", said=said))
    if status == 403:
        return GraphRefused("permission", sentence("m365_no_permission", said=said))
    if status == 404:
        return GraphRefused("permission", sentence("m365_no_mailbox", said=said))
    what = f" '{code}'" if code else ""
    return GraphRefused("answer", sentence("m365_status", status=status, error=what, said=said))


def retry_after(header: str) -> float:
    """Seconds a Retry-After header asks for: a number of seconds or an HTTP date."""
    header = header.strip()
    if not header:
        return DEFAULT_RETRY_SECONDS
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_SECONDS
    return max(0.0, when.timestamp() - time.time())
