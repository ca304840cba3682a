"""Making, changing, testing and deleting connections in the admin UI (issue 13 §7): the
form of the chosen type, the Test button that shows every check without saving, a save
that tests again and saves nothing while a check fails, and the delete with its
confirmation. Added to the connections blueprint (connections.py)."""

from __future__ import annotations

from flask import Response, request

from davserver.connector_http import HttpxSourceClient
from davserver.web.admin.connection_form import (
    BASIC_FIELDS,
    ConnectionForm,
    blank_form,
    inputs_of,
    read_posted,
    saved_form,
    scope_offers,
    setting_fields,
    source_field_offers,
    target_fields,
)
from davserver.web.admin.connections import (
    NOT_FETCHED,
    SENT_TYPES,
    UPLOADED_TYPES,
    blueprint,
    shared_context,
)
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.connectors.catalogue import connector_types
from resources.connectors.connection_changes import delete_connection, update_connection
from resources.connectors.connection_rules import connector_type
from resources.connectors.connections import (
    TestFailed,
    create_connection,
    get_connection,
    test_connection,
    test_settings,
)
from resources.connectors.connector_types import ConnectorType, TestOutcome
from resources.errors import DomainError
from resources.store.connectors import Connection

TEST, SAVE = "test", "save"


def form_page(
    title: str,
    kind: ConnectorType,
    form: ConnectionForm,
    *,
    outcome: TestOutcome | None = None,
    connection: Connection | None = None,
) -> Response:
    """The form; 422 while it has errors or the test just run has a failed check."""
    if outcome is not None:
        form.found_fields = [*outcome.source_fields] or form.found_fields
    failed = outcome is not None and not outcome.passed
    return render(
        "admin/connection_form.html",
        status=422 if form.state.errors or failed else 200,
        title=title,
        kind=kind,
        basic_fields=BASIC_FIELDS,
        setting_fields=setting_fields(kind),
        form=form,
        outcome=outcome,
        connection=connection,
        targets=target_fields(),
        source_fields=source_field_offers(kind, form),
        scope_offers=scope_offers(),
        fetched=kind.key not in NOT_FETCHED,
        has_settings=bool(kind.settings),
        **shared_context(),
    )


@blueprint.get("/new", endpoint="new")
def choose_type() -> Response:
    """The types to choose from; a chosen one shows its form."""
    key = request.args.get("type", "")
    if key in UPLOADED_TYPES:
        return back_to("connections.upload_new")
    kind = connector_types().get(key) if key not in SENT_TYPES else None
    if kind is None:  # the API's JSON import makes its own connections
        registry = connector_types()
        kinds = [
            found
            for k in registry.keys()
            if k not in SENT_TYPES and (found := registry.get(k)) is not None
        ]
        return render(
            "admin/connection_types.html",
            title=_("New connection"),
            kinds=kinds,
            **shared_context(),
        )
    return form_page(_("New connection"), kind, blank_form(kind))


PARTS = ("description", "interval_minutes", "scope", "mapping", "defaults", "priority", "enabled")


def _create(kind: ConnectorType, parts: dict) -> Connection:
    """The new connection, saved once its test passed (TestFailed otherwise)."""
    connection, _outcome = create_connection(
        parts["name"],
        kind.key,
        "phonebook",
        parts["settings"],
        HttpxSourceClient(),
        actor=actor(),
        **{name: parts[name] for name in PARTS},
    )
    return connection


@blueprint.post("/new", endpoint="create")
def create() -> Response:
    kind = connector_type(request.args.get("type", ""))
    if kind.key in UPLOADED_TYPES:
        return back_to("connections.upload_new")
    if kind.key in SENT_TYPES:
        return back_to("connections.new")
    posted = read_posted(kind)
    form, parts = posted.form, posted.parts
    title = _("New connection")
    if request.form.get("action") == TEST:
        return _test(
            title,
            kind,
            form,
            lambda: test_settings(kind.key, parts["settings"], HttpxSourceClient()),
        )
    if form.state.errors:
        return form_page(title, kind, form)
    try:
        connection = _create(kind, parts)
    except TestFailed as failed:
        form.state.errors[""] = _("The connection was not saved: a check of its test failed.")
        return form_page(title, kind, form, outcome=failed.outcome)
    except DomainError as error:
        form.attach(error, inputs_of(kind))
        return form_page(title, kind, form)
    notice(N_("The connection %(name)s is saved."), name=connection.name)
    return back_to("connections.show", connection_id=connection.id)


def _test(title, kind, form, run_test, connection=None) -> Response:
    """Run the test and show its checks; nothing is saved."""
    form.state.errors.pop("name", None)  # a test needs no name yet
    try:
        outcome = run_test()
    except DomainError as error:
        form.attach(error, inputs_of(kind))
        return form_page(title, kind, form, connection=connection)
    return form_page(title, kind, form, outcome=outcome, connection=connection)


@blueprint.route("/<int:connection_id>/edit", methods=["GET", "POST"], endpoint="edit")
def edit(connection_id: int) -> Response:
    connection = get_connection(connection_id)
    kind = connector_type(connection.type)
    title = _("Edit %(name)s", name=connection.name)
    if request.method != "POST":
        return form_page(title, kind, saved_form(connection, kind), connection=connection)
    posted = read_posted(kind, saved_form(connection, kind).secrets_set)
    form, changes = posted.form, dict(posted.parts)
    if request.form.get("action") == TEST and kind.key not in NOT_FETCHED:
        return _test(
            title,
            kind,
            form,
            lambda: test_connection(connection, HttpxSourceClient(), changes["settings"]),
            connection,
        )
    if form.state.errors:
        return form_page(title, kind, form, connection=connection)
    try:
        changed, _outcome = update_connection(
            connection, changes, HttpxSourceClient(), actor=actor()
        )
    except TestFailed as failed:
        form.state.errors[""] = _("The changes were not saved: a check of the test failed.")
        return form_page(title, kind, form, outcome=failed.outcome, connection=connection)
    except DomainError as error:
        form.attach(error, inputs_of(kind))
        return form_page(title, kind, form, connection=connection)
    notice(N_("The connection %(name)s is saved."), name=changed.name)
    return back_to("connections.show", connection_id=changed.id)


@blueprint.post("/<int:connection_id>/delete", endpoint="delete")
def delete(connection_id: int) -> Response:
    connection = get_connection(connection_id)
    removed = delete_connection(connection, actor=actor())
    notice(
        N_("The connection %(name)s is deleted, and with it its %(count)s synced entries."),
        name=connection.name,
        count=removed,
    )
    return back_to("connections.index")
