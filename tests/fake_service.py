"""The HTTP part of the fake web services the CRM connector tests start on 127.0.0.1
(tests/fake_salesforce.py, tests/fake_sugarcrm.py): a threaded server that hands each
request, parsed, to the fake's `answer`, logs it, and can speak TLS with a self-signed
certificate (made with openssl) for the certificate checks."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

DATA = Path(__file__).resolve().parent / "data"


def recorded(service: str, name: str) -> object:
    """A JSON answer recorded in tests/data/<service>/ (see the README there)."""
    return json.loads((DATA / service / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Asked:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.query if key == name), default)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8")))

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass
class Reply:
    status: int
    body: object = None  # JSON, or bytes as they are
    headers: dict[str, str] = field(default_factory=dict)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=fake.example", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return key, cert


class FakeHttp:
    def __init__(self, answer: Callable[[Asked], Reply], tls_directory: Path | None = None):
        self.asked: list[Asked] = []
        self.answer_seconds = 0.0  # the service's own time: answering, for the benchmark
        self._answer = answer
        served = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                asked = Asked(
                    self.command,
                    parts.path,
                    parse_qsl(parts.query, keep_blank_values=True),
                    {key.lower(): value for key, value in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                served.asked.append(asked)
                started = time.perf_counter()
                try:
                    reply = served._answer(asked)
                except Exception as error:  # a bug in the fake shows as a 599, not a hang
                    reply = Reply(599, {"fake": repr(error)})
                body = (
                    reply.body
                    if isinstance(reply.body, bytes)
                    else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
                )
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                served.answer_seconds += time.perf_counter() - started

            do_GET = do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls_directory is not None:
            key, cert = self_signed_certificate(tls_directory)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def paths(self) -> list[str]:
        return [asked.path for asked in self.asked]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
