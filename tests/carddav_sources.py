"""CardDAV servers the connector tests read from, on 127.0.0.1: Radicale (from PyPI, in
bench/.venv-radicale as the benchmark has it, or DAVSERVER_TEST_RADICALE_PYTHON), and a
recording proxy in front of any server that counts what a run asks and can hide
sync-collection, as servers without RFC 6578 do."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Event, Thread
from urllib.parse import urlsplit

import requests

from bench import servers as bench_servers
from tests.server_harness import end_process, free_port

MKCOL_BOOK = (
    '<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
    "<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>"
    "<D:displayname>{name}</D:displayname></D:prop></D:set></D:mkcol>"
)


def radicale_python() -> str:
    configured = os.environ.get("DAVSERVER_TEST_RADICALE_PYTHON")
    if configured:
        return configured
    bench_servers.ensure_radicale()  # creates bench/.venv-radicale when it is missing
    return str(bench_servers.radicale_python())


def vcard(uid: str, last: str, phone: str, first: str = "", version: str = "3.0") -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\nFN:{first} {last}\r\n"
        f"N:{last};{first};;;\r\nTEL;TYPE=work:{phone}\r\nEND:VCARD\r\n"
    )


@dataclass
class DavServer:
    """A running CardDAV server and a login on it, with helpers to fill its books."""

    base_url: str
    username: str
    password: str
    process: subprocess.Popen | None = None
    database_url: str = ""  # of a davserver: where new logins are added

    def request(self, method: str, path: str, body: str = "", **headers: str):
        return requests.request(
            method,
            self.base_url + path,
            data=body.encode(),
            headers=headers,
            auth=(self.username, self.password),
            timeout=30,
        )

    def make_book(self, path: str, name: str) -> None:
        made = self.request("MKCOL", path, MKCOL_BOOK.format(name=name))
        assert made.status_code in (201, 405), made.text

    def put_card(self, path: str, body: str) -> None:
        put = self.request("PUT", path, body, **{"Content-Type": "text/vcard"})
        assert put.status_code in (201, 204), put.text

    def delete(self, path: str) -> None:
        assert self.request("DELETE", path).status_code in (200, 204)

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process)


def start_radicale(work_dir: Path, username: str = "alice", password: str = "secret") -> DavServer:
    users = work_dir / "radicale-users"
    users.write_text(f"{username}:{password}\n")
    config = work_dir / "radicale.config"
    config.write_text("# every setting comes from the command line\n")
    port = free_port()
    command = [
        radicale_python(),
        "-m",
        "radicale",
        "--config",
        str(config),
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--storage-filesystem-folder",
        str(work_dir / "radicale-collections"),
        "--auth-type",
        "htpasswd",
        "--auth-htpasswd-filename",
        str(users),
        "--auth-htpasswd-encryption",
        "plain",
    ]
    log = open(work_dir / f"radicale-{port}.log", "wb")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = DavServer(f"http://127.0.0.1:{port}", username, password, process)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(server.base_url + "/", timeout=2)
            return server
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise
            time.sleep(0.1)


_SYNC_REPORT = re.compile(
    rb"<(\w+:)?supported-report>(?:(?!supported-report>).)*?sync-collection"
    rb"(?:(?!supported-report>).)*?</(\w+:)?supported-report>",
    re.DOTALL,
)
_REFUSED = b'<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>'


@dataclass
class DavProxy:
    """Forwards every request to `upstream` and records (method, path, body); with
    `hide_sync_collection` it answers like a server without RFC 6578."""

    upstream: str
    hide_sync_collection: bool = False
    port: int = 0  # 0: any free port; a port again: the same URL after a restart
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    # Methods whose next request is forwarded but whose answer is lost (the connection
    # closes unanswered), as when the network fails after the server did the work.
    lose_answers: list[str] = field(default_factory=list)
    # > 0: every sync-collection asks for at most this many results (DAV:limit), so that
    # the server truncates its answer (507 and a token to go on, RFC 6578 §3.6).
    sync_limit: int = 0
    # While set and not released, every request waits here before it is forwarded (a
    # remote that takes its time); setting the event lets them through.
    hold: Event | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reports(self, kind: bytes) -> list[bytes]:
        return [body for method, _, body in self.requests if method == "REPORT" and kind in body]

    def multiget_hrefs(self) -> int:
        return sum(body.count(b"href>") // 2 for body in self.reports(b"addressbook-multiget"))

    def start(self) -> DavProxy:
        proxy = self
        target = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.hold is not None:
                    proxy.hold.wait(60)
                proxy.requests.append((self.command, self.path, body))
                if (
                    proxy.hide_sync_collection
                    and self.command == "REPORT"
                    and b"sync-collection" in body
                ):
                    return self._answer(403, {"Content-Type": "application/xml"}, _REFUSED)
                dropped = ("host", "accept-encoding", "content-length")  # bodies are edited
                if proxy.sync_limit and self.command == "REPORT" and b"sync-collection" in body:
                    limit = f"<D:limit><D:nresults>{proxy.sync_limit}</D:nresults></D:limit>"
                    body = body.replace(b"</D:sync-level>", b"</D:sync-level>" + limit.encode())
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body or None, headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    if self.command in proxy.lose_answers:
                        proxy.lose_answers.remove(self.command)
                        self.close_connection = True
                        return
                    kept = {
                        k: v
                        for k, v in answer.getheaders()
                        if k.lower() not in ("content-length", "transfer-encoding", "connection")
                    }
                    if proxy.hide_sync_collection and self.command == "PROPFIND":
                        data = _SYNC_REPORT.sub(b"", data)
                    self._answer(answer.status, kept, data)
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_OPTIONS = do_PROPFIND = do_REPORT = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
