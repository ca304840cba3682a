"""Limiting failed logins per user name and per client address, without handing a
guesser a way to lock a company out.

The counts live in the database, so every server process (the `workers` setting) and
the command line see the same ones, and the configured limit holds exactly.

Two limits apply within a window of 5 minutes:
- per client address: a guesser's address is stopped after `per_address` failures;
- per user name: after `per_user` failures the name is refused, but only from
  addresses that have not signed in successfully as that name within the last
  KNOWN_ADDRESS_DAYS days. The real phone keeps working while a guesser elsewhere
  is locked out; a guesser cannot try more than `per_user` passwords from new
  addresses, nor more than `per_address` from one address.
An administrator can lift a user name's lock (`unlock`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache

import peewee

from resources.store.database import database_proxy, write_transaction
from resources.store.login_state import KnownAddress, LoginFailure

DAV, API, ADMIN = "dav", "api", "admin"
KNOWN_ADDRESS_DAYS = 30
WINDOW_SECONDS = 300.0
# A known address's last success is written again at most this often per process.
_KNOWN_REFRESH_SECONDS = 3600.0


@cache
def _recent_failures_sql(param: str) -> str:
    return (
        f'SELECT "key", "at" FROM "{LoginFailure._meta.table_name}" WHERE "scope" = {param} '
        f'AND "key" IN ({param}, {param}) AND "at" > {param} ORDER BY "at"'
    )


def _user_key(username: str) -> str:
    return f"u:{username.casefold()}"


def _address_key(address: str) -> str:
    return f"a:{address[:200]}"


@dataclass(frozen=True)
class UserLock:
    """A user name refused for addresses it never signed in from, until `ends_at` (epoch)."""

    ends_at: float
    failures: int


class LoginThrottle:
    def __init__(
        self,
        per_user: int,
        per_address: int,
        window_seconds: float = WINDOW_SECONDS,
        *,
        scope: str = DAV,
    ) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window = window_seconds
        self.scope = scope
        self._recorded: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _wait(self, times: list[float], limit: int, now: float) -> int | None:
        if len(times) < limit:
            return None
        # Allowed again once enough of the counted failures have left the window.
        return max(1, int(times[len(times) - limit] + self.window - now) + 1)

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds to wait if this user name or address failed too often, else None."""
        now = time.time()
        user_key, address_key = _user_key(username), _address_key(address)
        times: dict[str, list[float]] = {user_key: [], address_key: []}
        database = database_proxy.obj
        # One query on every sign-in, as SQL written once: peewee's query compiler would cost
        # more than the query itself.
        cursor = database.execute_sql(
            _recent_failures_sql(database.param),
            (self.scope, user_key, address_key, now - self.window),
        )
        for key, at in cursor.fetchall():
            times[key].append(at)
        waited = self._wait(times[address_key], self.per_address, now)
        if waited is not None:
            return waited
        waited = self._wait(times[user_key], self.per_user, now)
        if waited is not None and not self.is_known(username, address, now):
            return waited
        return None

    def is_known(self, username: str, address: str, now: float | None = None) -> bool:
        since = (now or time.time()) - KNOWN_ADDRESS_DAYS * 86400
        return (
            KnownAddress.select()
            .where(
                KnownAddress.scope == self.scope,
                KnownAddress.username_key == username.casefold(),
                KnownAddress.address == address[:100],
                KnownAddress.last_success > since,
            )
            .exists()
        )

    def failed(self, username: str, address: str) -> None:
        now = time.time()
        with write_transaction():
            LoginFailure.insert_many(
                [(self.scope, _user_key(username), now), (self.scope, _address_key(address), now)],
                fields=[LoginFailure.scope, LoginFailure.key, LoginFailure.at],
            ).execute()
            # Failures older than any window are never read again.
            LoginFailure.delete().where(LoginFailure.at < now - 2 * self.window).execute()

    def succeeded(self, username: str, address: str) -> None:
        """Remember that this address signed in as this user name (written about once an hour)."""
        now = time.time()
        memo = (username.casefold(), address[:100])
        with self._lock:
            if now - self._recorded.get(memo, 0.0) < _KNOWN_REFRESH_SECONDS:
                return
            if len(self._recorded) > 100000:
                self._recorded.clear()
            self._recorded[memo] = now
        try:
            with write_transaction():
                updated = (
                    KnownAddress.update(last_success=now)
                    .where(
                        KnownAddress.scope == self.scope,
                        KnownAddress.username_key == memo[0],
                        KnownAddress.address == memo[1],
                    )
                    .execute()
                )
                if not updated:
                    KnownAddress.create(
                        scope=self.scope, username_key=memo[0], address=memo[1], last_success=now
                    )
        except peewee.IntegrityError:
            pass  # another process recorded the same address at the same moment

    def user_lock(self, username: str) -> UserLock | None:
        return user_lock(self.scope, username, self.per_user, self.window)

    def unlock(self, username: str) -> int:
        return unlock(self.scope, username)


def user_lock(
    scope: str, username: str, per_user: int, window: float = WINDOW_SECONDS
) -> UserLock | None:
    """The user name's lock for unknown addresses, if it has one now."""
    now = time.time()
    times = [
        row.at
        for row in LoginFailure.select(LoginFailure.at)
        .where(
            LoginFailure.scope == scope,
            LoginFailure.key == _user_key(username),
            LoginFailure.at > now - window,
        )
        .order_by(LoginFailure.at)
    ]
    if len(times) < per_user:
        return None
    return UserLock(times[len(times) - per_user] + window, len(times))


def unlock(scope: str, username: str) -> int:
    """Forget the user name's counted failures (call inside a write transaction); how many."""
    removed: int = (
        LoginFailure.delete()
        .where(LoginFailure.scope == scope, LoginFailure.key == _user_key(username))
        .execute()
    )
    return removed
