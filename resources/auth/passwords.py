"""Password hashing (passlib, argon2) and a short-lived cache of verified logins.

Basic auth sends the password with every request; hashing it each time would
dominate request time. A verified login is remembered for a short while under a keyed
hash of (credential, auth_version, stored hash, password), never the password itself.
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
    """Remembers recent successful verifications, keyed by an HMAC of the login."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 10000) -> None:
        self._secret = os.urandom(32)
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _key(self, stored: StoredLogin, password: str) -> bytes:
        message = f"{stored.id}\0{stored.auth_version}\0{stored.password_hash}\0{password}"
        return hmac.new(
            self._secret, message.encode("utf-8", "surrogatepass"), hashlib.sha256
        ).digest()

    def is_verified(self, stored: StoredLogin, password: str) -> bool:
        """Whether this password was verified against this very row (as just read)."""
        expires = self._entries.get(self._key(stored, password))
        return expires is not None and expires > time.monotonic()

    def remember(self, stored: StoredLogin, password: str) -> None:
        key = self._key(stored, password)
        with self._lock:
            if len(self._entries) >= self._max:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v > now}
                if len(self._entries) >= self._max:
                    self._entries.clear()
            self._entries[key] = time.monotonic() + self._ttl
