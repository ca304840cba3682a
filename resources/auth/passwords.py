"""Password hashing (passlib, argon2) and a cache of verified logins.

Basic auth sends the password with every request; hashing it each time would
dominate request time. A verified login is remembered for an hour after its last use,
under a keyed hash of (credential, auth_version, stored hash, password), never the
password itself.
The cache never decides alone: every request reads the credential's row from the
database (it needs it for the other rules anyway) and looks the cache up with that
row's auth_version and hash. Any change to a credential bumps its auth_version, and a
new password changes the hash, so every server process on every host stops honouring
the old entry with its next request, at no cost beyond the row it reads anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
import threading
import time
from typing import Protocol

from passlib.context import CryptContext

from resources.errors import InvalidProperty

_context = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated="auto",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Verified against for unknown users so that a miss costs as much as a hit.
_DUMMY_HASH = _context.hash(secrets.token_urlsafe(16))

# Each argon2 computation holds 19 MiB while it runs. A burst of logins (every phone
# reconnecting after a restart, or a password-guessing flood) would otherwise run one
# per server thread at once; more at a time than there are cores is no faster anyway.
_HASHING_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 1))

GENERATED_PASSWORD_LENGTH = 20
PASSWORD_MIN = 8  # the shortest password anyone may set, in the API, the UI and the CLI
PASSWORD_MAX = 1024
# passlib refuses to hash more than 4096 bytes; a longer password is never right
# (none longer than PASSWORD_MAX is ever stored) but must cost a verification too.
_VERIFIABLE_BYTES = 4096
_NEVER_MATCHES = secrets.token_urlsafe(32)


def _verifiable(password: str) -> tuple[str, bool]:
    """(what to verify, whether it can match): a stand-in for over-long passwords."""
    if (
        len(password) * 4 <= _VERIFIABLE_BYTES
        or len(password.encode("utf-8", "surrogatepass")) <= _VERIFIABLE_BYTES
    ):
        return password, True
    return _NEVER_MATCHES, False


def check_new_password(password: str) -> None:
    """Refuse a password too short or too long to set."""
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        raise InvalidProperty(
            code="password_length", field="password", min=PASSWORD_MIN, max=PASSWORD_MAX
        )


def hash_password(password: str) -> str:
    with _HASHING_SLOTS:
        return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-time check; with no hash, burn the same time and say no."""
    if not password_hash:
        burn_verification_time(password)
        return False
    candidate, can_match = _verifiable(password)
    try:
        with _HASHING_SLOTS:
            return _context.verify(candidate, password_hash) and can_match
    except (ValueError, TypeError):
        return False


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification, for logins of unknown users."""
    candidate, _can_match = _verifiable(password)
    with _HASHING_SLOTS:
        _context.verify(candidate, _DUMMY_HASH)


def generate_password(length: int = GENERATED_PASSWORD_LENGTH) -> str:
    """A strong password that is easy to type on a phone (no look-alike characters)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "lIO01o")
    return "".join(secrets.choice(alphabet) for _ in range(length))


class StoredLogin(Protocol):
    """The columns of a credential or account row the cache is keyed by."""

    id: int
    auth_version: int
    password_hash: str | None


class VerifiedLoginCache:
    """Remembers recent successful verifications, keyed by an HMAC of the login.

    An entry lives an hour and each use extends it, so a phone that polls every 5 or 15
    minutes is verified once per process, not once per poll (an argon2 verification is
    about 50 ms of a core: most of a poll's cost). How long it lives is no safety
    matter: the entry is only honoured for the row as read with each request. When
    the cache is full the entries unused longest go first, never all at once.
    """

    def __init__(self, ttl_seconds: float = 3600.0, max_entries: int = 20000) -> None:
        self._secret = os.urandom(32)
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[bytes, float] = {}  # oldest use first
        self._lock = threading.Lock()

    def _key(self, stored: StoredLogin, password: str) -> bytes:
        message = f"{stored.id}\0{stored.auth_version}\0{stored.password_hash}\0{password}"
        return hmac.new(
            self._secret, message.encode("utf-8", "surrogatepass"), hashlib.sha256
        ).digest()

    def is_verified(self, stored: StoredLogin, password: str) -> bool:
        """Whether this password was verified against this very row (as just read)."""
        key = self._key(stored, password)
        expires = self._entries.get(key)
        now = time.monotonic()
        if expires is None or expires <= now:
            return False
        if expires - now < self._ttl / 2:  # in use: keep it (at most twice per lifetime)
            self._store(key, now)
        return True

    def remember(self, stored: StoredLogin, password: str) -> None:
        self._store(self._key(stored, password), time.monotonic())

    def _store(self, key: bytes, now: float) -> None:
        with self._lock:
            self._entries.pop(key, None)  # to the end: the most recent use
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v > now}
                for stale in list(self._entries)[: max(0, len(self._entries) - self._max + 1)]:
                    del self._entries[stale]
            self._entries[key] = now + self._ttl
