"""Booking policies and waiting bookings in the admin UI (issue 16 item 3): the policy
panel on a resource's page (administrators), and the bookings that wait for a decision,
which administrators and each resource's delegate accept or decline."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request

from davserver.web.admin.context import settings
from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.i18n import N_, format_moment
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor, signed_in_account
from resources.errors import DomainError
from resources.organisation.resource_calendars import get_resource
from resources.scheduling.booking_policy import may_decide, set_policy, shown_policy
from resources.scheduling.pending import ACCEPT, DECLINE, decide_pending, waiting_for
from resources.store.organisation import AccountGroup, Resource, UserAccount
from resources.store.scheduling import BOOKING_MODES, PendingBooking

blueprint = Blueprint("bookings", __name__, url_prefix="/bookings")

MODE_LABELS = dict(
    zip(
        BOOKING_MODES,
        (
            N_("Accept when free"),
            N_("Always accept"),
            N_("Always decline"),
            N_("A person decides (manual)"),
        ),
        strict=True,
    )
)


def policy_panel(resource: Resource) -> dict:
    """What the resource page shows of its booking policy and its waiting bookings."""
    account = signed_in_account()
    return dict(
        booking_slug=resource.slug,
        booking_policy=shown_policy(resource),
        booking_modes=MODE_LABELS,
        booking_groups=list(AccountGroup.select().order_by(AccountGroup.name)),
        booking_accounts=list(UserAccount.select().order_by(UserAccount.login)),
        waiting=waiting_for(account, resource.id),
        format_moment=format_moment,
    )


@blueprint.get("", endpoint="index")
def waiting_bookings() -> Response:
    return render(
        "admin/bookings.html",
        waiting=waiting_for(signed_in_account()),
        format_moment=format_moment,
    )


@blueprint.post("/<int:booking_id>/<decision>", endpoint="decide")
def decide(booking_id: int, decision: str) -> Response:
    if decision not in (ACCEPT, DECLINE):
        abort(404)
    account = signed_in_account()
    pending = PendingBooking.get_or_none(PendingBooking.id == booking_id)
    resource = Resource.get_or_none(Resource.id == pending.resource_id) if pending else None
    if resource is None or not may_decide(resource, account):
        abort(404)  # never tell a stranger which bookings exist
    found = settings()
    decide_pending(
        booking_id,
        decision,
        account,
        mail_domain=found.scheduling_mail_domain,
        max_size=found.max_resource_size,
    )
    if decision == ACCEPT:
        notice(N_("The booking of %(name)s is accepted."), name=resource.name)
    else:
        notice(N_("The booking of %(name)s is declined."), name=resource.name)
    target = request.form.get("back", "")
    return (
        back_to("resources.edit", slug=resource.slug)
        if target == "resource"
        else back_to("bookings.index")
    )


@blueprint.post("/policy/<slug>", endpoint="policy")
def save_policy(slug: str) -> Response:
    if signed_in_account().role != "admin":
        abort(403)
    resource = get_resource(slug)
    form = request.form
    try:
        changes = {
            "mode": form.get("mode", ""),
            "capacity": _whole(form.get("capacity", "")),
            "window_days": _whole(form.get("window_days", "")) if form.get("window_days") else None,
            "only_groups": form.get("only_groups") == "1",
            "groups": [_whole(g) for g in form.getlist("groups")],
            "delegate": _whole(form.get("delegate", "")) if form.get("delegate") else None,
        }
        set_policy(resource, changes, actor=actor())
    except DomainError as error:
        flash(refusal(error), "error")
        return back_to("resources.edit", slug=resource.slug)
    notice(N_("The booking policy of %(name)s is saved."), name=resource.name)
    return back_to("resources.edit", slug=resource.slug)


def _whole(text: str) -> int | str:
    """A number from the form, or the text as it came (the policy names what is wrong)."""
    try:
        return int(text.strip())
    except ValueError:
        return text
