"""A small web server the connector tests start on 127.0.0.1: it serves files that the
test puts on it, with Basic auth where asked, and misbehaves on request (slow, an error
status, a body cut short, endless redirects), as real file servers do."""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ServedFile:
    body: bytes
    content_type: str = "text/csv"
    username: str = ""
    password: str = ""
    status: int = 200
    seconds_between_chunks: float = 0.0
    cut_after: int | None = None  # bytes sent before the connection drops
    redirect_to: str | None = None


@dataclass
class SourceServer:
    files: dict[str, ServedFile] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(self, path: str, body: bytes, **options: object) -> str:
        self.files[path] = ServedFile(body, **options)  # type: ignore[arg-type]
        return self.url(path)

    def start(self) -> SourceServer:
        served = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                served.requests.append(("GET", self.path))
                file = served.files.get(self.path)
                if file is None:
                    return self._plain(404, b"not found")
                if file.username:
                    expected = base64.b64encode(
                        f"{file.username}:{file.password}".encode()
                    ).decode()
                    if self.headers.get("Authorization") != f"Basic {expected}":
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="files"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if file.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", file.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if file.status != 200:
                    return self._plain(file.status, b"failure")
                self.send_response(200)
                self.send_header("Content-Type", file.content_type)
                self.send_header("Content-Length", str(len(file.body)))
                self.end_headers()
                body = file.body if file.cut_after is None else file.body[: file.cut_after]
                for start in range(0, len(body), 8192):
                    if file.seconds_between_chunks:
                        time.sleep(file.seconds_between_chunks)
                    try:
                        self.wfile.write(body[start : start + 8192])
                    except OSError:
                        return
                if file.cut_after is not None:
                    self.close_connection = True

            def _plain(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
