"""The week view of resource calendars (issue 12 §6): a week of appointments with
their details (time in the branch's zone, named; place, description, branch), for
one resource or several side by side. Routes on the resources blueprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Response, request

from davserver.web.admin.i18n import _, format_time, format_weekday
from davserver.web.admin.pages import render
from davserver.web.admin.resources import blueprint
from resources.organisation import resource_calendars
from resources.organisation.appointment_details import NO_DETAILS, appointment_details
from resources.organisation.resource_events import EventItem, list_events, resource_zone
from resources.store.organisation import Resource

SIDE_BY_SIDE_MAX = 6  # resources in one week view


@dataclass(frozen=True)
class ShownAppointment:
    summary: str
    time: str  # "09:00–10:30" as the region writes times, or empty for all day
    location: str
    description: str
    branch: str


@dataclass(frozen=True)
class Lane:
    """One resource's appointments on one day."""

    resource: Resource
    appointments: list[ShownAppointment]


@dataclass(frozen=True)
class Day:
    day: date
    heading: str
    lanes: list[Lane]


def week_start(text: str | None) -> date:
    """The Monday of the week that contains `text` (a date), else of this week."""
    try:
        day = date.fromisoformat(text) if text else date.today()
    except ValueError:
        day = date.today()
    if not 1001 <= day.year <= 8998:
        day = date.today()
    return day - timedelta(days=day.weekday())


def _moment(text: str) -> date | datetime:
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def _days_covered(item: EventItem) -> tuple[date, date, str]:
    """First and last day an appointment covers, and its time span for showing."""
    start, end = _moment(item.start), _moment(item.end)
    if not isinstance(start, datetime):
        last = (
            end if isinstance(end, date) and not isinstance(end, datetime) else start
        ) - timedelta(days=1)
        return start, max(start, last), ""
    last = (end - timedelta(microseconds=1)).date() if end > start else start.date()  # type: ignore[attr-defined]
    if not isinstance(end, datetime):
        return start.date(), last, format_time(start)
    return start.date(), last, f"{format_time(start)}–{format_time(end)}"


def resource_days(resource: Resource, monday: date) -> dict[date, list[ShownAppointment]]:
    days: dict[date, list[ShownAppointment]] = {monday + timedelta(days=n): [] for n in range(7)}
    items = list_events(resource.slug, monday, monday + timedelta(days=6))
    details = appointment_details(resource.slug, items)
    for item in items:
        first, last, span = _days_covered(item)
        more = details.get((item.name, item.recurrence_id), NO_DETAILS)
        shown = ShownAppointment(
            item.summary or _("(no title)"), span, more.location, more.description, more.branch
        )
        for day, appointments in days.items():
            if first <= day <= last:
                appointments.append(shown)
    return days


def week_days(chosen: list[Resource], monday: date) -> list[Day]:
    per_resource = [resource_days(resource, monday) for resource in chosen]
    return [
        Day(
            day,
            format_weekday(day),
            [
                Lane(resource, days[day])
                for resource, days in zip(chosen, per_resource, strict=True)
            ],
        )
        for day in (monday + timedelta(days=n) for n in range(7))
    ]


def chosen_resources(slug: str) -> list[Resource]:
    """The page's resource and those asked for beside it (?with=SLUG, repeatable)."""
    chosen = [resource_calendars.get_resource(slug)]
    for other in request.args.getlist("with")[: SIDE_BY_SIDE_MAX - 1]:
        resource = resource_calendars.get_resource(other)
        if resource.id not in {r.id for r in chosen}:
            chosen.append(resource)
    return chosen


@blueprint.get("/<slug>/week", endpoint="week")
def week(slug: str) -> Response:
    chosen = chosen_resources(slug)
    monday = week_start(request.args.get("start"))
    others = [r.slug for r in chosen[1:]]
    return render(
        "admin/resource_week.html",
        resource=chosen[0],
        chosen=chosen,
        zones={r.id: getattr(resource_zone(r), "key", "UTC") for r in chosen},
        others=others,
        offered=[r for r in resource_calendars.list_resources() if r.id != chosen[0].id],
        days=week_days(chosen, monday),
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
    )
