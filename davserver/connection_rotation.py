"""Ending keep-alive connections now and then when several worker processes share a port.

The kernel hands each new connection to whichever worker process accepts it first, and
a keep-alive connection stays with that process for as long as it lives: a few busy
clients can end up on one worker while the other idles. Asking a client to reconnect
after a number of requests (`Connection: close`, as nginx and Apache do after 100 or
1,000) lets connections spread out again, at the cost of one TCP handshake per
REQUESTS_PER_CONNECTION requests. Clients reconnect transparently.
"""

from __future__ import annotations

import threading

REQUESTS_PER_CONNECTION = 100
_FORGET_AFTER = 10_000  # connections remembered at most (closed ones are not noticed)


class ConnectionRotation:
    """WSGI middleware: every REQUESTS_PER_CONNECTION-th answer on a connection closes it."""

    def __init__(self, app, requests_per_connection: int = REQUESTS_PER_CONNECTION) -> None:
        self.app = app
        self.limit = requests_per_connection
        self._served: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        connection = (environ.get("REMOTE_ADDR", ""), environ.get("REMOTE_PORT", ""))
        with self._lock:
            served = self._served.pop(connection, 0) + 1
            if served < self.limit:
                if len(self._served) >= _FORGET_AFTER:
                    self._served.clear()
                self._served[connection] = served
        if served < self.limit:
            return self.app(environ, start_response)

        def closing(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "connection"]
            return start_response(status, [*headers, ("Connection", "close")], exc_info)

        return self.app(environ, closing)
