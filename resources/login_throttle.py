"""Limiting failed logins per user name and per client address.

Counts live in this process only: with several server processes each enforces its
own limit, which still bounds guessing to a small multiple of the configured rate.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


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
