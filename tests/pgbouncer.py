"""A real PgBouncer (Debian's package) in transaction mode in front of a test database,
listening on 127.0.0.1 only, with fewer server connections than davserver's threads, so
consecutive transactions of one client connection run on different server connections.

PgBouncer refuses to run as root; started by root (as in CI) it switches to the
`postgres` user with `-u`, so its files live in a directory that user may write.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.server_harness import end_process, free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


@dataclass
class Bouncer:
    port: int
    process: subprocess.Popen
    log_path: Path
    work_dir: Path

    def url(self, database: str, query: str = "") -> str:
        tail = f"?{query}" if query else ""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}{tail}"

    def stop(self) -> None:
        end_process(self.process)
        shutil.rmtree(self.work_dir, ignore_errors=True)


def start_bouncer(database_url: str, *, server_connections: int = 2) -> Bouncer:
    """PgBouncer forwarding the database of `database_url` under the same name; its
    files in a directory of their own under the system's temporary directory (pytest's
    are private to root, and PgBouncer runs as `postgres`), removed by `stop()`."""
    assert Path(PGBOUNCER).exists(), (
        "the PgBouncer test needs Debian's pgbouncer (tests/install-prerequisites installs it)"
    )
    target = urlsplit(database_url)
    name = target.path.lstrip("/")
    work_dir = Path(tempfile.mkdtemp(prefix="davserver-pgbouncer-"))
    work_dir.chmod(0o777)
    port = free_port()
    log_path = work_dir / "pgbouncer.log"
    config = work_dir / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"{name} = host={target.hostname or '127.0.0.1'} port={target.port or 5432} "
        f"dbname={name} user={target.username or 'postgres'}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir = {work_dir}\n"
        "auth_type = any\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {server_connections}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
        "max_client_conn = 200\n"
        f"logfile = {log_path}\npidfile = {work_dir / 'pgbouncer.pid'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    config.chmod(0o644)
    as_postgres = ["-u", "postgres"] if os.geteuid() == 0 and shutil.which("su") else []
    process = subprocess.Popen(
        [PGBOUNCER, *as_postgres, str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Bouncer(port, process, log_path, work_dir)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = log_path.read_text(errors="replace") if log_path.exists() else ""
                process.kill()
                shutil.rmtree(work_dir, ignore_errors=True)
                raise AssertionError(f"pgbouncer did not start: {log}") from None
            time.sleep(0.05)
