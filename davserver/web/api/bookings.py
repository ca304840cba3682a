"""/v1/resources/<slug>/booking-policy and /v1/bookings: how a resource answers
invitations (issue 16 item 3), and the bookings that wait for an administrator or the
resource's delegate, who accepts or declines them here."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from davserver.web.api.auth import actor, signed_in_account
from davserver.web.api.errors import ApiError
from davserver.web.api.json_io import ID_ROUTE, read_object
from davserver.web.api.settings import SETTINGS_KEY
from resources.organisation.resource_calendars import get_resource
from resources.scheduling.booking_policy import may_decide, set_policy, shown_policy
from resources.scheduling.pending import ACCEPT, DECLINE, Waiting, decide_pending, waiting_for
from resources.store.organisation import Resource
from resources.store.scheduling import PendingBooking

blueprint = Blueprint("bookings", __name__, url_prefix="/v1")


def _only_administrators() -> None:
    if signed_in_account().role != "admin":
        raise ApiError(403, "forbidden", "Only administrators may use this part of the API.")


@blueprint.get("/resources/<slug>/booking-policy")
def get_booking_policy(slug: str) -> ResponseReturnValue:
    _only_administrators()
    return shown_policy(get_resource(slug)).as_json()


@blueprint.put("/resources/<slug>/booking-policy")
def put_booking_policy(slug: str) -> ResponseReturnValue:
    """Fields left out keep their value."""
    _only_administrators()
    return set_policy(get_resource(slug), read_object(), actor=actor()).as_json()


def _waiting_json(waiting: Waiting) -> dict[str, object]:
    return {
        "id": waiting.id,
        "resource": waiting.resource,
        "resource_name": waiting.resource_name,
        "summary": waiting.summary,
        "starts": waiting.starts,
        "organizer": waiting.organizer,
    }


@blueprint.get("/bookings")
def list_waiting_bookings() -> ResponseReturnValue:
    """The bookings the signed-in account may decide, soonest first."""
    return {"items": [_waiting_json(w) for w in waiting_for(signed_in_account())]}


@blueprint.post(f"/bookings/<{ID_ROUTE}:booking_id>/<decision>")
def decide_booking(booking_id: int, decision: str) -> ResponseReturnValue:
    if decision not in (ACCEPT, DECLINE):
        raise ApiError(404, "not_found", "There is no such booking decision.")
    account = signed_in_account()
    pending = PendingBooking.get_or_none(PendingBooking.id == booking_id)
    resource = Resource.get_or_none(Resource.id == pending.resource_id) if pending else None
    if resource is None or not may_decide(resource, account):
        # Never tell a stranger which bookings exist.
        raise ApiError(404, "not_found", "No booking waits for your decision under this number.")
    settings = current_app.extensions[SETTINGS_KEY]
    decide_pending(
        booking_id,
        decision,
        account,
        mail_domain=settings.scheduling_mail_domain,
        max_size=settings.max_resource_size,
    )
    return {"id": booking_id, "decision": decision}
