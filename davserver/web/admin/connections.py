"""Connections to data sources in the admin UI (issue 13 §7): the list with each
connection's last run and its play button, a connection's own screen with its run
history, and one run with the rows it skipped. The forms live in connection_forms.py,
the CSV upload in connection_upload.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, request

from davserver.web.admin.connector_words import (
    STATE_TONES,
    TRIGGER_LABELS,
    check_label,
    choice_label,
    interval_label,
    row_error,
    run_failure,
    state_label,
    words,
)
from davserver.web.admin.crud import PAGE_SIZE, Column, ListView
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from resources.company_directory.schemas import PHONEBOOK_ENTRY
from resources.connectors.catalogue import connector_types
from resources.connectors.connection_reading import CONNECTION_SORTS, last_runs
from resources.connectors.connections import get_connection, scope_of
from resources.connectors.connector_types import BOOL
from resources.connectors.run_queue import QUEUED, RUNNING, queue_run
from resources.store.connectors import Connection, ConnectorRun
from resources.store.listing import ListRequest, page_of
from resources.store.organisation import AccountGroup, UserAccount

blueprint = Blueprint("connections", __name__, url_prefix="/connections")

# Types whose source is not fetched, so they have no play button: a file uploaded here,
# or entries sent with each import through the API.
UPLOADED_TYPES = frozenset({"csv-file"})
SENT_TYPES = frozenset({"phonebook-json"})
NOT_FETCHED = UPLOADED_TYPES | SENT_TYPES
HISTORY_LENGTH = 50
REFRESH_SECONDS = 2  # how often a page with a queued or running run reloads itself


@dataclass(frozen=True)
class Listed:
    connection: Connection
    last_run: ConnectorRun | None


def type_label(type_key: str) -> str:
    found = connector_types().get(type_key)
    return words(found.label) if found is not None else type_key


def field_label(name: str) -> str:
    """A phonebook field's label in the page's language."""
    found = next((spec for spec in PHONEBOOK_ENTRY if spec.name == name), None)
    return _(found.label) if found is not None else name


def settings_shown(connection: Connection) -> list[tuple[str, str]]:
    """(label, value) of each setting in the type's order; a secret only as set or not."""
    kind = connector_types().get(connection.type)
    stored = json.loads(connection.settings or "{}")
    sealed = json.loads(connection.secrets or "{}")
    shown = []
    for spec in kind.settings if kind is not None else ():
        if spec.secret:
            value = _("set") if spec.name in sealed else _("not set")
        elif spec.kind == BOOL:
            value = _("yes") if stored.get(spec.name, spec.default) else _("no")
        else:
            value = choice_label(str(stored.get(spec.name, spec.default)))
        shown.append((words(spec.label), value))
    return shown


def scope_shown(connection: Connection) -> str:
    """Who sees the connection's entries, in words: everyone, or the accounts and groups."""
    scope = scope_of(connection)
    if scope.everyone:
        return _("Everyone")
    accounts = UserAccount.select(UserAccount.login).where(UserAccount.id.in_(scope.users))
    groups = AccountGroup.select(AccountGroup.name).where(AccountGroup.id.in_(scope.groups))
    names = sorted(a.login for a in accounts) + sorted(g.name for g in groups)
    return ", ".join(names) if names else _("nobody")


def run_errors(run: ConnectorRun) -> list[dict[str, object]]:
    try:
        found = json.loads(run.errors or "[]")
    except ValueError:
        return []
    return found if isinstance(found, list) else []


def is_active(run: ConnectorRun | None) -> bool:
    return run is not None and run.state in (QUEUED, RUNNING)


def shared_context() -> dict:
    """What every connection template uses to draw runs and types."""
    return dict(
        state_label=state_label,
        state_tone=lambda state: STATE_TONES.get(state, "warn"),
        trigger_label=lambda trigger: (
            _(TRIGGER_LABELS[trigger]) if trigger in TRIGGER_LABELS else trigger
        ),
        type_label=type_label,
        interval_label=interval_label,
        check_label=check_label,
        choice_label=choice_label,
        words=words,
        row_error=row_error,
        run_failure=run_failure,
        field_label=field_label,
        uploaded_types=UPLOADED_TYPES,
        sent_types=SENT_TYPES,
        run_errors=run_errors,
    )


COLUMNS = (Column(N_("Name"), "name"), Column(N_("Type")), Column(N_("Last run")), Column(""))


def _list_view() -> ListView:
    """The page of connections this request asks for, searched and sorted in SQL."""
    asked = ListRequest(
        q=request.args.get("q", "").strip(),
        sort=request.args.get("sort", ""),
        limit=PAGE_SIZE,
        after=request.args.get("after", ""),
    )
    page = page_of(
        Connection.select(),
        asked,
        sort_columns=CONNECTION_SORTS,
        default_sort="-id",
        search_columns=(Connection.name, Connection.description),
    )
    return ListView(
        page,
        COLUMNS,
        "connections.index",
        asked.q,
        asked.after,
        N_("No connections yet."),
        {},
        asked.sort,
    )


@blueprint.get("", endpoint="index")
def connection_list() -> Response:
    view = _list_view()
    connections = list(view.page.items)
    runs = last_runs([connection.id for connection in connections])
    listed = {
        connection.id: Listed(connection, runs.get(connection.id)) for connection in connections
    }
    return render(
        "admin/connections.html",
        title=_("Connections"),
        view=view,
        listed=listed,
        refresh=REFRESH_SECONDS
        if any(is_active(item.last_run) for item in listed.values())
        else None,
        **shared_context(),
    )


@blueprint.get("/<int:connection_id>", endpoint="show")
def show_connection(connection_id: int) -> Response:
    connection = get_connection(connection_id)
    history = list(
        ConnectorRun.select()
        .where(ConnectorRun.connection == connection.id)
        .order_by(ConnectorRun.id.desc())
        .limit(HISTORY_LENGTH)
    )
    return render(
        "admin/connection.html",
        title=connection.name,
        connection=connection,
        history=history,
        settings=settings_shown(connection),
        scope=scope_shown(connection),
        mapping=json.loads(connection.mapping or "{}"),
        defaults=json.loads(connection.defaults or "{}"),
        refresh=REFRESH_SECONDS if history and is_active(history[0]) else None,
        **shared_context(),
    )


@blueprint.post("/<int:connection_id>/run", endpoint="run")
def run_now(connection_id: int) -> Response:
    """The play button: queue a run, which a server process's run loop takes up."""
    connection = get_connection(connection_id)
    if connection.type in NOT_FETCHED:
        notice(
            N_("This connection runs when a file is uploaded.")
            if connection.type in UPLOADED_TYPES
            else N_("This connection runs with each import through the API.")
        )
        return back_to("connections.show", connection_id=connection.id)
    _run, queued = queue_run(connection.id)
    if queued:
        notice(
            N_("A run of %(name)s is queued; this page shows how it went."), name=connection.name
        )
    else:
        notice(N_("%(name)s is queued or running already."), name=connection.name)
    if request.form.get("back") == "list":
        return back_to("connections.index")
    return back_to("connections.show", connection_id=connection.id)


@blueprint.get("/<int:connection_id>/runs/<int:run_id>", endpoint="run_detail")
def run_detail(connection_id: int, run_id: int) -> Response:
    """One run: its counts, why it failed, and every row it skipped with the line."""
    connection = get_connection(connection_id)
    run = ConnectorRun.get_or_none(
        (ConnectorRun.id == run_id) & (ConnectorRun.connection == connection.id)
    )
    if run is None:
        abort(404)
    return render(
        "admin/connection_run.html",
        title=_("Run of %(name)s", name=connection.name),
        connection=connection,
        run=run,
        errors=run_errors(run),
        refresh=REFRESH_SECONDS if is_active(run) else None,
        **shared_context(),
    )
