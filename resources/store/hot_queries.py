"""The queries every request runs, written as SQL once instead of built by peewee's
query compiler on each call (which costs more than the query itself on SQLite).

Each returns model instances through `Model.raw`, so field types are converted as
usual; columns from joined tables arrive as plain extra attributes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import peewee

from resources.store.database import database_proxy
from resources.store.models import Collection, DeadProperty, StoredObject
from resources.store.organisation import (
    Branch,
    Employee,
    Resource,
    ServiceCredential,
    UserAccount,
)
from resources.store.scheduling import ScheduleTag

_M = TypeVar("_M", bound=peewee.Model)
log = logging.getLogger("davserver.store")
_T = TypeVar("_T")


def _table(model: type[peewee.Model]) -> str:
    table: str = model._meta.table_name
    return table


@cache
def _sql(template: str, param: str) -> str:
    """The statement with this database's parameter placeholder filled in."""
    return template.format(
        p=param,
        credential=_table(ServiceCredential),
        account=_table(UserAccount),
        branch=_table(Branch),
        collection=_table(Collection),
        resource=_table(Resource),
        object=_table(StoredObject),
        dead=_table(DeadProperty),
        schedule_tag=_table(ScheduleTag),
        employee=_table(Employee),
    )


# Per PostgreSQL connection, the names of the statements prepared on it.
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_STATEMENT_MISSING = "26000"  # SQLSTATE invalid_sql_statement_name
_STATEMENT_EXISTS = "42P05"  # SQLSTATE duplicate_prepared_statement


@cache  # once per process
def _warn_of_shared_connections() -> None:
    """Statements vanish or reappear on a connection when a pooler in transaction mode
    hands its server connections around: say so, with the cure."""
    log.warning(
        "a prepared statement went missing or already existed on this connection: "
        "behind PgBouncer (or another pooler) in transaction mode, add "
        "?prepared_statements=off to the database URL"
    )


@cache
def _prepared_form(sql: str) -> tuple[str, str, int]:
    """(name, PREPARE statement, parameter count) of a statement with %s placeholders."""
    count = sql.count("%s")
    numbered = iter(range(1, count + 1))
    body = re.sub("%s", lambda _match: f"${next(numbered)}", sql)
    name = "hot_" + hashlib.sha1(sql.encode()).hexdigest()[:16]
    return name, f"PREPARE {name} AS {body}", count


def _execute_prepared(sql: str, params: Sequence[Any]) -> Any:
    """Run a hot statement; on PostgreSQL as a statement prepared once per connection.

    Planning the lookups every request makes took PostgreSQL 0.7 to 1.5 ms each (see
    bench/postgresql-plans.md), several times their execution; a prepared statement is
    planned once per connection. psycopg2 prepares nothing itself, so this sends PREPARE
    the first time a connection meets a statement and EXECUTE after that.
    """
    db = database_proxy.obj
    if isinstance(db, peewee.SqliteDatabase) or not getattr(db, "prepares_statements", True):
        return db.execute_sql(sql, params)
    name, prepare, count = _prepared_form(sql)
    execute = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    for attempt in (1, 2):
        if db.is_closed():
            db.connect()
        prepared = _PREPARED.setdefault(db._state.conn, set())
        try:
            if name not in prepared:
                db.execute_sql(prepare)
                prepared.add(name)
            return db.execute_sql(execute, params)
        except peewee.ProgrammingError as exc:
            # A connection replaced after its death (see ReconnectingPostgresqlDatabase)
            # has none of the old one's statements: prepare them again, once.
            code = getattr(getattr(exc, "orig", None) or exc.__context__, "pgcode", None)
            if code in (_STATEMENT_MISSING, _STATEMENT_EXISTS):
                _warn_of_shared_connections()
            if attempt == 2 or code != _STATEMENT_MISSING or db.in_transaction():
                raise
            _PREPARED.pop(db._state.conn, None)
    raise AssertionError("unreachable")


def _run(model: type[_M], template: str, *params: Any) -> list[_M]:
    """Model instances for a prepared statement. Like peewee's `Model.raw`, but the mapping
    of result columns to fields is worked out once per statement, not on every call."""
    cursor = _execute_prepared(_sql(template, database_proxy.obj.param), params)
    plan = _row_plan(model, tuple(column[0] for column in cursor.description))
    return [_instance(model, plan, row) for row in cursor.fetchall()]


@dataclass(frozen=True)
class _RowPlan:
    """Per result column: the field it fills and the converter its driver value needs
    (None where the driver's value already is the Python one), or the plain attribute
    of an alias such as account_active."""

    fields: tuple[tuple[int, str, Callable[[Any], Any] | None], ...]
    aliases: tuple[tuple[int, str], ...]


# Fields whose values both drivers hand over as the Python value already (int, str):
# their python_value would only check that again, for every column of every row.
_AS_DELIVERED = (peewee.AutoField, peewee.IntegerField, peewee.CharField, peewee.TextField)


def _instance(model: type[_M], plan: _RowPlan, row: Any) -> _M:
    """The instance as peewee's own fetch would make it (values in __data__, nothing
    dirty), without Model.__init__'s attribute assignment per field, which cost a
    quarter of a GET's time in the server."""
    instance = model.__new__(model)
    instance.__data__ = {  # peewee's field values
        name: row[index] if convert is None or row[index] is None else convert(row[index])
        for index, name, convert in plan.fields
    }
    instance._dirty = set()  # type: ignore[attr-defined]  # peewee's changed-field set
    instance.__rel__ = {}  # peewee's related instances
    for index, name in plan.aliases:
        instance.__dict__[name] = row[index]
    return instance


@cache
def _row_plan(model: type[peewee.Model], columns: tuple[str, ...]) -> _RowPlan:
    fields, aliases = [], []
    for index, column in enumerate(columns):
        field = model._meta.columns.get(column)
        if field is None:
            aliases.append((index, column))
            continue
        target = field.rel_field if isinstance(field, peewee.ForeignKeyField) else field
        delivered = isinstance(target, _AS_DELIVERED)  # BooleanField is none of them
        fields.append((index, field.name, None if delivered else field.python_value))
    return _RowPlan(tuple(fields), tuple(aliases))


_LOGIN = """SELECT c.*, a.active AS account_active, a.employee_id AS account_employee_id,
 a.display_name AS account_display_name, b.timezone AS branch_timezone
 FROM {credential} c LEFT JOIN {account} a ON a.id = c.account_id LEFT JOIN {branch} b ON b.id = c.branch_id
 WHERE c.username_key = {p}"""


def credential_for_login(username_key: str) -> ServiceCredential | None:
    """The credential with its account's and branch's login-relevant fields, in one query."""
    rows = _run(ServiceCredential, _LOGIN, username_key)
    return rows[0] if rows else None


# The SQL form of resources.auth.access.visibility_condition (same rule, one lookup by slug).
_VISIBLE_CALENDAR = """SELECT col.* FROM {collection} col JOIN {resource} r ON r.id = col.resource_id
 WHERE r.slug = {p} AND r.active = {p} AND r.sync_allowed = {p}
 AND (r.kind = 'room' OR (r.kind = 'person' AND r.employee_id = {p}))"""


def visible_resource_calendar(slug: str, employee_id: int | None) -> Collection | None:
    """The calendar of resource `slug` if a login with this employee may see it."""
    rows = _run(
        Collection,
        _VISIBLE_CALENDAR,
        slug,
        True,
        True,
        employee_id if employee_id is not None else -1,
    )
    return rows[0] if rows else None


_OWN_COLLECTIONS = (
    """SELECT * FROM {collection} WHERE owner_id = {p} AND home = {p} AND path IN ({paths})"""
)


def own_collections(owner_id: int, home: str, paths: list[str]) -> list[Collection]:
    template = _OWN_COLLECTIONS.replace("{paths}", ", ".join("{p}" for _ in paths))
    return _run(Collection, template, owner_id, home, *paths)


_OBJECT = "SELECT * FROM {object} WHERE collection_id = {p} AND name = {p}"


@cache
def _member_columns() -> str:
    """The stored object's columns as `o.<column> AS o_<column>`, beside a collection's."""
    return ", ".join(
        f"o.{field.column_name} AS o_{field.column_name}"
        for field in StoredObject._meta.sorted_fields
    )


_MEMBER_JOIN = "LEFT JOIN {object} o ON o.collection_id = col.id AND o.name = {p}"
_OWN_WITH_MEMBER = """SELECT 0 AS via_resource, col.*, {members} FROM {collection} col {join}
 WHERE col.owner_id = {p} AND col.home = {p} AND col.path IN ({paths})"""
_VISIBLE_WITH_MEMBER = """SELECT 1 AS via_resource, col.*, {members} FROM {collection} col
 JOIN {resource} r ON r.id = col.resource_id {join}
 WHERE r.slug = {p} AND r.active = {p} AND r.sync_allowed = {p}
 AND (r.kind = 'room' OR (r.kind = 'person' AND r.employee_id = {p}))"""


@dataclass(frozen=True)
class CollectionWithMember:
    """A collection a path may name, with its member called `member_name` if it has one."""

    collection: Collection
    member: StoredObject | None
    via_resource: bool  # a resource's calendar found by its slug, not an own collection


def collections_with_member(
    owner_id: int,
    home: str,
    paths: list[str],
    member_name: str | None,
    resource: tuple[str, int | None] | None = None,
) -> list[CollectionWithMember]:
    """The owner's collections at `paths` and, with `resource` (slug, employee id), the
    calendar of that resource if the employee may see it; each with its member named
    `member_name` (None: no member is looked up). One query for what resolving a URL
    and finding the object it names would otherwise ask in three."""
    own = _OWN_WITH_MEMBER.replace("{paths}", ", ".join("{p}" for _ in paths))
    template, params = own, [member_name, owner_id, home, *paths]
    if resource is not None:
        slug, employee_id = resource
        template = f"{own} UNION ALL {_VISIBLE_WITH_MEMBER}"
        params += [member_name, slug, True, True, employee_id if employee_id is not None else -1]
    template = template.replace("{join}", _MEMBER_JOIN).replace("{members}", _member_columns())
    cursor = _execute_prepared(_sql(template, database_proxy.obj.param), params)
    columns = tuple(column[0] for column in cursor.description)
    split = columns.index("o_id")
    collection_plan = _row_plan(Collection, columns[1:split])
    member_plan = _row_plan(StoredObject, tuple(c[2:] for c in columns[split:]))
    return [
        CollectionWithMember(
            _instance(Collection, collection_plan, row[1:split]),
            None if row[split] is None else _instance(StoredObject, member_plan, row[split:]),
            bool(row[0]),
        )
        for row in cursor.fetchall()
    ]


def stored_object(collection_id: int, name: str) -> StoredObject | None:
    rows = _run(StoredObject, _OBJECT, collection_id, name)
    return rows[0] if rows else None


@dataclass(slots=True)
class ObjectSummary:
    """A stored object without its body: what a collection listing needs."""

    id: int
    collection_id: int
    name: str
    content_type: str
    etag: str
    size: int
    uid: str | None
    component: str | None
    created: float
    modified: float
    revision: int


@dataclass(slots=True)
class ObjectWithBody(ObjectSummary):
    """A stored object as REPORT answers read it: the listing's fields, body and occurrences."""

    body: bytes = b""
    occurrences: bytes | None = None


_LOCK_COLLECTION = "SELECT id FROM {collection} WHERE id = {p} FOR UPDATE"
_WRITE_START = """SELECT col.sync_revision, col.external_sync, {members},
 EXISTS (SELECT 1 FROM {collection} c2 WHERE c2.owner_id IS NOT DISTINCT FROM col.owner_id
  AND c2.home = col.home AND c2.path = {p}) AS child_collection,
 (SELECT u.name FROM {object} u WHERE u.collection_id = col.id AND u.uid = {p}
  AND u.name <> {p} LIMIT 1) AS uid_holder
 FROM {collection} col LEFT JOIN {object} o ON o.collection_id = col.id AND o.name = {p}
 WHERE col.id = {p}"""


@dataclass(frozen=True)
class WriteStart:
    """What a write of one member reads first, inside its transaction."""

    sync_revision: int
    external_sync: bool
    member: StoredObject | None  # the member as it is now, if it exists
    child_collection: bool  # a collection exists at the member's URL
    uid_holder: str | None  # another member with the UID to be written


def start_member_write(
    collection: Collection, name: str, uid: str | None, *, lock: bool
) -> WriteStart:
    """Read the collection's revision, the member `name`, whether a collection sits at
    that member's URL and which other member holds `uid`: what a PUT checks before it
    writes, in one round trip.

    With `lock` (PostgreSQL), the collection's row is locked first, until the transaction
    ends, by a statement of its own sent in the same message (psycopg2 fills the
    parameters in on this side): under READ COMMITTED only a statement that starts
    after the lock is granted sees what the writer before committed. One `SELECT ...
    FOR UPDATE` with the reads joined in would re-read the locked row only, and let two
    PUTs with the same If-Match both pass.
    """
    template = _WRITE_START.replace("{members}", _member_columns())
    params: tuple[Any, ...] = (f"{collection.path}/{name}", uid, name, name, collection.id)
    if lock:
        template = f"{_LOCK_COLLECTION}; {template}"
        params = (collection.id, *params)
    cursor = database_proxy.obj.execute_sql(_sql(template, database_proxy.obj.param), params)
    columns = tuple(column[0] for column in cursor.description)
    row = cursor.fetchone()
    if row is None:
        raise peewee.DoesNotExist(f"collection {collection.id} is gone")
    member_columns = columns[2:-2]
    member = (
        None
        if row[2] is None
        else _instance(
            StoredObject, _row_plan(StoredObject, tuple(c[2:] for c in member_columns)), row[2:-2]
        )
    )
    return WriteStart(int(row[0]), bool(row[1]), member, bool(row[-2]), row[-1])


_SUMMARY_COLUMNS = (
    "id, collection_id, name, content_type, etag, size, uid, component, created, modified, revision"
)
_WITH_BODY = f"""SELECT {_SUMMARY_COLUMNS}, body, occurrences FROM {{object}}
 WHERE collection_id = {{p}} AND {{{{key}}}} IN ({{{{values}}}})"""
_SUMMARY_PAGE = f"""SELECT {_SUMMARY_COLUMNS} FROM {{object}}
 WHERE collection_id = {{p}} AND name > {{p}} ORDER BY name LIMIT {{p}}"""
_BODY_PAGE = f"""SELECT {_SUMMARY_COLUMNS}, body, occurrences FROM {{object}}
 WHERE collection_id = {{p}} AND name > {{p}} ORDER BY name LIMIT {{p}}"""


def objects_with_body(
    collection_id: int, key: str, values: list[int] | list[str]
) -> list[ObjectWithBody]:
    """The objects of one collection whose `key` ("name" or "id") is one of `values`, in one
    query, as plain rows (REPORTs read many; model instances cost more than the query)."""
    if not values:
        return []
    param = database_proxy.obj.param
    sql = _sql(_WITH_BODY, param).format(
        key={"name": "name", "id": "id"}[key], values=", ".join([param] * len(values))
    )
    return [
        _with_body(row)
        for row in database_proxy.obj.execute_sql(sql, (collection_id, *values)).fetchall()
    ]


def _with_body(row: tuple[Any, ...]) -> ObjectWithBody:
    return ObjectWithBody(  # type: ignore[call-arg]  # the 11 summary columns come first
        *row[:11], bytes(row[11]), None if row[12] is None else bytes(row[12])
    )


def object_summary_pages(
    collection_id: int, page_size: int = 1000
) -> Iterator[list[ObjectSummary]]:
    """The members of a collection without bodies, page by page in name order."""
    return _pages_by_name(_SUMMARY_PAGE, collection_id, page_size, lambda row: ObjectSummary(*row))


def object_pages_with_body(
    collection_id: int, page_size: int = 200
) -> Iterator[list[ObjectWithBody]]:
    """Every member with its body, page by page in name order."""
    return _pages_by_name(_BODY_PAGE, collection_id, page_size, _with_body)


def _pages_by_name(
    template: str, collection_id: int, page_size: int, make: Callable[[tuple[Any, ...]], _T]
) -> Iterator[list[_T]]:
    """Keyset pages (name > the last one seen), each one indexed query: a large collection
    is never held in memory at once, on any database."""
    after = ""
    while True:
        rows = database_proxy.obj.execute_sql(
            _sql(template, database_proxy.obj.param), (collection_id, after, page_size)
        ).fetchall()
        if rows:
            yield [make(row) for row in rows]
        if len(rows) < page_size:
            return
        after = rows[-1][2]  # name


_DEAD_PROPERTIES_OF = (
    """SELECT stored_object_id, name, value FROM {dead} WHERE stored_object_id IN ({{ids}})"""
)


def dead_properties_of(object_ids: list[int]) -> dict[int, dict[str, str]]:
    """Dead properties of these objects, by object id, in one query."""
    if not object_ids:
        return {}
    placeholders = ", ".join([database_proxy.obj.param] * len(object_ids))
    sql = _sql(_DEAD_PROPERTIES_OF, database_proxy.obj.param).replace("{ids}", placeholders)
    found: dict[int, dict[str, str]] = {}
    for object_id, name, value in database_proxy.obj.execute_sql(sql, object_ids).fetchall():
        found.setdefault(object_id, {})[name] = value
    return found


_SCHEDULE_TAG_BY_NAME = """SELECT t.tag FROM {schedule_tag} t JOIN {object} o ON o.id = t.stored_object_id
 WHERE o.collection_id = {p} AND o.name = {p}"""


def schedule_tag_by_name(collection_id: int, name: str) -> str | None:
    """The Schedule-Tag of the object at `name` (asked before each PUT that replaces one)."""
    cursor = _execute_prepared(
        _sql(_SCHEDULE_TAG_BY_NAME, database_proxy.obj.param), (collection_id, name)
    )
    row = cursor.fetchone()
    return None if row is None else str(row[0])


_SOMEONE_BY_EMAIL = """SELECT 1 FROM {employee} e WHERE e.active = {p} AND e.email <> ''
 AND lower(e.email) = lower({p})
 UNION ALL SELECT 1 FROM {credential} c WHERE c.username_key = {p}"""


def anyone_has_email(email: str) -> bool:
    """Whether an active employee has this e-mail or a login is named by it: asked for
    each attendee of every PUT with an ORGANIZER, and mostly answered no (someone
    elsewhere), so it is one prepared statement."""
    cursor = _execute_prepared(
        _sql(_SOMEONE_BY_EMAIL, database_proxy.obj.param), (True, email, email.casefold())
    )
    return cursor.fetchone() is not None
