"""/v1/resources/{slug}/events: a resource calendar's appointments in a date range, and
new appointments with a branch (they reach every device that sees the resource)."""

from __future__ import annotations

import dataclasses

from flask import Blueprint
from flask.typing import ResponseReturnValue

from davserver.web.api.json_io import REF, TEXT, Field, listing, query_text, read_fields
from davserver.web.api.settings import settings
from resources.organisation import resource_events
from resources.organisation.resource_calendars import get_resource
from resources.store.organisation import Branch

blueprint = Blueprint("events", __name__, url_prefix="/v1/resources/<slug>/events")

FIELDS = (
    Field("summary", TEXT, required=True),
    Field("start", TEXT, required=True),
    Field("end", TEXT, required=True),
    Field("branch", REF, nullable=True, refers_to=Branch, label="branch"),
    Field("description", TEXT),
    Field("location", TEXT),
)


@blueprint.get("")
def list_events(slug: str) -> ResponseReturnValue:
    """?start=2024-05-06&end=2024-05-12: both days inclusive, in the resource's zone."""
    get_resource(slug)
    start = resource_events.read_moment(query_text("start"), "start")
    end = resource_events.read_moment(query_text("end"), "end")
    found = resource_events.list_events(slug, start, end)
    return listing(found, dataclasses.asdict)  # a bounded window: one page, no cursor


@blueprint.post("")
def create_event(slug: str) -> ResponseReturnValue:
    get_resource(slug)
    values = read_fields(FIELDS, creating=True)
    appointment = resource_events.NewAppointment(
        summary=values["summary"],
        start=resource_events.read_moment(values["start"], "start"),
        end=resource_events.read_moment(values["end"], "end"),
        branch=values.get("branch"),
        description=values.get("description", ""),
        location=values.get("location", ""),
    )
    item = resource_events.create_appointment(
        slug, appointment, max_size=settings().max_resource_size
    )
    return dataclasses.asdict(item), 201
