"""The cache of verified logins (resources/auth/passwords.py): honoured only for the row
as stored when it was verified, kept while in use, and emptied oldest use first when
full, never all at once (a full cache emptied whole would send every phone of a large
installation through argon2 on its next poll)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from resources.auth.passwords import VerifiedLoginCache


@dataclass(frozen=True)
class Row:
    id: int
    auth_version: int = 1
    password_hash: str = "$argon2id$stored"


def test_an_entry_holds_only_for_the_row_and_password_it_was_verified_with():
    cache = VerifiedLoginCache()
    cache.remember(Row(1), "secret-1")
    assert cache.is_verified(Row(1), "secret-1")
    assert not cache.is_verified(Row(1), "secret-2")
    assert not cache.is_verified(Row(1, auth_version=2), "secret-1")  # switched off, changed
    assert not cache.is_verified(Row(1, password_hash="$argon2id$new"), "secret-1")
    assert not cache.is_verified(Row(2), "secret-1")


def test_use_keeps_an_entry_and_lifetime_ends_an_unused_one():
    cache = VerifiedLoginCache(ttl_seconds=0.4)
    cache.remember(Row(1), "used")
    cache.remember(Row(2), "unused")
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:
        assert cache.is_verified(Row(1), "used")
        time.sleep(0.05)
    assert cache.is_verified(Row(1), "used")
    assert not cache.is_verified(Row(2), "unused")


def test_a_full_cache_forgets_the_longest_unused_entry_only():
    cache = VerifiedLoginCache(max_entries=3)
    for number in (1, 2, 3):
        cache.remember(Row(number), "pw")
    cache.remember(Row(1), "pw")  # used again: now the most recent
    cache.remember(Row(4), "pw")
    assert [cache.is_verified(Row(n), "pw") for n in (1, 2, 3, 4)] == [True, False, True, True]
