"""A fake Salesforce organisation for the connector tests and the benchmark, on two
127.0.0.1 servers as in real life: the login server (`/services/oauth2/token`) and the
instance the token answer names (`/services/data/vXX.X/...`). It answers in the shapes
recorded in tests/data/salesforce/ (README there: which documentation page each follows):
expiring tokens, SOQL over Contact paged by nextRecordsUrl, `WHERE SystemModstamp >=`,
the deleted-records resource, the Contact describe, and the API's error bodies.

Faults a test can ask for: a token that expires after some requests (401
INVALID_SESSION_ID), 429 with Retry-After, a 500 on the n-th page, INSUFFICIENT_ACCESS,
REQUEST_LIMIT_EXCEEDED, a purged delete log."""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.fake_service import Asked, FakeHttp, Reply, recorded

VERSION_PATH = re.compile(r"^/services/data/(v\d+\.\d)/(.*)$")
SOQL = re.compile(
    r"^SELECT (?P<fields>.+?) FROM Contact"
    r"(?: WHERE SystemModstamp >= (?P<since>\S+))?(?: LIMIT (?P<limit>\d+))?$"
)


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def parsed(text: str) -> float:
    return datetime.fromisoformat(
        text.replace("+0000", "+00:00").replace("Z", "+00:00")
    ).timestamp()


def error(name: str) -> object:
    return recorded("salesforce", f"error_{name}.json")


@dataclass
class Faults:
    token_lasts_requests: int | None = None  # API requests a token serves, then 401
    busy: list[str] = field(default_factory=list)  # Retry-After values of 429s to send first
    fail_on_page: int | None = None  # 500 on this page of a query (1 = the first)
    no_read_access: bool = False
    limit_exceeded: bool = False
    delete_log_purged: bool = False
    seconds_per_answer: float = 0.0  # the service's own answer time


class FakeSalesforce:
    client_id = "3MVG9fake.consumer.key"
    client_secret = "fake-consumer-secret"
    username = "integration@example.com"
    password = "geheim-1"
    security_token = "TOKEN123"

    def __init__(self, page_size: int = 2000, tls_directory: Path | None = None) -> None:
        self.page_size = page_size
        self.contacts: dict[str, dict] = {}
        self.deleted: list[tuple[str, float]] = []
        self.faults = Faults()
        self.tokens: dict[str, int] = {}  # token -> API requests it has served
        self.cursors: dict[str, list[dict]] = {}
        self.describe = recorded("salesforce", "describe_contact.json")
        self._lock = threading.Lock()
        self._last = 0.0
        self.instance = FakeHttp(self._api)
        self.login = FakeHttp(self._token, tls_directory)

    # the organisation's data
    def now(self) -> float:
        """The service's clock; strictly increasing, so every change has its own stamp."""
        with self._lock:
            self._last = max(time.time(), self._last + 0.001)
            return self._last

    def put(
        self,
        contact_id: str,
        account: str | None = None,
        when: float | None = None,
        **fields: object,
    ) -> str:
        """Add or change a contact; `when` backdates the change (seeded data is older)."""
        record = {**self.contacts.get(contact_id, {}), **fields, "Id": contact_id}
        record["Account"] = {"Name": account} if account is not None else record.get("Account")
        record["SystemModstamp"] = stamp(self.now() if when is None else when)
        self.contacts[contact_id] = record
        return contact_id

    def delete(self, contact_id: str) -> None:
        del self.contacts[contact_id]
        self.deleted.append((contact_id, self.now()))

    def settings(self, **more: object) -> dict:
        return {
            "login_url": self.login.base_url,
            "flow": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password,
            "security_token": self.security_token,
            **more,
        }

    def api_paths(self) -> list[str]:
        return self.instance.paths()

    def stop(self) -> None:
        self.instance.stop()
        self.login.stop()

    # the login server
    def _token(self, asked: Asked) -> Reply:
        if asked.path != "/services/oauth2/token" or asked.method != "POST":
            return Reply(404, error("invalid_field"))
        form = asked.form()
        if form.get("client_id") != self.client_id:
            return Reply(400, recorded("salesforce", "token_invalid_client_id.json"))
        if form.get("client_secret") != self.client_secret:
            return Reply(400, recorded("salesforce", "token_invalid_client.json"))
        if form.get("grant_type") == "password" and (
            form.get("username") != self.username
            or form.get("password") != self.password + self.security_token
        ):
            return Reply(400, recorded("salesforce", "token_invalid_grant.json"))
        if form.get("grant_type") not in ("password", "client_credentials"):
            return Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        answer = dict(recorded("salesforce", "token.json"))
        token = f"00Dfake!{uuid.uuid4().hex}"
        self.tokens[token] = 0
        answer.update(
            access_token=token,
            instance_url=self.instance.base_url,
            issued_at=str(int(self.now() * 1000)),
        )
        return Reply(200, answer)

    # the instance
    def _api(self, asked: Asked) -> Reply:
        if self.faults.seconds_per_answer:
            time.sleep(self.faults.seconds_per_answer)
        token = asked.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return Reply(401, error("invalid_session_id"))
        self.tokens[token] += 1
        lasts = self.faults.token_lasts_requests
        if lasts is not None and self.tokens[token] > lasts:
            return Reply(401, error("invalid_session_id"))
        if self.faults.busy:
            return Reply(
                429, error("request_limit_exceeded"), {"Retry-After": self.faults.busy.pop(0)}
            )
        if self.faults.limit_exceeded:
            return Reply(403, error("request_limit_exceeded"))
        matched = VERSION_PATH.match(asked.path)
        if matched is None:
            return Reply(
                404,
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
            )
        rest = matched.group(2).rstrip("/")
        if rest == "sobjects/Contact/describe":
            return Reply(200, self.describe)
        if self.faults.no_read_access:
            return Reply(403, error("insufficient_access"))
        if rest == "query":
            return self._query(asked.param("q"), matched.group(1))
        if rest.startswith("query/"):
            return self._page(rest.removeprefix("query/"), matched.group(1))
        if rest == "sobjects/Contact/deleted":
            return self._deleted(asked.param("start"), asked.param("end"))
        return Reply(
            404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        )

    def _query(self, soql: str, version: str) -> Reply:
        matched = SOQL.match(soql.strip())
        if matched is None:
            return Reply(400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected: {soql}"}])
        fields = [name.strip() for name in matched.group("fields").split(",")]
        known = {item["name"] for item in self.describe["fields"]} | {"Account.Name"}
        unknown = [name for name in fields if name not in known]
        if unknown:
            return Reply(
                400,
                [
                    {
                        "errorCode": "INVALID_FIELD",
                        "message": f"No such column '{unknown[0]}' on entity 'Contact'.",
                    }
                ],
            )
        since = matched.group("since")
        rows = [
            self._row(record, fields, version)
            for record in list(self.contacts.values())
            if since is None or parsed(record["SystemModstamp"]) >= parsed(since)
        ]
        if matched.group("limit"):
            rows = rows[: int(matched.group("limit"))]
        locator = f"01gFAKE{uuid.uuid4().hex[:10]}"
        self.cursors[locator] = rows
        return self._page(f"{locator}-0", version)

    def _page(self, cursor: str, version: str) -> Reply:
        locator, _, offset_text = cursor.rpartition("-")
        rows = self.cursors.get(locator)
        if rows is None:
            return Reply(
                400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
            )
        offset = int(offset_text)
        page_number = offset // self.page_size + 1
        if self.faults.fail_on_page == page_number:
            return Reply(500, error("server"))
        following = offset + self.page_size
        answer: dict = {
            "totalSize": len(rows),
            "done": following >= len(rows),
            "records": rows[offset:following],
        }
        if following < len(rows):
            answer["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{following}"
        return Reply(200, answer)

    def _row(self, record: dict, fields: list[str], version: str) -> dict:
        row: dict = {
            "attributes": {
                "type": "Contact",
                "url": f"/services/data/{version}/sobjects/Contact/{record['Id']}",
            }
        }
        for name in fields:
            if name == "Account.Name":
                account = record.get("Account")
                row["Account"] = (
                    {
                        "attributes": {
                            "type": "Account",
                            "url": "/services/data/x/sobjects/Account/001",
                        },
                        **account,
                    }
                    if account
                    else None
                )
            else:
                row[name] = copy.deepcopy(record.get(name))
        return row

    def _deleted(self, start: str, end: str) -> Reply:
        if self.faults.delete_log_purged:
            return Reply(400, error("invalid_replication_date"))
        begin, until = parsed(start), parsed(end)
        answer = dict(recorded("salesforce", "deleted.json"))
        answer["deletedRecords"] = [
            {"id": contact_id, "deletedDate": stamp(moment)}
            for contact_id, moment in self.deleted
            if begin <= moment <= until
        ]
        answer["earliestDateAvailable"] = stamp(time.time() - 15 * 86400)
        answer["latestDateCovered"] = stamp(until)
        return Reply(200, answer)
