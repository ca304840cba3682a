"""Item 6 of issue 12 in a real browser, at desktop and phone width, in English and
German: dates and times in the chosen language and the browser's region (en-GB is
not en-US) with the branch's time zone named; the week view with an appointment's
details and branch, several resources side by side; groups that explain what they
are for and show where they are used."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from resources.organisation.accounts import create_account
from resources.organisation.branches import create_branch
from resources.organisation.groups import create_group
from resources.organisation.resource_calendars import create_resource
from resources.organisation.resource_events import NewAppointment, create_appointment
from tests.browser.admin_pages import new_account, sign_in, unique
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot

SIZES = {"desktop": DESKTOP, "phone": PHONE}
MONDAY = date(2026, 12, 7)


def appointment(slug: str, summary: str, day: int, hour: int, **more) -> None:
    """A one-hour appointment on 2026-12-DAY at HOUR, in the resource's zone."""
    start = datetime(2026, 12, day, hour)
    create_appointment(
        slug, NewAppointment(summary, start, start + timedelta(hours=1), **more), max_size=2**20
    )


@pytest.fixture(scope="module")
def two_rooms(server):
    """Two rooms of branches in different zones, with appointments in the week of MONDAY."""
    berlin = create_branch(unique("Filiale Berlin"), timezone="Europe/Berlin")
    london = create_branch(unique("Branch London"), timezone="Europe/London")
    first = create_resource("room", unique("Room A"), unique("room-a"), branch=berlin.id)
    second = create_resource("room", unique("Room B"), unique("room-b"), branch=london.id)
    appointment(
        first.slug,
        "Fitting",
        8,
        14,
        location="Room A, first floor",
        description="Bring the new devices",
    )
    appointment(second.slug, "Review", 8, 9, branch=berlin.id)
    return berlin, london, first, second


def week_url(server, first, second=None) -> str:
    extra = f"&with={second.slug}" if second is not None else ""
    return f"{server.base_url}/admin/resources/{first.slug}/week?start={MONDAY}{extra}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "locale, tuesday, time_text",
    [
        ("en-GB", "Tue 8 Dec", "14:00–15:00"),
        ("en-US", "Tue, Dec 8", "2:00\u202fPM–3:00\u202fPM"),  # CLDR: narrow no-break space
        ("de-DE", "Di., 8. Dez.", "14:00–15:00"),
    ],
)
def test_week_view_details_zones_and_region(
    server, browser, two_rooms, locale, tuesday, time_text, size
):
    berlin, london, first, second = two_rooms
    page = new_page(browser, locale=locale, viewport=SIZES[size])
    try:
        sign_in(page, server.base_url, *new_account("admin"))
        page.goto(week_url(server, first))
        headings = page.locator(".day h2").all_inner_texts()
        assert headings[1] == tuesday
        fitting = page.locator("details.appointment", has_text="Fitting")
        assert time_text in fitting.locator(".time").inner_text()
        assert not fitting.locator(".location").is_visible()
        fitting.locator("summary").click()
        assert fitting.locator(".location").inner_text() == "Room A, first floor"
        assert fitting.locator(".description").inner_text() == "Bring the new devices"
        assert fitting.locator(".branch").inner_text() == berlin.name
        assert "Europe/Berlin" in page.inner_text("#zones")
        assert_fits(page, SIZES[size]["width"])
        screenshot(page, f"week-details-{locale}-{size}")

        page.goto(week_url(server, first, second))
        assert page.locator(".day").first.locator(".lane").count() == 2
        lanes = page.locator(".day").nth(1).locator(".lane")
        assert "Fitting" in lanes.nth(0).inner_text() and "Review" in lanes.nth(1).inner_text()
        zones = page.inner_text("#zones")
        assert "Europe/Berlin" in zones and "Europe/London" in zones
        review = lanes.nth(1).locator("details.appointment")
        review.locator("summary").click()
        assert review.locator(".branch").inner_text() == berlin.name  # the appointment's own
        if size == "desktop":
            boxes = [lanes.nth(i).bounding_box() for i in range(2)]
            assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[0]["x"] < boxes[1]["x"]
        else:
            boxes = [lanes.nth(i).bounding_box() for i in range(2)]
            assert boxes[0]["y"] < boxes[1]["y"]  # stacked on a phone
        assert_fits(page, SIZES[size]["width"])
        page.click("#next-week")
        assert f"with={second.slug}" in page.url  # paging keeps the side-by-side choice
        screenshot(page, f"week-side-by-side-{locale}-{size}")
    finally:
        page.context.close()


def test_week_view_with_an_unknown_resource_is_a_readable_404(server, two_rooms):
    from tests.browser.http_session import AdminSession

    _berlin, _london, first, _second = two_rooms
    session = AdminSession(server.base_url)
    session.sign_in(*new_account("admin"))
    answer = session.get(f"/resources/{first.slug}/week?with=no-such-room")
    assert answer.status_code == 404 and "<h1>" in answer.text


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "locale, moment_pattern",
    [
        ("en-GB", r"\d\d/\d\d/\d{4}, \d\d:\d\d \(Europe/Berlin\)"),
        ("en-US", r"\d{1,2}/\d{1,2}/\d\d, \d{1,2}:\d\d\s[AP]M \(Europe/Berlin\)"),
        ("de-DE", r"\d\d\.\d\d\.\d\d, \d\d:\d\d \(Europe/Berlin\)"),
    ],
)
def test_audit_times_follow_the_region_and_name_the_zone(
    server, browser, locale, moment_pattern, size
):
    page = new_page(browser, locale=locale, viewport=SIZES[size])
    try:
        sign_in(page, server.base_url, *new_account("admin"))
        page.goto(f"{server.base_url}/admin/audit")
        first_time = page.locator("td[data-label]").first.inner_text().strip()
        assert re.fullmatch(moment_pattern, first_time), first_time
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "locale, words",
    [
        ("en-GB", ("What groups are for", "Connector scopes", "Booking rights", "Not used yet")),
        (
            "de-DE",
            (
                "Wofür Gruppen da sind",
                "Connector-Bereiche",
                "Buchungsrechte",
                "Noch nicht verwendet",
            ),
        ),
    ],
)
def test_groups_explain_what_they_do_and_where_they_are_used(server, browser, locale, words, size):
    member = create_account(unique("member"), display_name="Gerda Gruppe")
    group = create_group(unique("Sales North"), [member.id])
    page = new_page(browser, locale=locale, viewport=SIZES[size])
    try:
        sign_in(page, server.base_url, *new_account("admin"))
        page.goto(f"{server.base_url}/admin/groups")
        explained = page.inner_text("#group-purposes")
        for word in words[:3]:
            assert word in explained
        row = page.locator("tr", has_text=group.name)
        assert words[3] in row.locator("td.used-in").inner_text()
        assert "Gerda Gruppe" in row.inner_text()
        assert_fits(page, SIZES[size]["width"])
        row.locator("a").click()
        page.wait_for_selector("#group-used-in")
        assert words[3] in page.inner_text("#group-used-in")
        assert words[1] in page.inner_text("#group-purposes")
        assert page.locator("#f-members-help").count() == 1
        screenshot(page, f"groups-{locale}-{size}")
    finally:
        page.context.close()


def test_group_uses_are_listed_by_the_registry(server):
    """The screens list what the registry finds; a group nothing names has no uses."""
    from resources.organisation.group_uses import uses_of

    group = create_group(unique("Unused"))
    assert uses_of([group.id]) == {group.id: []}
