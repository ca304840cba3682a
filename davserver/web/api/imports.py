"""/v1/import?target=...: a whole .ics file (text/calendar) or .vcf file (text/vcard)
as the request body, imported into a calendar, an address book or the contacts
directory; the answer says how many objects came in and which were skipped, with
the line of the file and why. An administrator imports anywhere, a user into the
calendars and address books of their own logins."""

from __future__ import annotations

import tempfile
from typing import BinaryIO, cast

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor, signed_in_account
from davserver.web.api.errors import ApiError
from davserver.web.api.settings import settings
from davserver.web.import_targets import (
    CALENDAR_FILE,
    VCARD_FILE,
    file_kind_for,
    resolve,
    run_import,
)

blueprint = Blueprint("imports", __name__, url_prefix="/v1/import")

FILE_TYPES = {
    "text/calendar": CALENDAR_FILE,
    "text/vcard": VCARD_FILE,
}
IN_MEMORY = 1024 * 1024  # larger bodies wait in a temporary file, read from there twice
CHUNK = 64 * 1024


@blueprint.post("")
def import_file() -> ResponseReturnValue:
    target = request.args.get("target", "").strip()
    if not target:
        raise ApiError(
            400,
            "missing_target",
            "Say where to import with ?target=/dav/calendars/LOGIN/CALENDAR/ "
            "(or an address book path, or directory).",
        )
    sent = FILE_TYPES.get(request.mimetype)
    if sent is None:
        raise ApiError(
            415,
            "wrong_content_type",
            "Send the file as the body with Content-Type: text/calendar (.ics) "
            "or text/vcard (.vcf).",
        )
    wanted = file_kind_for(target)
    if wanted is not None and sent != wanted:
        media = "text/calendar" if wanted == CALENDAR_FILE else "text/vcard"
        raise ApiError(415, "wrong_content_type", f"{target} takes {media}.")
    place = resolve(target, signed_in_account())
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as spooled:
        source = cast(BinaryIO, spooled)  # a binary file object, as typeshed does not say
        _copy_body(source)
        report = run_import(place, source, settings(), actor=actor())
    return {
        "imported": report.imported,
        "skipped": [
            {"line": skipped.line, "message": skipped.reason} for skipped in report.in_file_order()
        ],
    }


def _copy_body(into: BinaryIO) -> None:
    """The body, chunk by chunk (its size limit is the app's MAX_CONTENT_LENGTH: 413)."""
    stream = request.stream
    while chunk := stream.read(CHUNK):
        into.write(chunk)
    into.seek(0)
