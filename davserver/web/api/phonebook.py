"""/v1/phonebook: the company phonebook (seed 002): synced (S) and manual (M) entries,
manual entries and their edits, copy to manual, and a connector's import replacing
its S entries."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor
from davserver.web.api.errors import ApiError
from davserver.web.api.json_io import (
    ID_ROUTE,
    TEXT,
    Field,
    listing,
    query_choice,
    read_fields,
    read_object,
    unprocessable,
)
from resources.company_directory import phonebook
from resources.store.directory import PhonebookEntry

blueprint = Blueprint("phonebook", __name__, url_prefix="/v1/phonebook")

ENTRY_FIELDS = tuple(Field(name, TEXT) for name in phonebook.ENTRY_FIELDS)
IMPORTED_ENTRY_FIELDS = (
    *ENTRY_FIELDS,
    Field("external_id", TEXT),
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


@blueprint.get("")
def list_entries() -> ResponseReturnValue:
    """S and M entries together; ?source=S or ?source=M narrows to one kind."""
    return listing(
        phonebook.list_entries(source=query_choice("source", phonebook.SOURCES)), entry_json
    )


@blueprint.post("")
def create_entry() -> ResponseReturnValue:
    """A manual (M) entry; imports never change or delete it."""
    entry = phonebook.create_manual(read_fields(ENTRY_FIELDS, creating=True), actor=actor())
    return entry_json(entry), 201


@blueprint.get(f"/<{ID_ROUTE}:entry_id>")
def get_entry(entry_id: int) -> ResponseReturnValue:
    return entry_json(phonebook.get_entry(entry_id))


@blueprint.patch(f"/<{ID_ROUTE}:entry_id>")
def update_entry(entry_id: int) -> ResponseReturnValue:
    """Edit a manual (M) entry; a synced (S) one answers 409, its source owns it."""
    changes = read_fields(ENTRY_FIELDS, creating=False)
    try:
        entry = phonebook.update_manual(entry_id, changes, actor=actor())
    except phonebook.SyncedEntryReadOnly as refusal:
        raise ApiError(409, "synced_entry", refusal.message) from None
    return entry_json(entry)


@blueprint.delete(f"/<{ID_ROUTE}:entry_id>")
def delete_entry(entry_id: int) -> ResponseReturnValue:
    phonebook.delete_entry(entry_id, actor=actor())
    return "", 204


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
    """{"source": name, "entries": [...]} makes that source's S entries exactly these;
    the answer counts what changed ({"created", "updated", "deleted"}), so a repeat is 0/0/0."""
    body = read_object()
    entries = _imported_entries(body)
    source = read_fields(IMPORT_FIELDS, creating=True, body=body)["source"]
    result = phonebook.import_source(source, entries, actor=actor())
    return dataclasses.asdict(result)
