"""Running the application on cheroot, the HTTP server WsgiDAV is made for."""

from __future__ import annotations

import errno
import socket

from cheroot import wsgi

from davserver.config import Settings


class PortInUse(OSError):
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
