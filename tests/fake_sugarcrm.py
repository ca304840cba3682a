"""A fake SugarCRM instance (REST v11) for the connector tests and the benchmark, on
127.0.0.1. It answers in the shapes recorded in tests/data/sugarcrm/ (README there: which
documentation page each follows): the password and refresh-token grants with expiring
tokens, the Contacts list with max_num/offset/next_offset and a date_modified filter in
the query string's bracket form, deleted records on `deleted=true`, the metadata of the
Contacts module, and `{"error", "error_message"}` bodies.

Dates are written in the user's zone (+02:00), as Sugar does for a user in Berlin."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.fake_service import Asked, FakeHttp, Reply, recorded

BERLIN_SUMMER = timezone(timedelta(hours=2))
FILTER = re.compile(r"^filter\[(\d+)\]\[(\w+)\]\[(\$\w+)\]$")


def stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, BERLIN_SUMMER).isoformat(timespec="seconds")


def data(name: str) -> object:
    return recorded("sugarcrm", name)


@dataclass
class Faults:
    token_lasts_requests: int | None = None  # API requests an access token serves
    refresh_refused: bool = False
    busy: list[str] = field(default_factory=list)  # Retry-After values of 429s to send first
    fail_on_page: int | None = None
    no_read_access: bool = False
    seconds_per_answer: float = 0.0


class FakeSugarCrm:
    username = "sync"
    password = "Zucker-1"
    client_id = "sugar"

    def __init__(self, tls_directory: Path | None = None, max_page: int = 1000) -> None:
        self.contacts: dict[str, dict] = {}
        self.faults = Faults()
        self.max_page = max_page
        self.tokens: dict[str, int] = {}
        self.refresh_tokens: set[str] = set()
        self.grants: list[str] = []
        self._lock = threading.Lock()
        self._last = 0.0
        self.http = FakeHttp(self._answer, tls_directory)

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def now(self) -> float:
        with self._lock:  # whole seconds, as Sugar stores them; never twice the same
            self._last = max(float(int(time.time())), self._last + 1)
            return self._last

    def put(self, contact_id: str, **fields: object) -> str:
        record = {**self.contacts.get(contact_id, {}), **fields, "id": contact_id}
        record["deleted"] = False
        record["_when"] = self.now()
        record["date_modified"] = stamp(record["_when"])
        self.contacts[contact_id] = record
        return contact_id

    def delete(self, contact_id: str) -> None:
        moment = self.now()
        self.contacts[contact_id].update(deleted=True, date_modified=stamp(moment), _when=moment)

    def settings(self, **more: object) -> dict:
        return {"url": self.base_url, "username": self.username, "password": self.password, **more}

    def paths(self) -> list[str]:
        return self.http.paths()

    def stop(self) -> None:
        self.http.stop()

    def _answer(self, asked: Asked) -> Reply:
        if self.faults.seconds_per_answer:
            time.sleep(self.faults.seconds_per_answer)
        if asked.path == "/rest/v11/oauth2/token" and asked.method == "POST":
            return self._token(asked.json())
        if not asked.path.startswith("/rest/v11/"):
            return Reply(404, {"error": "not_found", "error_message": "Could not find a route"})
        token = asked.headers.get("oauth-token", "")
        if token not in self.tokens:
            return Reply(401, data("error_need_login.json"))
        self.tokens[token] += 1
        lasts = self.faults.token_lasts_requests
        if lasts is not None and self.tokens[token] > lasts:
            return Reply(401, data("error_token_expired.json"))
        if self.faults.busy:
            return Reply(
                429, data("error_too_many_requests.json"), {"Retry-After": self.faults.busy.pop(0)}
            )
        if asked.path == "/rest/v11/metadata":
            return Reply(200, data("metadata_contacts.json"))
        if asked.path == "/rest/v11/Contacts":
            if self.faults.no_read_access:
                return Reply(403, data("error_not_authorized.json"))
            return self._contacts(asked)
        return Reply(404, {"error": "not_found", "error_message": "Could not find a route"})

    def _token(self, body: dict) -> Reply:
        if body.get("client_id") != self.client_id or body.get("client_secret", "") != "":
            return Reply(400, data("token_invalid_client.json"))
        grant = body.get("grant_type")
        self.grants.append(str(grant))
        if grant == "password":
            if body.get("username") != self.username or body.get("password") != self.password:
                return Reply(401, data("token_invalid_grant.json"))
        elif grant == "refresh_token":
            if self.faults.refresh_refused or body.get("refresh_token") not in self.refresh_tokens:
                return Reply(400, data("token_refresh_expired.json"))
            self.refresh_tokens.discard(body["refresh_token"])
        else:
            return Reply(400, {"error": "unsupported_grant_type", "error_message": "grant type"})
        answer = dict(data("token.json"))
        answer["access_token"], answer["refresh_token"] = str(uuid.uuid4()), str(uuid.uuid4())
        self.tokens[answer["access_token"]] = 0
        self.refresh_tokens.add(answer["refresh_token"])
        return Reply(200, answer)

    def _contacts(self, asked: Asked) -> Reply:
        conditions: dict[tuple[str, str, str], str] = {}
        for key, value in asked.query:
            matched = FILTER.match(key)
            if matched:
                conditions[matched.groups()] = value
        with_deleted = asked.param("deleted") in ("true", "1")
        rows = [r for r in self.contacts.values() if with_deleted or not r["deleted"]]
        for (_index, name, operator), value in conditions.items():
            if name != "date_modified" or operator not in ("$gt", "$gte"):
                return Reply(
                    422,
                    {
                        "error": "invalid_parameter",
                        "error_message": f"unsupported filter {name} {operator}",
                    },
                )
            bound = datetime.fromisoformat(value)
            rows = [
                r
                for r in rows
                if (
                    datetime.fromisoformat(r["date_modified"]) >= bound
                    if operator == "$gte"
                    else datetime.fromisoformat(r["date_modified"]) > bound
                )
            ]
        rows.sort(key=lambda r: (datetime.fromisoformat(r["date_modified"]), r["id"]))
        size = min(int(asked.param("max_num", "20")), self.max_page)
        offset = int(asked.param("offset", "0"))
        if self.faults.fail_on_page == offset // max(size, 1) + 1:
            return Reply(500, data("error_server.json"))
        wanted = [name for name in asked.param("fields").split(",") if name]
        page = rows[offset : offset + size]
        records = [self._shown(r, wanted) for r in page]
        following = offset + size if offset + size < len(rows) else -1
        return Reply(200, {"next_offset": following, "records": records})

    def _shown(self, record: dict, wanted: list[str]) -> dict:
        shown = {name: record.get(name, "") for name in wanted} if wanted else dict(record)
        shown.pop("_when", None)
        shown.update(
            id=record["id"], date_modified=record["date_modified"], deleted=record["deleted"]
        )
        if "email" in wanted or not wanted:
            address = record.get("email1", "")
            shown["email"] = (
                [
                    {
                        "email_address": address,
                        "invalid_email": False,
                        "opt_out": False,
                        "primary_address": True,
                        "reply_to_address": False,
                    }
                ]
                if address
                else []
            )
            shown.pop("email1", None)  # the list carries it; the connector reads it from there
        shown.update(_acl={"fields": {}}, _module="Contacts")
        return shown
