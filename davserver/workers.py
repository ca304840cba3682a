"""Several server processes on one port (the `workers` setting): a supervising parent
forks the workers, each running cheroot on the listening socket the parent opened.

The parent opens the store (schema upgrade, demo data) and builds the application
before it forks, so the workers share those pages copy-on-write; it then closes its
database connection, and each worker opens its own. The parent stays single-threaded
(forking later stays safe): it waits for signals, forwards SIGTERM and SIGINT to the
workers and waits for them, and starts a new worker for one that dies, after a pause
that grows while the worker keeps dying young. Worker 0 also runs the maintenance.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass

from davserver.app import connect_store
from davserver.config import Settings
from davserver.connector_runs import start_connector_runs
from davserver.external_sync_loop import start_external_sync
from davserver.maintenance import start_maintenance
from davserver.server import make_server, serve_until_signalled

log = logging.getLogger("davserver.workers")

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
SUPERVISED_SIGNALS = STOP_SIGNALS | {signal.SIGCHLD}
SHUTDOWN_GRACE_SECONDS = 30.0
STABLE_SECONDS = 10.0  # a worker that lived this long is started again at once
FIRST_PAUSE_SECONDS = 0.5  # after a young death; doubling up to MAX_PAUSE_SECONDS
MAX_PAUSE_SECONDS = 30.0
MAINTENANCE_WORKER = 0
PR_SET_PDEATHSIG = 1


def per_process_settings(settings: Settings) -> Settings:
    """The settings one process runs with: the same as the whole server's, since the
    failed-login counts live in the database that every process shares."""
    return dataclasses.replace(settings)


@dataclass
class Worker:
    index: int
    pid: int | None = None
    started: float = 0.0
    pause: float = 0.0  # before the next start, after a death
    start_at: float | None = None  # monotonic time of that start


class Supervisor:
    """The parent process: starts the workers, restarts dead ones, stops them all."""

    def __init__(self, app, settings: Settings, listener: socket.socket) -> None:
        self.app = app
        self.settings = settings
        self.listener = listener
        self.pid = os.getpid()
        self.workers = [Worker(index) for index in range(settings.workers)]

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; the exit status (0 when every worker stopped cleanly)."""
        signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISED_SIGNALS)
        gc.freeze()  # the workers' garbage collections then leave the shared pages alone
        for worker in self.workers:
            self._start(worker)
        while True:
            received = _wait_for_signal(SUPERVISED_SIGNALS, self._seconds_to_next_start())
            if received in STOP_SIGNALS:
                return self._stop_all(received)
            self._reap(restart=True)
            now = time.monotonic()
            for worker in self.workers:
                if worker.pid is None and worker.start_at is not None and worker.start_at <= now:
                    self._start(worker)

    def _start(self, worker: Worker) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                status = run_worker(worker.index, self.app, self.settings, self.listener, self.pid)
            finally:
                os._exit(status)
        worker.pid, worker.started, worker.start_at = pid, time.monotonic(), None
        log.info("worker %d started (pid %d)", worker.index, pid)

    def _seconds_to_next_start(self) -> float | None:
        pending = [
            worker.start_at
            for worker in self.workers
            if worker.pid is None and worker.start_at is not None
        ]
        return max(0.0, min(pending) - time.monotonic()) if pending else None

    def _reap(self, *, restart: bool) -> list[int]:
        """Collect every worker that ended; with `restart`, schedule its next start."""
        statuses: list[int] = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return statuses
            if pid == 0:
                return statuses
            worker = next((w for w in self.workers if w.pid == pid), None)
            if worker is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            statuses.append(code)
            worker.pid = None
            if restart:
                self._schedule_restart(worker, code)

    def _schedule_restart(self, worker: Worker, code: int) -> None:
        young = time.monotonic() - worker.started < STABLE_SECONDS
        worker.pause = (
            min(max(worker.pause * 2, FIRST_PAUSE_SECONDS), MAX_PAUSE_SECONDS) if young else 0.0
        )
        worker.start_at = time.monotonic() + worker.pause
        log.warning(
            "worker %d %s; starting a new one in %.1f s",
            worker.index,
            _describe_exit(code),
            worker.pause,
        )

    def _stop_all(self, received: int) -> int:
        log.info("%s: stopping %d workers", signal.Signals(received).name, len(self._alive()))
        for worker in self._alive():
            os.kill(worker.pid, received)  # type: ignore[arg-type]  # alive: has a pid
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        codes = self._reap(restart=False)
        while self._alive() and time.monotonic() < deadline:
            _wait_for_signal({signal.SIGCHLD}, deadline - time.monotonic())
            codes += self._reap(restart=False)
        stuck = self._alive()
        for worker in stuck:
            log.error(
                "worker %d (pid %d) did not stop within %.0f s; killing it",
                worker.index,
                worker.pid,
                SHUTDOWN_GRACE_SECONDS,
            )
            os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]  # alive: has a pid
            os.waitpid(worker.pid, 0)  # type: ignore[arg-type]
            worker.pid = None
        self.listener.close()
        return 0 if not stuck and all(code == 0 for code in codes) else 1

    def _alive(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.pid is not None]


def _wait_for_signal(signals: set[int] | frozenset[int], timeout: float | None) -> int | None:
    """The next of these (blocked) signals, or None when `timeout` seconds pass first."""
    if timeout is None:
        return signal.sigwaitinfo(signals).si_signo
    received = signal.sigtimedwait(signals, timeout)
    return received.si_signo if received else None


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def run_worker(
    index: int, app, settings: Settings, listener: socket.socket, parent_pid: int
) -> int:
    """A forked worker's whole life; returns its exit status and never raises.

    SIGTERM and SIGINT stay blocked, as the parent left them, for
    `serve_until_signalled` to take.
    """
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        if not _ends_with_parent(parent_pid):
            return 0
        connect_store(settings)
        if index == MAINTENANCE_WORKER:
            start_maintenance(settings)
        start_connector_runs(settings)  # every worker: the run queue lets one take each run
        start_external_sync()  # every worker: the pair leases let one take each pair
        server = make_server(app, settings, listener)
        server.prepare()  # starts the thread pool, in this process only
        return 1 if serve_until_signalled(server, STOP_SIGNALS) else 0
    except BaseException:
        log.exception("worker %d failed", index)
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _ends_with_parent(parent_pid: int) -> bool:
    """Have Linux send SIGTERM to this worker when the supervisor dies (elsewhere a
    no-op); False if it already died."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    return os.getppid() == parent_pid
