"""/v1/phonebook: the company phonebook (seed 002): synced (S) and manual (M) entries,
manual entries and their edits, copy to manual, and a connector's import replacing
its S entries."""

from __future__ import annotations

from typing import Any

import peewee
from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.entity_routes import EntityApi, register
from davserver.web.api.errors import ApiError
from davserver.web.api.json_io import (
    ID_ROUTE,
    TEXT,
    Field,
    query_choice,
    read_fields,
    read_object,
    schema_fields,
    unprocessable,
)
from resources.company_directory import phonebook
from resources.company_directory.schemas import PHONEBOOK_ENTRY
from resources.connectors.connection_reading import run_view
from resources.connectors.json_import import import_entries
from resources.store.directory import PhonebookEntry

blueprint = Blueprint("phonebook", __name__, url_prefix="/v1/phonebook")

ENTRY_FIELDS = schema_fields(PHONEBOOK_ENTRY, creating=True)
IMPORTED_ENTRY_FIELDS = (
    *ENTRY_FIELDS,
    Field("external_id", TEXT, max_length=300),
)  # the source's own key, optional
IMPORT_FIELDS = (Field("source", TEXT, required=True),)


def entry_json(entry: PhonebookEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "source": entry.source,
        # A manual copy keeps its synced twin's origin as its link; it names no source.
        "origin": entry.origin if entry.source == "S" else "",
        "first_name": entry.first_name,
        "last_name": entry.last_name,
        "company": entry.company,
        "phone_work": entry.phone_work,
        "phone_mobile": entry.phone_mobile,
        "phone_home": entry.phone_home,
        "email": entry.email,
    }


def _filters() -> list[peewee.Node]:
    """S and M entries together; ?source=S or ?source=M narrows to one kind."""
    source = query_choice("source", phonebook.SOURCES)
    return [] if source is None else [PhonebookEntry.source == source]


def _update(entry: PhonebookEntry, values: dict[str, Any], actor: str) -> PhonebookEntry:
    """Edit a manual (M) entry; a synced (S) one answers 409, its source owns it."""
    try:
        return phonebook.update_manual(entry.id, values, actor=actor)
    except phonebook.SyncedEntryReadOnly as refusal:
        raise ApiError(409, "synced_entry", refusal.message) from None


API = EntityApi(
    "entry",
    PHONEBOOK_ENTRY,
    entry_json,
    find=phonebook.get_entry,
    # A manual (M) entry; imports never change or delete it.
    create=lambda values, actor: phonebook.create_manual(values, actor=actor),
    update=_update,
    delete=lambda entry, actor: phonebook.delete_entry(entry.id, actor=actor),
    filters=_filters,
)
register(blueprint, API)


@blueprint.post(f"/<{ID_ROUTE}:entry_id>/copy-to-manual")
def copy_to_manual(entry_id: int) -> ResponseReturnValue:
    """201 with the new manual copy; 200 with the existing one when the synced entry was
    copied before (a second copy would put the contact on the phones twice)."""
    copied = phonebook.copy_to_manual(entry_id, actor=actor())
    return entry_json(copied.entry), 201 if copied.created else 200


def _imported_entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's `entries`: a list of objects with the entry fields, each checked."""
    if "entries" not in body:
        raise unprocessable("missing_field", "Required field(s) missing: entries.")
    entries = body.pop("entries")
    if not isinstance(entries, list):
        raise unprocessable("wrong_type", "'entries' must be a list of objects.")
    checked = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise unprocessable("wrong_type", f"Entry {position} must be an object.")
        try:
            checked.append(read_fields(IMPORTED_ENTRY_FIELDS, creating=False, body=entry))
        except ApiError as refusal:
            raise ApiError(
                refusal.status, refusal.code, f"Entry {position}: {refusal.message}"
            ) from None
    return checked


@blueprint.post("/import")
def import_source() -> ResponseReturnValue:
    """{"source": name, "entries": [...]} makes that source's S entries exactly these, in
    a run of the connection of that name (made at the first import); the answer counts
    what changed ({"created", "updated", "deleted"}, so a repeat is 0/0/0) and has the
    run ("run": as GET /runs/{id} answers it)."""
    body = read_object()
    entries = _imported_entries(body)
    source = read_fields(IMPORT_FIELDS, creating=True, body=body)["source"]
    run = import_entries(source, entries, actor=actor())
    if run.state != "ok":
        raise ApiError(503, "import_failed", run.message or "The import failed; nothing changed.")
    return {
        "created": run.added,
        "updated": run.updated,
        "deleted": run.removed,
        "run": run_view(run),
    }
