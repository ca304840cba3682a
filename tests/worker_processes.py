"""A running server's worker processes seen from outside, through /proc (Linux): which
processes they are, which one holds the server end of a TCP connection, and a
connection to each of them (made while the others are paused)."""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WAIT_SECONDS = 30


def _stat_fields(path: Path) -> list[str]:
    """The fields of a /proc stat file after the command name: state, ppid, ..."""
    return path.read_text().rsplit(")", 1)[1].split()


def children_of(parent: int) -> list[int]:
    """The live (not zombie) child processes of `parent`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = _stat_fields(Path(entry.path, "stat"))[:2]
        except (OSError, IndexError):
            continue  # ended while we looked
        if int(ppid) == parent and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def wait_for_workers(parent: int, count: int, *, not_among: tuple[int, ...] = ()) -> list[int]:
    """The pids once `parent` has exactly `count` live children, none of them in `not_among`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        workers = children_of(parent)
        if len(workers) == count and not set(workers) & set(not_among):
            return workers
        if time.monotonic() > deadline:
            raise AssertionError(
                f"process {parent} has workers {workers}, expected {count} not among {not_among}"
            )
        time.sleep(0.05)


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def process_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _proc_net_address(address: tuple[str, int]) -> str:
    """An IPv4 address as /proc/net/tcp writes it: 127.0.0.1:8080 -> 0100007F:1F90."""
    host, port = address[:2]
    return f"{socket.inet_aton(host)[::-1].hex().upper()}:{port:04X}"


def holder_of(client: socket.socket, pids: list[int]) -> int | None:
    """Which of `pids` holds the server end of this client's TCP connection."""
    server_end = (_proc_net_address(client.getpeername()), _proc_net_address(client.getsockname()))
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == server_end:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
    return None


@contextlib.contextmanager
def paused_except(running: int, workers: list[int]) -> Iterator[None]:
    """Stop every worker but `running` (SIGSTOP) until the block ends, so that only
    `running` can accept a new connection."""
    paused = [pid for pid in workers if pid != running]
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        for pid in paused:
            _wait_until_stopped(pid)
        yield
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)


def _wait_until_stopped(pid: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not all(
        _stat_fields(Path(task.path, "stat"))[0] == "T" for task in os.scandir(f"/proc/{pid}/task")
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} did not stop")
        time.sleep(0.01)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class WorkerConnection:
    """One keep-alive HTTP/1.1 connection with Basic credentials. It never reconnects
    by itself, so every request on it reaches the process that accepted it."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
        self.http.connect()
        self.http.auto_open = 0  # a closed connection raises instead of silently reconnecting
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"

    @property
    def socket(self) -> socket.socket:
        return self.http.sock

    def request(
        self, method: str, path: str, body: str | bytes | None = None, **headers: str
    ) -> Answer:
        headers = {
            "Authorization": self.authorization,
            **{k.replace("_", "-"): v for k, v in headers.items()},
        }
        self.http.request(
            method, path, body=body.encode() if isinstance(body, str) else body, headers=headers
        )
        response = self.http.getresponse()
        return Answer(response.status, response.headers, response.read())

    def close(self) -> None:
        self.http.close()


def connection_to_each_worker(
    port: int, workers: list[int], username: str, password: str
) -> dict[int, WorkerConnection]:
    """For each worker pid, a connection that worker accepted and answered.

    Made while the other workers are paused, with a request that touches no store
    (GET / answers a redirect), so a paused worker cannot hold up the running one.
    """
    connections = {}
    for pid in workers:
        with paused_except(pid, workers):
            connection = WorkerConnection(port, username, password)
            assert connection.request("GET", "/").status == 301
        assert holder_of(connection.socket, workers) == pid
        connections[pid] = connection
    return connections
