"""Lists that scale: search, sorting and keyset pagination done in the database (a
WHERE, an ORDER BY on an indexed column and the id, a LIMIT), with a cursor that
carries the last row's sort value and id, so a deep page costs what the first does."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import peewee

from resources.errors import InvalidProperty
from resources.store.database import is_sqlite
from resources.store.field_schema import id_column
from resources.store.list_indexes import SEARCHED_COLUMNS, search_table

LIMIT_DEFAULT = 50
LIMIT_MAX = 1000
QUERY_MAX = 200
_LIKE_ESCAPE = "!"


@dataclass(frozen=True)
class ListRequest:
    """What a list asks for: `q` searches, `sort` names a column (`-name` descending),
    `limit` rows per page, `after` the cursor of the page before."""

    q: str = ""
    sort: str = ""
    limit: int = LIMIT_DEFAULT
    after: str = ""


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next: str | None  # the cursor of the following page, None on the last one
    sort: str  # the sort in effect (the default when none was asked for)


def _like_pattern(text: str) -> str:
    escaped = "".join(_LIKE_ESCAPE + c if c in "%_" + _LIKE_ESCAPE else c for c in text)
    return f"%{escaped}%"


def contains(column: peewee.ColumnBase, word: str) -> peewee.ColumnBase:
    """`column` contains `word`, without regard to case, with % and _ taken literally.
    SQLite's LIKE ignores the case of ASCII letters itself; on PostgreSQL LOWER() and
    LIKE cost half of what ILIKE does."""
    escape = peewee.SQL(f"ESCAPE '{_LIKE_ESCAPE}'")
    if is_sqlite():
        return peewee.NodeList((column, peewee.SQL("LIKE"), _like_pattern(word), escape))
    pattern = _like_pattern(word.lower())
    return peewee.NodeList((peewee.fn.LOWER(column), peewee.SQL("LIKE"), pattern, escape))


def searched_text(columns: Sequence[peewee.Field]) -> peewee.ColumnBase:
    """The searched columns as one text, joined by spaces (which no word of a search
    holds, so a word never matches across two columns). One text per row means one LIKE
    per word instead of one per column, and one trigram index on PostgreSQL
    (resources/store/list_indexes.py builds it from the same expression)."""
    text: peewee.ColumnBase = peewee.fn.COALESCE(columns[0], "")
    for column in columns[1:]:
        text = text.concat(" ").concat(peewee.fn.COALESCE(column, ""))
    return text


def _in_search_index(model: type[peewee.Model], word: str) -> peewee.ColumnBase:
    """Rows whose joined text contains `word`, looked up in the table's FTS5 trigram
    index on SQLite (resources/store/list_indexes.py keeps it in step by triggers)."""
    lookup = peewee.SQL(
        f'SELECT rowid FROM "{search_table(model)}" WHERE text LIKE ?', [f"%{word}%"]
    )
    return id_column(model).in_(peewee.NodeList([lookup], parens=True))


def search_condition(columns: Sequence[peewee.Field], q: str) -> peewee.ColumnBase | None:
    """Every word of `q` occurs in one of `columns`."""
    condition: peewee.ColumnBase | None = None
    text = searched_text(columns)
    model = columns[0].model
    indexed = is_sqlite() and tuple(c.name for c in columns) == SEARCHED_COLUMNS.get(model)
    for word in q.split():
        # The trigram index serves words of three characters or more, without LIKE's own
        # wildcards (which it would not take literally); other words read the rows.
        if indexed and len(word) >= 3 and not set(word) & set("%_" + _LIKE_ESCAPE):
            found = _in_search_index(model, word)
        else:
            found = contains(text, word)
        condition = found if condition is None else condition & found
    return condition


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    raw = json.dumps([sort, value, row_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


_NOT_A_CURSOR = "'after' is not a cursor of this list; start again without it."


def _typed(column: peewee.Field, value: Any) -> Any:
    """The cursor's value as the column holds it; a crafted cursor must not reach SQL
    with a value of another type (PostgreSQL would refuse it as an error)."""
    if isinstance(column, peewee.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(column, (peewee.IntegerField, peewee.AutoField)):
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**63) < value < 2**63
    elif isinstance(column, peewee.FloatField):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(column, peewee.DateField):
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            ok = False
    else:
        ok = isinstance(value, str) and "\x00" not in value
    if not ok:
        raise InvalidProperty(_NOT_A_CURSOR)
    return value


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The sort value and id a cursor carries; refused when broken or made for another sort."""
    refusal = InvalidProperty(_NOT_A_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, row_id = json.loads(raw.decode("utf-8"))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise refusal from None
    if made_for != sort or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise refusal
    if not isinstance(value, (str, int, float, bool)) or not -(2**63) < row_id < 2**63:
        raise refusal
    return value, row_id


def chosen_sort(sort: str, columns: dict[str, peewee.Field], default: str) -> tuple[str, bool]:
    """The sort name and whether it descends; unknown names are refused with the choices."""
    sort = sort or default
    name, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if name not in columns:
        raise InvalidProperty(
            code="list_sort_invalid", field="sort", columns=", ".join(sorted(columns))
        )
    return name, descending


def page_of(
    query: peewee.ModelSelect[Any],
    asked: ListRequest,
    *,
    sort_columns: dict[str, peewee.Field],
    default_sort: str,
    search_columns: Sequence[peewee.Field] = (),
) -> Page:
    """One page of `query` as `asked`: searched, sorted and cut in SQL."""
    if len(asked.q) > QUERY_MAX:
        raise InvalidProperty(code="list_query_too_long", field="q", max=QUERY_MAX)
    if not 1 <= asked.limit <= LIMIT_MAX:
        raise InvalidProperty(code="list_limit_invalid", field="limit", max=LIMIT_MAX)
    name, descending = chosen_sort(asked.sort, sort_columns, default_sort)
    sort = f"-{name}" if descending else name
    column, row_id = sort_columns[name], id_column(query.model)
    condition = search_condition(search_columns, asked.q) if search_columns else None
    if condition is not None:
        query = query.where(condition)
    if asked.after:
        value, last_id = decode_cursor(asked.after, sort)
        value = _typed(column, value)
        if name == "id":
            query = query.where(row_id < last_id if descending else row_id > last_id)
        else:
            before = peewee.Tuple(column, row_id) < peewee.Tuple(value, last_id)
            after = peewee.Tuple(column, row_id) > peewee.Tuple(value, last_id)
            query = query.where(before if descending else after)
    order = (column.desc(), row_id.desc()) if descending else (column.asc(), row_id.asc())
    rows = list(query.order_by(*(order[1:] if name == "id" else order)).limit(asked.limit + 1))
    following = None
    if len(rows) > asked.limit:
        rows = rows[: asked.limit]
        last = rows[-1]
        last_id = last.get_id()
        value = getattr(last, column.name) if name != "id" else last_id
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        following = encode_cursor(sort, value, last_id)
    return Page(rows, following, sort)
