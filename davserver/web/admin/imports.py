"""Importing files in the admin UI (issue 12 §3): an .ics file into a personal or a
resource calendar, a .vcf file into a personal address book or the contacts
directory. The result page is streamed: a progress bar while the objects go in,
then what was imported and what was skipped, with the line of the file and why.
An administrator imports anywhere, a user into their own logins' calendars and books."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from flask import Blueprint, Response, request, stream_template

from davserver.web.admin.context import settings
from davserver.web.admin.domain_messages import refusal as refusal_sentence
from davserver.web.admin.domain_messages import translated
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import render
from davserver.web.admin.security import actor, signed_in_account
from davserver.web.import_targets import (
    CALENDAR_FILE,
    VCARD_FILE,
    ImportTarget,
    file_kind_for,
    importing,
    own_targets,
    resolve,
)
from resources.errors import DomainError
from resources.objects.calendar_import import ImportReport, SkippedObject

log = logging.getLogger("davserver.admin.imports")
blueprint = Blueprint("imports", __name__, url_prefix="/import")

SNIFF = 4096
IN_MEMORY = 1024 * 1024  # larger uploads are copied to a temporary file
CHUNK = 64 * 1024
SHOWN_STEPS = 50  # the progress bar moves at most this many times
REASONS = (
    N_("The calendar already holds an object with this UID."),
    N_("The address book already holds a vCard with this UID."),
    N_("The directory already holds a contact with this UID."),
    N_("The file holds this UID twice."),
    N_("The vCard names no company (ORG); every contact of the directory belongs to one."),
    N_("A vCard needs an FN (formatted name)."),
    N_("Only vCard 3.0 and 4.0 are supported."),
)
GROUP_LABELS = {
    "directory": N_("Contacts directory"),
    "resource": N_("Resource calendars"),
    CALENDAR_FILE: N_("Personal calendars"),
    VCARD_FILE: N_("Personal address books"),
}


def allow_large_upload() -> None:
    """before_request, ahead of the CSRF check that reads the form: an import may be
    as large as any request the server takes (the file waits on disk, not in memory)."""
    if request.endpoint == "imports.upload":
        request.max_content_length = settings().max_request_size


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The targets the signed-in account may choose, grouped for the form's select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for target, label, accepts in own_targets(signed_in_account()):
        group = (
            "directory"
            if target == "directory"
            else "resource"
            if target.startswith("resource:")
            else accepts
        )
        shown = _(label) if target == "directory" else label
        groups.setdefault(group, []).append((target, shown))
    return [(_(GROUP_LABELS[group]), groups[group]) for group in GROUP_LABELS if group in groups]


@blueprint.get("", endpoint="index")
def form(errors: dict[str, str] | None = None, chosen: str = "", status: int = 200) -> Response:
    return render(
        "admin/import.html",
        status=status,
        groups=choices(),
        chosen=chosen or request.args.get("target", ""),
        errors=errors or {},
    )


def file_kind(upload: BinaryIO) -> str | None:
    """CALENDAR_FILE or VCARD_FILE by the file's first BEGIN line, else None."""
    head = upload.read(SNIFF)
    upload.seek(0)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n").upper()
    if text.startswith("BEGIN:VCALENDAR"):
        return CALENDAR_FILE
    if text.startswith("BEGIN:VCARD"):
        return VCARD_FILE
    return None


@blueprint.post("", endpoint="upload")
def upload() -> Response:
    target = request.form.get("target", "")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return form({"file": _("Choose a file to import.")}, target, 400)
    kind = file_kind(cast(BinaryIO, upload.stream))
    if kind is None:
        return form(
            {"file": _("This is neither an .ics calendar file nor a .vcf contacts file.")},
            target,
            400,
        )
    wanted = file_kind_for(target)
    if wanted is not None and kind != wanted:
        sentence = (
            _("A calendar takes an .ics file.")
            if wanted == CALENDAR_FILE
            else _("Contacts take a .vcf file.")
        )
        return form({"file": sentence}, target, 400)
    try:
        place = resolve(target, signed_in_account())
    except DomainError as refusal:
        return form({"target": refusal_sentence(refusal)}, target, 404)
    outcome = Outcome()
    steps = _steps(place, _own_copy(cast(BinaryIO, upload.stream)), outcome, actor())
    response = Response(
        stream_template(
            "admin/import_result.html",
            steps=steps,
            outcome=outcome,
            target_label=_label_of(place),
            file_name=upload.filename,
            reason=reason,
        ),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # let a proxy pass the progress on
    return response


@dataclass
class Outcome:
    """Filled in while the page streams: the report, or why the import stopped."""

    report: ImportReport = field(default_factory=ImportReport)
    error: str = ""


def _own_copy(upload: BinaryIO) -> BinaryIO:
    """The upload copied chunk by chunk (to disk when large): the request closes its
    own file before the streamed page has finished reading it."""
    copy = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (closed by _steps)
    shutil.copyfileobj(upload, copy, CHUNK)
    copy.seek(0)
    return copy  # type: ignore[return-value]


def _steps(
    place: ImportTarget, source: BinaryIO, outcome: Outcome, who: str
) -> Iterator[tuple[int, int]]:
    """(done, total) for the progress bar, at most SHOWN_STEPS times plus the last."""
    shown, last = -1, 0.0
    steps = importing(place, source, settings(), actor=who)
    try:
        while True:
            try:
                done, total = next(steps)
            except StopIteration as finished:
                outcome.report = finished.value
                return
            step = done * SHOWN_STEPS // max(total, 1)
            if step != shown or time.monotonic() - last > 2:
                shown, last = step, time.monotonic()
                yield done, total
    except Exception:  # the page is already on its way: say so on it, keep the log
        log.exception("import into %s stopped", place.target)
        outcome.error = _(
            "The import stopped because of an error on the server. What was imported "
            "before stays; importing the same file again adds the rest."
        )
    finally:
        source.close()


def _label_of(place: ImportTarget) -> str:
    if place.collection is None:
        return _("Contacts directory")
    if place.resource is not None:
        return place.resource.name
    return place.target


def reason(skipped: SkippedObject) -> str:
    """The skip reason in the page's language where it has been translated."""
    return translated(skipped.sentence) if skipped.sentence is not None else skipped.reason
