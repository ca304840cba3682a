"""Running the application on cheroot, the HTTP server WsgiDAV is made for."""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
from typing import Any

from cheroot import wsgi

from davserver.config import Settings
from davserver.connection_rotation import ConnectionRotation
from davserver.request_heads import MAX_HEAD_BYTES, HeadGatedServer

log = logging.getLogger("davserver.server")


class PortInUse(OSError):
    pass


class SharedSocketServer(HeadGatedServer):
    """A cheroot server accepting on a listening socket its parent process opened.

    Every worker process accepts on the same socket and the kernel hands each new
    connection to one of them. The socket is non-blocking here, so a process that
    loses the race for a connection goes straight back to its keep-alive connections
    instead of waiting in accept().
    """

    def __init__(self, listener: socket.socket, app, **options) -> None:
        self.listener = listener
        super().__init__(listener.getsockname()[:2], app, **options)

    def bind(self, family, type, proto=0):  # cheroot's signature
        """Take the inherited socket instead of creating one (called by prepare())."""
        self.socket = self.listener
        return self.listener

    def prepare(self) -> None:
        super().prepare()
        self.socket.setblocking(False)


KEEP_ALIVE_CONNECTIONS = 512
# The listening socket's backlog: connections the kernel has accepted and no process has
# taken yet. cheroot's default is 5, so a burst of phones reconnecting at once overflowed
# it and every SYN beyond it waited for the client's retransmission, one second later
# (or was reset). The kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 1024


def make_server(app, settings: Settings, listener: socket.socket | None = None) -> wsgi.Server:
    """The HTTP server: binding host:port itself, or accepting on `listener`."""
    options: dict[str, Any] = dict(
        numthreads=settings.threads,
        server_name="davserver",
        timeout=30,
        request_queue_size=LISTEN_BACKLOG,
    )
    if listener is None:
        server = HeadGatedServer((settings.host, settings.port), app, **options)
    else:
        server = SharedSocketServer(listener, ConnectionRotation(app), **options)
    # A second, coarse guard; handlers enforce the exact limits with readable errors.
    server.max_request_body_size = settings.max_request_size * 2
    # cheroot keeps at most 10 idle keep-alive connections and closes the rest after
    # every answer; every phone of a branch keeps one open, so allow many more.
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    # Before sign-in nothing else bounds what a client sends: cap the head's size
    # (431) and the time it may take to arrive (408), see request_heads.
    server.max_request_header_size = MAX_HEAD_BYTES
    server.head_timeout = settings.request_head_timeout
    return server


def serve_until_signalled(server: wsgi.Server, signals: frozenset[int]) -> bool:
    """Serve in a thread until one of `signals` arrives, then stop the server; True if
    the server's loop ended by itself with an error.

    The caller must have blocked `signals` before the server's threads started (they
    inherit the block). It takes them with sigwait and stops the server from outside
    its loop, as cheroot expects; a KeyboardInterrupt raised inside the loop can leave
    cheroot's thread pool waiting forever for a thread that never stops.
    """
    caller = threading.get_ident()
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            server.serve()
        except BaseException as exc:
            log.exception("the server loop failed")
            failures.append(exc)
        finally:
            signal.pthread_kill(caller, min(signals))  # however it ends, the caller finishes

    serving = threading.Thread(target=serve, name="davserver-serve")
    serving.start()
    signal.sigwait(signals)
    server.stop()
    serving.join()
    return bool(failures)


def open_listener(host: str, port: int) -> socket.socket:
    """A bound, listening socket with cheroot's options, for worker processes to share."""
    failure: OSError = OSError(f"no address found for {host}")
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    ):
        listener = wsgi.Server.prepare_socket(
            (host, port), family, kind, proto, wsgi.Server.nodelay, None
        )
        try:
            listener.bind(address)
        except OSError as exc:
            listener.close()
            failure = exc
            continue
        listener.listen(LISTEN_BACKLOG)
        return listener
    raise failure


def check_port_free(host: str, port: int) -> None:
    """Fail early with a clear message when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use") from None
        raise
    finally:
        probe.close()
