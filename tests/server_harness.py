"""Starting a real davserver (cheroot on a free 127.0.0.1 port) for tests, with a
fresh database: a temporary SQLite file, or a new PostgreSQL database when
DAVSERVER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from davserver.app import build_app
from davserver.config import Settings, load_settings
from davserver.server import make_server

POSTGRES_ENV = "DAVSERVER_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FreshDatabase:
    """A database URL that nobody used before, and its removal afterwards."""

    def __init__(self, tmp_dir: str) -> None:
        base = os.environ.get(POSTGRES_ENV)
        self._pg_admin_url = base
        if base:
            self.name = f"davserver_test_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE DATABASE "{self.name}"')
            self.url = urlsplit(base)._replace(path=f"/{self.name}").geturl()
        else:
            self.url = f"sqlite:///{tmp_dir}/davserver-{uuid.uuid4().hex[:8]}.db"

    @property
    def is_postgres(self) -> bool:
        return bool(self._pg_admin_url)

    def _admin(self, sql: str) -> None:
        import psycopg2

        parts = urlsplit(self._pg_admin_url)
        connection = psycopg2.connect(
            dbname=parts.path.lstrip("/") or "postgres",
            user=parts.username,
            password=parts.password,
            host=parts.hostname,
            port=parts.port,
        )
        connection.autocommit = True
        try:
            connection.cursor().execute(sql)
        finally:
            connection.close()

    def drop(self) -> None:
        if self._pg_admin_url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class RunningServer:
    base_url: str
    settings: Settings
    database_url: str
    _server: object
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=10)


def start_server(database_url: str, **overrides) -> RunningServer:
    port = free_port()
    flags = dict(host="127.0.0.1", port=port, database=database_url, threads=8, log_level="WARNING")
    flags.update(overrides)
    settings = load_settings(flags=flags, environ={})
    server = make_server(build_app(settings), settings)
    server.prepare()
    thread = threading.Thread(target=server.serve, name=f"davserver-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            requests.options(base_url + "/dav/", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return RunningServer(base_url, settings, database_url, server, thread)
