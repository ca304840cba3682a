"""Opening the database named by a URL (SQLite or PostgreSQL) and write transactions.

SQLite runs in WAL mode with a busy timeout; writes take the write lock at BEGIN
(BEGIN IMMEDIATE), so a read-then-write transaction never fails half way with
SQLITE_BUSY. PostgreSQL serialises writers per collection with SELECT ... FOR UPDATE
(see `lock_for_update`).
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import peewee

database_proxy = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    # Per connection, and every server thread has one: 1 MB each (16 threads x 2 workers
    # would otherwise hold a large calendar's pages many times over; the OS caches the file).
    "cache_size": -1000,
}


class DatabaseUrlError(ValueError):
    """The database URL cannot be understood."""


def open_database(url: str) -> peewee.Database:
    """Create (not yet connect) the database that `url` names."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(url.split("://", 1)[1])
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:] or ":memory:"
        elif path.startswith("//"):
            path = path[1:]
        return peewee.SqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    if scheme in ("postgres", "postgresql"):
        return peewee.PostgresqlDatabase(
            unquote(parts.path.lstrip("/")) or "davserver",
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or None,
            port=parts.port or None,
        )
    raise DatabaseUrlError(
        f"unsupported database URL {redact_url(url)!r}: use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB"
    )


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def bind(database: peewee.Database) -> None:
    """Make the models use `database`."""
    database_proxy.initialize(database)


def is_sqlite() -> bool:
    return isinstance(database_proxy.obj, peewee.SqliteDatabase)


# SQLite lets one connection write at a time, and a connection that finds the lock taken
# sleeps in its busy handler (1, 2, 5, 10 ... ms) before trying again. Threads of one
# process therefore queue here instead, and the next writer starts the moment the
# last one commits; other processes still meet the busy handler.
_SQLITE_WRITER = threading.Lock()


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """One atomic write; on SQLite the write lock is taken at the start."""
    db = database_proxy.obj
    db.connect(reuse_if_open=True)
    if isinstance(db, peewee.SqliteDatabase) and not db.in_transaction():
        with _SQLITE_WRITER, db.atomic("IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


def lock_for_update(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Row-lock the selected rows for the rest of the transaction (PostgreSQL only)."""
    return query if is_sqlite() else query.for_update()


NAME_LOCK_SPACE = 470112  # first key of pg_advisory_xact_lock(int, int) for claimed names


def lock_name(name: str) -> None:
    """Serialise the transactions that claim `name` in a namespace that no unique index
    covers (resource slugs and calendar home names), until the transaction ends.

    PostgreSQL only: SQLite runs one write transaction at a time anyway.
    """
    if not is_sqlite():
        key = zlib.crc32(name.encode("utf-8", "surrogatepass")) - 2**31
        database_proxy.obj.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (NAME_LOCK_SPACE, key))


@contextlib.contextmanager
def connection() -> Iterator[None]:
    """Make sure this thread has an open connection; threads keep theirs for reuse."""
    database_proxy.obj.connect(reuse_if_open=True)
    yield
