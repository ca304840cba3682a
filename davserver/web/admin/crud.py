"""The shape every list-and-form screen shares: show a form (new or saved record),
save it through a domain function, delete with the domain's reason when refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, flash, request, url_for

from davserver.web.admin.domain_messages import translated
from davserver.web.admin.forms import Field, FormState, submit
from davserver.web.admin.pages import back_to, notice, render
from resources.errors import DomainError

Save = Callable[[dict[str, Any]], Any]


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
    hints: Sequence[tuple[str, str]],
    *,
    saved: bool,
    done: Callable[[Any], Response],
    page: Callable[[FormState], Response],
) -> Response:
    """GET shows `initial`; POST saves and continues with `done`, or shows the errors."""
    if request.method != "POST":
        return page(initial)
    state = submit(fields, save, hints, saved=saved)
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
        flash(translated(error.message), "error")
        return back_to(refused_endpoint or endpoint, **values)
    notice(message)
    return back_to(endpoint)
