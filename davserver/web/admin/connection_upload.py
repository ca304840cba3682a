"""A CSV file uploaded in the admin UI becomes a run of a csv-file connection (issue 13
§4), as `davserver phonebook import FILE.csv` does on the command line: a new
connection is made with the file as its test (nothing is saved when the file is not
CSV), and every upload starts a run at once in this process, the only one holding the
file. The run goes on in a thread of its own after the answer, so a large file does not
hold the page; the connection's screen shows it running, then its outcome."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from typing import BinaryIO, cast

from flask import Response, request

from davserver.web.admin.connection_form import SETTING_PREFIX, setting_fields
from davserver.web.admin.connections import UPLOADED_TYPES, blueprint, shared_context
from davserver.web.admin.context import settings
from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.forms import Field, FormState
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.connectors.connection_rules import connector_type
from resources.connectors.connections import TestFailed, create_connection, get_connection
from resources.connectors.connector_types import TestOutcome
from resources.connectors.run_queue import process_owner, start_run_now
from resources.connectors.run_worker import run_claimed
from resources.connectors.uploaded_source import UploadedSource, file_chunks
from resources.errors import DomainError
from resources.store.connectors import Connection

log = logging.getLogger("davserver.admin.connections")

UPLOAD_TYPE = "csv-file"
UPLOAD_ENDPOINTS = frozenset({"connections.upload_new", "connections.upload"})
CHUNK = 64 * 1024
NAME_FIELD = Field("name", N_("Name"), required=True, maxlength=200, default=N_("CSV file"))


def allow_large_upload() -> None:
    """before_request, ahead of the CSRF check that reads the form: a phonebook file may
    be as large as any request the server takes (it waits on disk, not in memory)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = settings().max_request_size


def _fields() -> tuple[Field, ...]:
    return (NAME_FIELD, *setting_fields(connector_type(UPLOAD_TYPE)))


def _page(
    state: FormState,
    connection: Connection | None = None,
    outcome: TestOutcome | None = None,
    status: int = 200,
) -> Response:
    return render(
        "admin/connection_upload.html",
        status=status,
        title=_("Upload a CSV file"),
        fields=_fields() if connection is None else (),
        form=state,
        connection=connection,
        outcome=outcome,
        **shared_context(),
    )


def _saved_copy() -> str | None:
    """The uploaded file copied to a temporary file of its own (the request closes its
    stream before the run has read it); None when no file was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    handle, path = tempfile.mkstemp(prefix="davserver-upload-", suffix=".csv")
    with os.fdopen(handle, "wb") as copy:
        shutil.copyfileobj(cast(BinaryIO, upload.stream), copy, CHUNK)
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _start_run(connection: Connection, path: str) -> bool:
    """Run the connection over the file in a thread; False while it runs already."""
    owner = process_owner()
    run = start_run_now(connection.id, owner)
    if run is None:
        _remove(path)
        return False

    def work() -> None:
        try:
            run_claimed(run, owner, UploadedSource(file_chunks(path)))
        except Exception:  # the run's row says what went wrong; the log has the rest
            log.exception("the run of the uploaded file for %r stopped", connection.name)
        finally:
            _remove(path)

    threading.Thread(target=work, name=f"upload-run-{run.id}", daemon=True).start()
    return True


def _blank() -> FormState:
    return FormState(
        {spec.name: _(spec.default) if spec.name == "name" else spec.default for spec in _fields()}
    )


def _create(state: FormState, path: str) -> Connection:
    """The csv-file connection, saved once the file passed its test (TestFailed
    otherwise); a choice left out of the form takes its default."""
    chosen = {
        name[len(SETTING_PREFIX) :]: value or None
        for name, value in state.values.items()
        if name.startswith(SETTING_PREFIX)
    }
    connection, _outcome = create_connection(
        state.values["name"],
        UPLOAD_TYPE,
        "phonebook",
        chosen,
        UploadedSource(file_chunks(path)),
        actor=actor(),
    )
    return connection


@blueprint.route("/upload", methods=["GET", "POST"], endpoint="upload_new")
def upload_new() -> Response:
    """A new csv-file connection from an uploaded file, and its first run."""
    if request.method != "POST":
        return _page(_blank())
    fields = _fields()
    state = FormState({spec.name: request.form.get(spec.name, "").strip() for spec in fields})
    path = _saved_copy()
    if path is None:
        state.errors["file"] = _("Choose a file to import.")
        return _page(state, status=400)
    try:
        connection = _create(state, path)
    except TestFailed as failed:
        _remove(path)
        state.errors[""] = _("The file was not taken: a check failed.")
        return _page(state, outcome=failed.outcome, status=422)
    except DomainError as error:
        _remove(path)
        known = {spec.name for spec in fields}
        state.errors[error.field if error.field in known else ""] = refusal(error)
        return _page(state, status=422)
    _start_run(connection, path)
    notice(
        N_("The connection %(name)s is saved; its entries are being read from the file."),
        name=connection.name,
    )
    return back_to("connections.show", connection_id=connection.id)


@blueprint.route("/<int:connection_id>/upload", methods=["GET", "POST"], endpoint="upload")
def upload_again(connection_id: int) -> Response:
    """A new file for a csv-file connection: its entries become the file's."""
    connection = get_connection(connection_id)
    if connection.type not in UPLOADED_TYPES:
        notice(N_("This connection reads its source itself; press Run now."))
        return back_to("connections.show", connection_id=connection.id)
    if request.method != "POST":
        return _page(FormState({}), connection)
    path = _saved_copy()
    if path is None:
        return _page(FormState({}, {"file": _("Choose a file to import.")}), connection, status=400)
    if not _start_run(connection, path):
        notice(N_("%(name)s is queued or running already."), name=connection.name)
    else:
        notice(N_("The file is being read into %(name)s."), name=connection.name)
    return back_to("connections.show", connection_id=connection.id)
