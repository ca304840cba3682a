"""A fake Microsoft identity platform and Microsoft Graph on 127.0.0.1, for the
microsoft365 connector's tests and benchmark: the v2.0 token endpoint (client
credentials, tokens that expire), a mailbox's contacts and contact folders, the
organisation's contacts, their delta rounds (nextLink pages, deltaLink, `@removed`), and
the faults a real tenant shows (401 on an expired token, 403 without the permission, 429
and 503 with Retry-After, a 500 in the middle of paging, 410 for a forgotten delta
token). The JSON it answers with is built from tests/data/graph/*.json (README there
names the documentation page each shape follows)."""

from __future__ import annotations

import copy
import functools
import json
import ssl
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

DATA = Path(__file__).parent / "data" / "graph"
ORG = "org"  # the book key of the organisation's contacts
DEFAULT_FOLDER = ""
FULL_ROUND = -1  # the "since" of a round without a delta token


def self_signed_certificate(directory: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that no client trusts (the TLS failure check)."""
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    return cert, key


@functools.cache
def _shape_text(name: str) -> str:
    return (DATA / f"{name}.json").read_text(encoding="utf-8")


def shape(name: str) -> dict:
    return json.loads(_shape_text(name))


def contact(given: str, surname: str, phone: str, **more: object) -> dict:
    """A mailbox contact as Graph returns it, from the documented example."""
    body = shape("contact")
    body.update(
        id=more.pop("id", f"AAMk{uuid.uuid4().hex}="),
        givenName=given,
        surname=surname,
        displayName=f"{given} {surname}".strip(),
        businessPhones=[phone] if phone else [],
        emailAddresses=[],
        companyName=more.pop("companyName", None),
    )
    body.update(more)
    return body


def org_contact(given: str, surname: str, phone: str, **more: object) -> dict:
    body = shape("org_contact")
    body.update(
        id=more.pop("id", str(uuid.uuid4())),
        givenName=given,
        surname=surname,
        displayName=f"{given} {surname}".strip(),
        phones=[{"number": phone, "type": "business"}] if phone else [],
    )
    body.update(more)
    return body


@dataclass
class Book:
    """One list of contacts (a mailbox folder, or the organisation's) with its changes:
    `log` holds (sequence, id, properties changed or None for a removal)."""

    contacts: dict[str, dict] = field(default_factory=dict)
    log: list[tuple[int, str, tuple[str, ...] | None]] = field(default_factory=list)
    only_changed_properties: bool = False  # directory objects: updates carry what changed


@dataclass
class Fault:
    status: int
    retry_after: str = ""
    times: int = 1


@dataclass
class FakeGraph:
    tenant: str = "contoso.example"
    client_id: str = "11111111-2222-3333-4444-555555555555"
    client_secret: str = "s3cret~value"
    token_seconds: float = 3599.0
    permissions: set[str] = field(default_factory=lambda: {"Contacts.Read", "OrgContact.Read.All"})
    page_size: int = 10  # Graph's default page of contacts; Prefer asks for more
    max_page_size: int = 1000
    seconds_per_answer: float = 0.0
    books: dict[tuple[str, str], Book] = field(default_factory=dict)
    folders: dict[str, dict[str, str]] = field(default_factory=dict)  # mailbox -> id -> name
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    faults: list[tuple[str, Fault]] = field(default_factory=list)  # (path part, fault)
    fail_page: int | None = None  # the n-th page of every round answers 500
    forgotten_before: int = 0  # delta tokens older than this answer 410 Gone
    requests: list[tuple[str, str]] = field(default_factory=list)
    other_resources: set[str] = field(default_factory=set)  # Graph URLs tokens are for
    sequence: int = 0
    scheme: str = "http"
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    # -- the tenant's data ---------------------------------------------------------------
    def book(self, mailbox: str = "anna@contoso.example", folder: str = DEFAULT_FOLDER) -> Book:
        if mailbox == ORG:
            return self.books.setdefault((ORG, ""), Book(only_changed_properties=True))
        if folder:
            self.folders.setdefault(mailbox, {})
        return self.books.setdefault((mailbox, folder), Book())

    def add_folder(self, mailbox: str, name: str) -> str:
        folder_id = f"AAMkFolder{uuid.uuid4().hex[:12]}="
        self.folders.setdefault(mailbox, {})[folder_id] = name
        self.book(mailbox, folder_id)
        return folder_id

    def put(self, book: Book, item: dict) -> dict:
        with self._lock:
            self.sequence += 1
            old = book.contacts.get(item["id"])
            changed = tuple(k for k in item if old is None or old.get(k) != item[k])
            book.contacts[item["id"]] = item
            book.log.append((self.sequence, item["id"], changed))
        return item

    def remove(self, book: Book, contact_id: str) -> None:
        with self._lock:
            self.sequence += 1
            del book.contacts[contact_id]
            book.log.append((self.sequence, contact_id, None))

    def expire_tokens(self) -> None:
        self.tokens = {token: 0.0 for token in self.tokens}

    def fault(self, path_part: str, status: int, retry_after: str = "", times: int = 1) -> None:
        self.faults.append((path_part, Fault(status, retry_after, times)))

    # -- the server ----------------------------------------------------------------------
    def start(self, tls_files: tuple[str, str] | None = None) -> FakeGraph:
        """Serve on a free port; with (certificate, key) files, over TLS."""
        graph = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("ascii"))
                graph.requests.append(("POST", self.path))
                self._answer(*graph.token_answer(self.path, form))

            def do_GET(self) -> None:
                graph.requests.append(("GET", self.path))
                self._answer(*graph.graph_answer(self.path, self.headers))

            def _answer(self, status: int, body: object, headers: dict[str, str]) -> None:
                if graph.seconds_per_answer:
                    time.sleep(graph.seconds_per_answer)
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls_files is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls_files)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for part, fault in self.faults:
                if part in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # -- the token endpoint ------------------------------------------------------------
    def token_answer(self, path: str, form: dict[str, list[str]]) -> tuple[int, dict, dict]:
        fault = self._fault_for(path)
        if fault is not None:
            return fault.status, shape("graph_error_throttled"), _retry(fault)
        value = {name: values[0] for name, values in form.items()}
        parts = path.strip("/").split("/")
        if parts[1:] != ["oauth2", "v2.0", "token"]:
            return 404, {"error": "not_found"}, {}
        if unquote(parts[0]) != self.tenant:
            return 400, shape("token_error_tenant"), {}
        if value.get("client_id") != self.client_id:
            return 400, shape("token_error_client"), {}
        if value.get("client_secret") != self.client_secret:
            return 401, shape("token_error_secret"), {}
        resources = {self.base_url, *self.other_resources}
        if value.get("grant_type") != "client_credentials" or value.get("scope") not in {
            f"{resource}/.default" for resource in resources
        }:
            return 400, shape("token_error_scope"), {}
        body = shape("token_response")
        body["access_token"] = f"fake-{uuid.uuid4().hex}"
        body["expires_in"] = self.token_seconds
        self.tokens[body["access_token"]] = time.time() + self.token_seconds
        return 200, body, {}

    # -- Graph -------------------------------------------------------------------------
    def graph_answer(self, target: str, headers) -> tuple[int, dict, dict]:
        fault = self._fault_for(target)
        if fault is not None:
            name = "graph_error_throttled" if fault.status in (429, 503) else "graph_error_server"
            return fault.status, shape(name), _retry(fault)
        token = str(headers.get("Authorization", "")).removeprefix("Bearer ")
        if self.tokens.get(token, 0.0) <= time.time():
            return 401, shape("graph_error_token_expired"), {}
        split = urlsplit(target)
        query = {name: values[0] for name, values in parse_qs(split.query).items()}
        parts = [unquote(part) for part in split.path.strip("/").split("/")]
        if parts[:1] != ["v1.0"]:
            return 404, shape("graph_error_server"), {}
        parts = parts[1:]
        if parts[:1] == ["contacts"]:
            if "OrgContact.Read.All" not in self.permissions:
                return 403, shape("graph_error_org_denied"), {}
            return self.listing(self.book(ORG), split.path, parts[1:], query, headers)
        if parts[:1] != ["users"] or len(parts) < 3:
            return 404, shape("graph_error_server"), {}
        if "Contacts.Read" not in self.permissions:
            return 403, shape("graph_error_access_denied"), {}
        mailbox = parts[1]
        if not any(key[0] == mailbox for key in self.books):
            return 404, shape("graph_error_no_mailbox"), {}
        if parts[2:] == ["contactFolders"]:
            listed = shape("contact_folders")
            listed["value"] = [
                {"id": folder_id, "parentFolderId": "AAMkRoot=", "displayName": name}
                for folder_id, name in self.folders.get(mailbox, {}).items()
            ]
            return 200, listed, {}
        if parts[2:3] == ["contactFolders"] and len(parts) >= 5:
            if parts[3] not in self.folders.get(mailbox, {}):
                return 404, shape("graph_error_server"), {}
            return self.listing(self.book(mailbox, parts[3]), split.path, parts[5:], query, headers)
        if parts[2:3] == ["contacts"]:
            return self.listing(self.book(mailbox), split.path, parts[3:], query, headers)
        return 404, shape("graph_error_server"), {}

    def listing(self, book: Book, path: str, rest: list[str], query: dict, headers):
        """A plain list (`$top`, `$skip`) or a delta round's page."""
        size = self.page_size
        prefer = str(headers.get("Prefer", ""))
        if "odata.maxpagesize=" in prefer:
            size = int(prefer.split("odata.maxpagesize=")[1].split(",")[0])
        size = min(int(query.get("$top", size)), size, self.max_page_size)
        delta = rest == ["delta"]
        with self._lock:
            if not delta:
                items = [book.contacts[key] for key in sorted(book.contacts)]
                start, since = int(query.get("$skip", 0)), None
            else:
                skip = query.get("$skiptoken")
                token = query.get("$deltatoken")
                if skip:
                    since_text, start_text = skip.split(".")
                    since, start = int(since_text), int(start_text)
                elif token:
                    if not token.isdigit():
                        return 400, shape("graph_error_sync_state_invalid"), {}
                    if int(token) < self.forgotten_before:
                        return 410, shape("graph_error_sync_state"), {}
                    since, start = int(token), 0
                else:
                    since, start = FULL_ROUND, 0
                items = self._changes(book, since)
            sequence = self.sequence
        page_number = start // max(size, 1) + 1
        if delta and self.fail_page is not None and page_number == self.fail_page:
            return 500, shape("graph_error_server"), {}
        page = items[start : start + size]
        base = f"{self.base_url}{quote(path, safe='/@')}"
        body = shape("delta_page" if start + size < len(items) else "delta_last_page")
        body["value"] = copy.deepcopy(page)
        if start + size < len(items):
            token = f"$skiptoken={since}.{start + size}" if delta else f"$skip={start + size}"
            top = f"&$top={query['$top']}" if "$top" in query and not delta else ""
            body["@odata.nextLink"] = f"{base}?{token}{top}"
        elif delta:
            body["@odata.deltaLink"] = f"{base}?$deltatoken={sequence}"
        else:
            body.pop("@odata.deltaLink", None)
        return 200, body, {}

    def _changes(self, book: Book, since: int) -> list[dict]:
        """What a delta round starting at `since` lists: every contact (FULL_ROUND), else
        the contacts changed since, and the removed ones."""
        if since == FULL_ROUND:
            return [book.contacts[key] for key in sorted(book.contacts)]
        changed: dict[str, tuple[str, ...] | None] = {}
        for sequence, contact_id, properties in book.log:
            if sequence > since:
                before = changed.get(contact_id, ())
                if properties is None or before is None:
                    changed[contact_id] = properties
                else:
                    changed[contact_id] = tuple(dict.fromkeys((*before, *properties)))
        listed = []
        for contact_id, properties in sorted(changed.items()):
            current = book.contacts.get(contact_id)
            if current is None or properties is None:
                removed = shape("delta_removed")
                removed["id"] = contact_id
                listed.append(removed)
            elif book.only_changed_properties:
                listed.append({"id": contact_id, **{k: current[k] for k in properties}})
            else:
                listed.append(current)
        return listed


def _retry(fault: Fault) -> dict[str, str]:
    return {"Retry-After": fault.retry_after} if fault.retry_after else {}
