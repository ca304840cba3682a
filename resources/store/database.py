"""Opening the database named by a URL (SQLite or PostgreSQL) and write transactions.

SQLite runs in WAL mode with a busy timeout; writes take the write lock at BEGIN
(BEGIN IMMEDIATE), so a read-then-write transaction never fails half way with
SQLITE_BUSY. PostgreSQL serialises writers per collection with SELECT ... FOR UPDATE
(see `lock_for_update`).
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

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


# The database URL's one option: `?prepared_statements=off` for a PostgreSQL reached
# through PgBouncer in transaction mode, where consecutive transactions of one client
# connection may run on different server connections, so a statement PREPAREd on one
# is unknown on the next (PgBouncer before 1.21 passes no prepared statements at all).
PREPARED_STATEMENTS = "prepared_statements"

# A PostgreSQL that does not answer at all makes a request fail after this long, not hang.
CONNECT_TIMEOUT_SECONDS = 5
SQLITE_FULL = 13  # sqlite3 result code: "database or disk is full"
PG_DISK_FULL = "53100"  # SQLSTATE disk_full
PG_OUT_OF_MEMORY = "53200"
PG_PROGRAM_LIMIT = "54000"


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
        return peewee.SqliteDatabase(
            path or ":memory:", pragmas=SQLITE_PRAGMAS, check_same_thread=False
        )
    if scheme in ("postgres", "postgresql"):
        options = parse_qs(parts.query)
        unknown = sorted(options.keys() - {PREPARED_STATEMENTS})
        if unknown:
            raise DatabaseUrlError(
                f"unknown option {unknown[0]!r} in database URL {redact_url(url)!r}: "
                f"the one option is {PREPARED_STATEMENTS}=off"
            )
        switch = options.get(PREPARED_STATEMENTS, ["on"])[-1].lower()
        if switch not in ("on", "off"):
            raise DatabaseUrlError(f"{PREPARED_STATEMENTS} in the database URL must be on or off")
        database = ReconnectingPostgresqlDatabase(
            unquote(parts.path.lstrip("/")) or "davserver",
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or None,
            port=parts.port or None,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        database.prepares_statements = switch == "on"
        return database
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
    full: list[BaseException] = []
    try:
        if isinstance(db, peewee.SqliteDatabase) and not db.in_transaction():
            with _SQLITE_WRITER, db.atomic("IMMEDIATE"), _noting_full_storage(full):
                yield
        else:
            with db.atomic(), _noting_full_storage(full):
                yield
    except Exception:
        # SQLite undoes a transaction itself on a full disk, so the ROLLBACK after it
        # fails ("no transaction is active"); the full disk is what the caller must hear.
        if full:
            raise full[0] from None
        if isinstance(db, peewee.SqliteDatabase) and _disk_nearly_full(db.database):
            # The failed COMMIT's own error is lost behind the failed ROLLBACK.
            raise StorageFull("database or disk is full") from None
        raise


# A bulk writer's page cache on SQLite (in KiB): a run that writes 100,000 rows into
# tables with a dozen indexes (names, uids, the search index) spills a 1 MB cache to the
# file over and over (about half its time went there); 8 MB holds the pages it revisits.
BULK_CACHE_KIB = 8_000


@contextlib.contextmanager
def bulk_cache() -> Iterator[None]:
    """A larger page cache for this thread's SQLite connection while a bulk writer works,
    then the usual one again (it is freed); PostgreSQL caches in the server."""
    db = database_proxy.obj
    if not isinstance(db, peewee.SqliteDatabase):
        yield
        return
    db.connect(reuse_if_open=True)
    db.execute_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")


class StorageFull(peewee.OperationalError):
    """A write failed on a disk with (almost) no space left."""


NEARLY_FULL_BYTES = 1024 * 1024


def _disk_nearly_full(path: str) -> bool:
    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES


@contextlib.contextmanager
def _noting_full_storage(full: list[BaseException]) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if is_storage_full(exc):
            full.append(exc)
        raise


_Select = TypeVar("_Select", bound="peewee.ModelSelect[Any]")


def lock_for_update(query: _Select) -> _Select:
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
        database_proxy.obj.execute_sql(
            "SELECT pg_advisory_xact_lock(%s, %s)", (NAME_LOCK_SPACE, key)
        )


@contextlib.contextmanager
def connection() -> Iterator[None]:
    """Make sure this thread has an open connection; threads keep theirs for reuse."""
    database_proxy.obj.connect(reuse_if_open=True)
    yield


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind a peewee error (peewee wraps it as args[0])."""
    original = (
        exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__context__
    )
    return original if original is not None else exc


def is_storage_full(exc: BaseException) -> bool:
    """The database refused a write because its disk (or SQLite page limit) is full."""
    if isinstance(exc, StorageFull):
        return True
    original = _driver_error(exc)
    if getattr(original, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    if getattr(original, "pgcode", None) == PG_DISK_FULL:
        return True
    return "database or disk is full" in str(original)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or used right now: connection lost or refused,
    server shutting down, locked past the busy timeout. Worth retrying later."""
    lost = isinstance(exc, (peewee.OperationalError, peewee.InterfaceError)) or (
        type(exc).__name__ in ("OperationalError", "InterfaceError")
        and type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg2")
    )
    return lost and not is_storage_full(exc)


class ReconnectingPostgresqlDatabase(peewee.PostgresqlDatabase):
    """PostgreSQL whose per-thread connection is replaced once it has died.

    Threads keep their connection between requests; when PostgreSQL restarts, each of
    them holds a dead one that peewee still thinks open. A dead connection is dropped
    before a statement outside a transaction runs, and a statement that fails because
    the connection was lost (outside a transaction: nothing half done) is run once
    more on a new connection. Inside a transaction the error goes up: the request
    fails, and the next one gets a new connection.
    """

    prepares_statements = True  # see PREPARED_STATEMENTS

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        # peewee's stubs leave execute_sql unannotated
        if self.in_transaction():
            if self._take_pending_begin():
                # psycopg2 fills the parameters in on this side and sends both
                # statements in one message: the transaction starts without a round trip.
                sql = f"BEGIN; {sql}"
            return super().execute_sql(sql, params)  # type: ignore[no-untyped-call]
        self.drop_dead_connection()
        try:
            return super().execute_sql(sql, params)  # type: ignore[no-untyped-call]
        except (peewee.OperationalError, peewee.InterfaceError):
            if not self.drop_dead_connection():
                raise
        return super().execute_sql(sql, params)  # type: ignore[no-untyped-call]

    def begin(self, *args: Any, **kwargs: Any) -> None:
        """Start a transaction; the BEGIN itself goes out with its first statement."""
        # Runs before the transaction is pushed, so nothing is half done yet.
        self.drop_dead_connection()
        if args or kwargs or self._isolation_level:  # type: ignore[attr-defined]  # peewee's
            self._eager_begin(*args, **kwargs)
            return
        self.connection()  # connect now, as peewee's begin would
        self._state.begin_pending = True  # type: ignore[attr-defined]  # our per-thread flag

    def _eager_begin(self, *args: Any, **kwargs: Any) -> None:
        try:
            return super().begin(*args, **kwargs)
        except (peewee.OperationalError, peewee.InterfaceError):
            if not self.drop_dead_connection():
                raise
        return super().begin(*args, **kwargs)

    def _take_pending_begin(self) -> bool:
        state = self._state  # type: ignore[attr-defined]  # peewee's per-thread state
        pending = getattr(state, "begin_pending", False)
        state.begin_pending = False
        return bool(pending)

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        """A cursor for code that executes on it directly (bulk writes): a pending BEGIN
        is sent first, so those statements are inside the transaction too."""
        cursor = super().cursor(*args, **kwargs)  # type: ignore[no-untyped-call]
        if self.in_transaction() and self._take_pending_begin():
            cursor.execute("BEGIN")
        return cursor

    def connection(self) -> Any:
        connection = super().connection()  # type: ignore[no-untyped-call]
        if self.in_transaction() and self._take_pending_begin():
            connection.cursor().execute("BEGIN")
        return connection

    def commit(self) -> None:
        if not self._take_pending_begin():  # nothing ran: nothing to commit
            super().commit()

    def rollback(self) -> None:
        if not self._take_pending_begin():
            super().rollback()

    def drop_dead_connection(self) -> bool:
        """Forget this thread's connection if the driver knows it is closed; True if so."""
        if self.in_transaction() or self.is_closed():
            return False
        raw = self._state.conn  # type: ignore[attr-defined]  # peewee's per-thread state
        if raw is not None and not raw.closed:
            return False
        self.dispose()
        return True


def insert_rows(
    model: type[peewee.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    with_ids: bool = False,
) -> list[int]:
    """Insert many rows in bulk, inside the caller's transaction: for bulk writers such
    as connector runs, where building each row's SQL through the query builder costs more
    than the database's work. With `with_ids` the rows get their ids here (taken from the
    table's sequence before the insert) and the ids are returned in the rows' order, so
    the caller need not read them back; otherwise the list is empty."""
    if not rows:
        return []
    # Defaults are peewee's, not the database's: add the columns the caller left out.
    defaulted = [
        field
        for name, field in model._meta.fields.items()
        if name not in columns and field.default is not None
    ]
    fields = [model._meta.fields[name] for name in columns] + defaulted
    if defaulted:
        rows = [
            (*row, *(f.default() if callable(f.default) else f.default for f in defaulted))
            for row in rows
        ]
    ids = _next_ids(model, len(rows)) if with_ids else []
    if with_ids:
        fields = [model._meta.primary_key, *fields]
        rows = [(row_id, *row) for row_id, row in zip(ids, rows, strict=True)]
    names = [str(field.column_name) for field in fields]
    if not isinstance(database_proxy.obj, peewee.SqliteDatabase):
        _copy_rows(model._meta.table_name, names, fields, rows)
        return ids
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = (
        f'INSERT INTO "{model._meta.table_name}" ({quoted}) '
        f"VALUES ({', '.join(['?'] * len(fields))})"
    )
    # Text and numbers go to the driver as they are, and so do keys given as numbers;
    # other fields (booleans, blobs) through peewee's conversion.
    converting = [_needs_conversion(field, index, rows) for index, field in enumerate(fields)]
    if any(converting):
        rows = [
            [
                field.db_value(value) if convert else value
                for field, convert, value in zip(fields, converting, row, strict=True)
            ]
            for row in rows
        ]
    database_proxy.obj.cursor().executemany(statement, rows)
    return ids


def _needs_conversion(field: peewee.Field, index: int, rows: Sequence[Sequence[object]]) -> bool:
    if isinstance(field, _PLAIN_FIELDS):
        return False
    if isinstance(field, peewee.ForeignKeyField):
        return not all(type(row[index]) is int for row in rows)
    if isinstance(field, peewee.BlobField):  # the driver stores bytes as a blob itself
        return not all(type(row[index]) is bytes for row in rows)
    return True


_PLAIN_FIELDS = (peewee.CharField, peewee.TextField, peewee.IntegerField, peewee.FloatField)


def _next_ids(model: type[peewee.Model], count: int) -> list[int]:
    """`count` new ids of the model's table, for rows about to be inserted in this
    transaction: on SQLite the ones after the largest (the write lock is held, nobody
    else inserts), on PostgreSQL taken from the table's sequence."""
    db = database_proxy.obj
    table, key = model._meta.table_name, _key_column(model)
    if isinstance(db, peewee.SqliteDatabase):
        (largest,) = db.execute_sql(f'SELECT COALESCE(MAX({key}), 0) FROM "{table}"').fetchone()
        return list(range(largest + 1, largest + 1 + count))
    rows = db.execute_sql(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        (f'"{table}"', model._meta.primary_key.column_name, count),  # type: ignore[union-attr]
    ).fetchall()
    return [row[0] for row in rows]


def _copy_rows(
    table: str,
    names: Sequence[str],
    fields: Sequence[peewee.Field],
    rows: Sequence[Sequence[object]],
) -> None:
    """PostgreSQL's COPY of the rows (its text format): several times cheaper for the
    server than INSERT statements, which it parses and plans one by one."""
    converters = [_copy_converter(field) for field in fields]
    text = io.StringIO()
    converting = any(convert is not None for convert in converters)
    for row in rows:
        values = (
            [
                value if convert is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            ]
            if converting
            else row
        )
        text.write("\t".join([_copy_value(value) for value in values]))
        text.write("\n")
    text.seek(0)
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = database_proxy.obj.cursor()
    cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', text)


def _copy_converter(field: peewee.Field) -> Callable[[object], object] | None:
    """How a value of the field becomes one _copy_value writes: text and numbers as they
    are, blobs as bytes (peewee would wrap them for the driver), others (keys, booleans)
    through peewee's conversion."""
    if isinstance(field, peewee.BlobField):
        return lambda value: value.encode("utf-8") if isinstance(value, str) else value
    if isinstance(field, _PLAIN_FIELDS):
        return None
    if isinstance(field, peewee.ForeignKeyField):
        return lambda value: value if type(value) is int else field.db_value(value)
    return field.db_value


def _copy_value(value: object) -> str:
    """One value in COPY's text format."""
    format_value = _COPY_FORMATS.get(type(value))
    return format_value(value) if format_value is not None else _copy_text(str(value))


def _copy_text(text: str) -> str:
    if text.isprintable() and "\\" not in text:
        return text  # nearly every value: no tab, line break or backslash to escape
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_bytes(value: bytes | bytearray | memoryview) -> str:
    return "\\\\x" + bytes(value).hex()  # bytea's hex form, its backslash escaped


# By exact type, so that a bool is not taken for the int it also is.
_COPY_FORMATS: dict[type, Callable[[Any], str]] = {
    str: _copy_text,
    int: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\\N",
    bytes: _copy_bytes,
    bytearray: _copy_bytes,
    memoryview: _copy_bytes,
}


def _execute_many(statement: str, rows: Sequence[Sequence[object]]) -> None:
    """One statement for many rows. psycopg2's own executemany sends one row per round
    trip to the server; execute_batch sends hundreds in one."""
    db = database_proxy.obj
    cursor = db.cursor()
    if isinstance(db, peewee.SqliteDatabase):
        cursor.executemany(statement, rows)
        return
    from psycopg2.extras import execute_batch  # type: ignore[import-untyped]

    execute_batch(cursor, statement, rows, page_size=250)


def _mark() -> str:
    return "?" if isinstance(database_proxy.obj, peewee.SqliteDatabase) else "%s"


def _column(model: type[peewee.Model], name: str) -> str:
    return f'"{model._meta.fields[name].column_name}"'


def _key_column(model: type[peewee.Model]) -> str:
    return f'"{model._meta.primary_key.column_name}"'  # type: ignore[union-attr]


def update_rows(
    model: type[peewee.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    key: str = "id",
) -> None:
    """Set `columns` of many rows by `key` with one prepared statement, inside the
    caller's transaction; each row is its values, then its key. Text, numbers and bytes
    only: the driver gets them as they are."""
    if not rows:
        return
    mark = _mark()
    assignments = ", ".join(f"{_column(model, name)} = {mark}" for name in columns)
    statement = (
        f'UPDATE "{model._meta.table_name}" SET {assignments} WHERE {_column(model, key)} = {mark}'
    )
    _execute_many(statement, rows)


def select_rows(
    model: type[peewee.Model],
    columns: Sequence[str],
    equal: Sequence[tuple[str, object]],
    among: tuple[str, Sequence[object]] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The `columns` of the rows whose columns equal the given values (and, with `among`,
    whose column is one of the values, asked 500 at a time): for bulk readers, where
    peewee's building of every row and every IN list costs more than the query."""
    mark = _mark()
    selected = ", ".join(_column(model, name) for name in columns)
    conditions = [f"{_column(model, name)} = {mark}" for name, _value in equal]
    parameters = [value for _name, value in equal]
    base = f'SELECT {selected} FROM "{model._meta.table_name}"'
    if among is None:
        statement = f"{base} WHERE {' AND '.join(conditions) or '1 = 1'}"
        if isinstance(database_proxy.obj, peewee.SqliteDatabase):
            # SQLite's cursor hands the rows over as they are read: nothing is held.
            yield from database_proxy.obj.execute_sql(statement, parameters)
        else:
            yield from _rows_by_server_cursor(statement, parameters)
        return
    name, values = among
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        where = " AND ".join(
            [*conditions, f"{_column(model, name)} IN ({', '.join([mark] * len(chunk))})"]
        )
        yield from database_proxy.obj.execute_sql(f"{base} WHERE {where}", [*parameters, *chunk])


def _rows_by_server_cursor(statement: str, parameters: list[object]) -> Iterator[tuple[Any, ...]]:
    """The rows of a query on PostgreSQL through a cursor on the server, 2,000 at a time:
    the driver would otherwise fetch the whole result into this process at once. WITH
    HOLD, since outside a transaction every statement commits."""
    connection = database_proxy.obj.connection()
    cursor = connection.cursor(name=f"rows_{uuid.uuid4().hex}", withhold=True)
    cursor.itersize = 2000
    try:
        cursor.execute(statement, parameters)
        yield from cursor
    finally:
        cursor.close()
