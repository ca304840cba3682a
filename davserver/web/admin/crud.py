"""The shape every list-and-form screen shares: a list searched, sorted and paged in the
database (its columns named by the entity's schema), a form (new or saved record)
saved through a domain function, and delete with the domain's reason when refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee
from flask import Response, flash, request, url_for

from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.forms import Field, FormState, submit
from davserver.web.admin.pages import back_to, notice, render
from resources.errors import DomainError
from resources.store.field_schema import EntitySchema
from resources.store.listing import ListRequest, Page, page_of

Save = Callable[[dict[str, Any]], Any]
PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A list column: its heading (untranslated) and the sort it offers ("" for none)."""

    label: str
    sort: str = ""


@dataclass(frozen=True)
class ListView:
    """One page of a list as the list macro draws it, with the links that keep the
    search, the sort and the filters (`args`) of this page."""

    page: Page
    columns: tuple[Column, ...]
    endpoint: str
    q: str
    after: str
    empty: str
    args: Mapping[str, str] = field(default_factory=dict)
    sort_asked: str = ""

    def url(self, **changes: str | None) -> str:
        values: dict[str, Any] = {**self.args, "q": self.q or None, "sort": self.sort_asked or None}
        values.update(changes)
        return url_for(self.endpoint, **{k: v for k, v in values.items() if v})

    def sort_url(self, column: Column) -> str:
        """Ascending first; the sorted column's link turns it around."""
        turned = f"-{column.sort}" if self.page.sort == column.sort else column.sort
        return self.url(sort=turned, after=None)

    def aria_sort(self, column: Column) -> str:
        if self.page.sort == column.sort:
            return "ascending"
        if self.page.sort == f"-{column.sort}":
            return "descending"
        return "none"


def columns(schema: EntitySchema, *names: str | Column) -> tuple[Column, ...]:
    """Columns by schema field name (heading and sort from the schema) or given whole."""
    shown = []
    for name in names:
        if isinstance(name, Column):
            shown.append(name)
            continue
        spec = schema.field(name)
        shown.append(Column(spec.label, name if spec.sortable else ""))
    return tuple(shown)


def list_view(
    schema: EntitySchema,
    endpoint: str,
    shown: Sequence[Column],
    *,
    empty: str,
    query: peewee.ModelSelect[Any] | None = None,
    args: Mapping[str, str] | None = None,
) -> ListView:
    """The page this request asks for (?q=, ?sort=, ?after=), searched and cut in SQL."""
    asked = ListRequest(
        q=request.args.get("q", "").strip(),
        sort=request.args.get("sort", ""),
        limit=PAGE_SIZE,
        after=request.args.get("after", ""),
    )
    page = page_of(
        query if query is not None else schema.model.select(),
        asked,
        sort_columns=schema.sort_columns(),
        default_sort=schema.default_sort,
        search_columns=schema.searchable(),
    )
    return ListView(
        page,
        tuple(shown),
        endpoint,
        asked.q,
        asked.after,
        empty,
        dict(args or {}),
        asked.sort,
    )


def record_page(
    fields: Sequence[Field],
    record_id: int | None,
    title: Callable[[], str],
    *,
    index: str,
    delete: str,
    id_name: str,
    **extra,
) -> Callable[[FormState], Response]:
    """The form page of a new record (record_id None) or a saved one, which can be deleted;
    `title` is called when the page is drawn, in the page's language."""

    def page(state: FormState) -> Response:
        delete_action = url_for(delete, **{id_name: record_id}) if record_id is not None else None  # type: ignore[arg-type]
        return form_page(
            title(),
            fields,
            state,
            saved=record_id is not None,
            delete_action=delete_action,
            cancel=url_for(index),
            **extra,
        )

    return page


def form_page(
    title: str,
    fields: Sequence[Field],
    state: FormState,
    *,
    saved: bool = False,
    delete_action: str | None = None,
    cancel: str = "",
    template: str = "admin/form.html",
    **extra,
) -> Response:
    """The form, 422 while it has errors."""
    return render(
        template,
        status=422 if state.errors else 200,
        title=title,
        fields=fields,
        form=state,
        saved=saved,
        delete_action=delete_action,
        cancel=cancel,
        **extra,
    )


def save_form(
    fields: Sequence[Field],
    initial: FormState,
    save: Save,
    *,
    saved: bool,
    done: Callable[[Any], Response],
    page: Callable[[FormState], Response],
) -> Response:
    """GET shows `initial`; POST saves and continues with `done`, or shows the errors."""
    if request.method != "POST":
        return page(initial)
    state = submit(fields, save, saved=saved)
    if state.ok:
        return done(state.saved)
    return page(state)


def delete_record(
    delete: Callable[[], None],
    message: str,
    endpoint: str,
    *,
    refused_endpoint: str | None = None,
    **values,
) -> Response:
    """Delete and say so; a refusal (still in use, ...) is shown with its reason."""
    try:
        delete()
    except DomainError as error:
        flash(refusal(error), "error")
        return back_to(refused_endpoint or endpoint, **values)
    notice(message)
    return back_to(endpoint)
