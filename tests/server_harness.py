"""Starting a real davserver (cheroot on a free 127.0.0.1 port) for tests, with a
fresh database: a temporary SQLite file, or a new PostgreSQL database when
DAVSERVER_TEST_DATABASE_URL is set. `start_server` runs it in this process;
`start_server_process` runs the `davserver serve` command.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from davserver.app import build_app
from davserver.config import Settings, load_settings
from davserver.server import make_server

POSTGRES_ENV = "DAVSERVER_TEST_DATABASE_URL"
# The PostgreSQL that this machine and CI always run, for tests that need one on SQLite runs too.
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1/postgres"


def postgres_url() -> str:
    """The run's PostgreSQL, or the local one when the run is on SQLite."""
    return os.environ.get(POSTGRES_ENV) or LOCAL_POSTGRES


def end_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout`; waits for the end."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FreshDatabase:
    """A database URL that nobody used before, and its removal afterwards."""

    def __init__(self, tmp_dir: str, postgres_url: str | None = None) -> None:
        """On the PostgreSQL of DAVSERVER_TEST_DATABASE_URL, else SQLite; a given
        `postgres_url` chooses instead ("" for SQLite)."""
        base = os.environ.get(POSTGRES_ENV) if postgres_url is None else postgres_url
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


@dataclass
class ServerProcess:
    """`davserver serve` in a process of its own, for what only a real process shows
    (worker processes, signals); its output goes to `log_path`."""

    base_url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit status (after SIGKILL if it did not end within `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        return self.process.returncode


def add_login_by_command(database_url: str, username: str, password: str) -> None:
    """A CalDAV+CardDAV login created with `davserver credential add`, in any database."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "davserver",
            "credential",
            "add",
            username,
            "--confirmed",
            "--database",
            database_url,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def start_server_process(
    database_url: str,
    log_dir: Path,
    *arguments: str,
    env: dict | None = None,
    own_process_group: bool = False,
    timeout: float = 60,
) -> ServerProcess:
    """Run `davserver serve ARGUMENTS` on a free port; return once it says it is listening.

    With `own_process_group` it leads a process group of its own, which a test can
    signal as a terminal's Ctrl-C does.
    """
    port = free_port()
    log_path = log_dir / f"davserver-{port}.log"
    command = [
        sys.executable,
        "-m",
        "davserver",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database_url,
        "--log-level",
        "WARNING",
        *arguments,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            process_group=0 if own_process_group else None,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", port, process, log_path)
    deadline = time.monotonic() + timeout
    while "listening on" not in server.output():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"davserver did not start: {server.output()}")
        time.sleep(0.05)
    return server
