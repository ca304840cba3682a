"""Limiting failed logins per user name and per client address.

Counts live in the process only. With several server processes (the `workers`
setting) each one enforces `per_process_limit(limit, processes)` = ceil(limit /
processes), so all of them together let at most the configured limit through,
rounded up to a multiple of the process count (a limit of 10 stays 10 with 2
processes and becomes 12 with 3). A client whose attempts all reach one process, as
on one keep-alive connection, is refused sooner.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


def per_process_limit(limit: int, processes: int) -> int:
    """One process's share of a limit that all `processes` together must keep."""
    return math.ceil(limit / processes)


class LoginThrottle:
    def __init__(self, per_user: int, per_address: int, window_seconds: float = 300.0) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures[key]
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        return entries

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds to wait if this user name or address failed too often, else None."""
        now = time.monotonic()
        with self._lock:
            for key, limit in ((f"u:{username.casefold()}", self.per_user), (f"a:{address}", self.per_address)):
                entries = self._recent(key, now)
                if len(entries) >= limit:
                    return max(1, int(entries[0] + self.window - now) + 1)
        return None

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"u:{username.casefold()}", f"a:{address}"):
                self._recent(key, now).append(now)
            if len(self._failures) > 100000:  # a flood of distinct names: forget the oldest state
                self._failures.clear()
