"""Running the application on cheroot, the HTTP server WsgiDAV is made for."""

from __future__ import annotations

import ctypes
import errno
import socket

from cheroot import wsgi

from davserver.config import Settings


class PortInUse(OSError):
    pass


M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Keep glibc from giving each worker thread its own memory arena.

    Each arena keeps the peak of the largest response its thread ever built, so with
    16 threads the process holds many copies of its worst moment; two arenas cost no
    measurable speed here. A no-op where glibc is not the allocator.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def make_server(app, settings: Settings) -> wsgi.Server:
    server = wsgi.Server(
        (settings.host, settings.port),
        app,
        numthreads=settings.threads,
        server_name="davserver",
        timeout=30,
    )
    # A second, coarse guard; handlers enforce the exact limits with readable errors.
    server.max_request_body_size = settings.max_request_size * 2
    return server


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
