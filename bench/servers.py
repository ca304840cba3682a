"""Starting and stopping the servers under test, each in its own process on 127.0.0.1.

davserver (this checkout, `python -m davserver serve`, with its `--workers` processes),
Radicale (latest from PyPI, in bench/.venv-radicale) and the hello-world floor (a
trivial WSGI app on cheroot with davserver's thread count, one process). Every server
is stopped by `stop()`; `ServerSet` stops whatever is still running when the benchmark
ends, however it ends. A server's memory is summed over its process and the children
that process forked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
RADICALE_VENV = BENCH_DIR / ".venv-radicale"
DAVSERVER_THREADS = 8  # davserver's default `threads` setting; the floor uses the same
START_TIMEOUT_SECONDS = 60
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class ServerProcess:
    name: str
    base_url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def pids(self) -> list[int]:
        """The server's process and its children (davserver's worker processes)."""
        return [self.pid, *children_of(self.pid)]

    def memory_kib(self) -> dict[str, int]:
        """In KiB, summed over `pids()`: Pss (pages shared between the processes counted
        once in all), resident set size now (VmRSS) and at each process's peak (VmHWM).

        Pss is the honest total for several processes: their VmRSS counts every shared
        page once per process. For one process the three are its own numbers.
        """
        totals = {"Pss": 0, "VmRSS": 0, "VmHWM": 0, "processes": 0}
        for pid in self.pids():
            try:
                values = {
                    **_kib_fields(f"/proc/{pid}/smaps_rollup", ("Pss",)),
                    **_kib_fields(f"/proc/{pid}/status", ("VmRSS", "VmHWM")),
                }
            except (FileNotFoundError, ProcessLookupError):
                continue  # ended between the listing and the reading
            for key, value in values.items():
                totals[key] += value
            totals["processes"] += 1
        return totals

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def children_of(parent: int) -> list[int]:
    """The live child processes of `parent` (from /proc/*/stat)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"{entry.path}/stat", encoding="utf-8", errors="replace") as stat:
                state, ppid = stat.read().rsplit(")", 1)[1].split()[:2]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if int(ppid) == parent and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def _kib_fields(path: str, keys: tuple[str, ...]) -> dict[str, int]:
    """`Key:  1234 kB` lines of a /proc file, for the given keys."""
    values = {}
    with open(path, encoding="ascii") as lines:
        for line in lines:
            key, _, rest = line.partition(":")
            if key in keys:
                values[key] = int(rest.split()[0])
    return values


@dataclass
class ServerSet:
    """Every process started in this run, stopped together at the end."""

    work_dir: Path
    davserver_workers: int = 1  # davserver's `--workers` in this run
    running: list[ServerProcess] = field(default_factory=list)

    def start(
        self, name: str, command: list[str], probe_path: str, env: dict[str, str] | None = None
    ) -> ServerProcess:
        port = free_port()
        command = [part.replace("{port}", str(port)) for part in command]
        log_path = self.work_dir / f"{name}.log"
        log = open(log_path, "ab")
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=self.work_dir,
        )
        log.close()
        server = ServerProcess(name, f"http://{HOST}:{port}", process, log_path)
        self.running.append(server)
        _wait_until_answering(server, probe_path)
        return server

    def stop(self, server: ServerProcess) -> None:
        server.stop()
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)


def _wait_until_answering(server: ServerProcess, probe_path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited at start; see {server.log_path}:\n{_tail(server.log_path)}"
            )
        try:
            requests.request("OPTIONS", server.base_url + probe_path, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"{server.name} did not answer within {START_TIMEOUT_SECONDS} s; see {server.log_path}"
    )


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def davserver_command(database_url: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "davserver", *arguments, "--database", database_url]


def start_davserver(
    servers: ServerSet,
    database_url: str,
    env: dict[str, str] | None = None,
    name: str = "davserver",
) -> ServerProcess:
    command = [
        sys.executable,
        "-m",
        "davserver",
        "serve",
        "--host",
        HOST,
        "--port",
        "{port}",
        "--database",
        database_url,
        "--threads",
        str(DAVSERVER_THREADS),
        "--workers",
        str(servers.davserver_workers),
    ]
    return servers.start(name, command, "/dav/", env=env)


def add_davserver_login(database_url: str, username: str, password: str) -> None:
    done = subprocess.run(
        davserver_command(database_url, "credential", "add", username, "--confirmed"),
        input=password + "\n",
        text=True,
        capture_output=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"davserver credential add failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def import_available() -> bool:
    """Whether this checkout's command line has `davserver import` yet."""
    probe = subprocess.run(
        [sys.executable, "-m", "davserver", "import", "--help"], capture_output=True, timeout=60
    )
    return probe.returncode == 0


def import_ics(database_url: str, calendar_path: str, ics_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "davserver",
        "import",
        "--database",
        database_url,
        "--calendar",
        calendar_path,
        str(ics_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3 * 3600)
    if done.returncode != 0:
        raise RuntimeError(
            f"davserver import failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def radicale_python() -> Path:
    return RADICALE_VENV / "bin" / "python"


def ensure_radicale() -> str:
    """Create bench/.venv-radicale with the latest Radicale if it is missing; return its version."""
    python = radicale_python()
    if not python.exists():
        print("setting up Radicale in bench/.venv-radicale (latest from PyPI) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(RADICALE_VENV)], check=True, timeout=600
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--upgrade", "radicale"],
            check=True,
            timeout=1200,
        )
    version = subprocess.run(
        [str(python), "-m", "radicale", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return version.stdout.strip().splitlines()[-1]


def start_radicale(servers: ServerSet, storage_dir: Path) -> ServerProcess:
    config = servers.work_dir / "radicale.config"
    config.write_text("# empty: every setting comes from the command line\n")
    command = [
        str(radicale_python()),
        "-m",
        "radicale",
        "--config",
        str(config),
        "--server-hosts",
        f"{HOST}:{{port}}",
        "--storage-filesystem-folder",
        str(storage_dir),
        "--auth-type",
        "none",
    ]
    return servers.start("radicale", command, "/")


def start_hello_floor(servers: ServerSet) -> ServerProcess:
    command = [
        sys.executable,
        str(BENCH_DIR / "hello_floor.py"),
        "--port",
        "{port}",
        "--threads",
        str(DAVSERVER_THREADS),
    ]
    return servers.start("hello-floor", command, "/")
