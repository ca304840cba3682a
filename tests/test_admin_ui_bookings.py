"""Booking policies and waiting bookings in a real browser (issue 16 item 3): an
administrator sets a room's policy on its page in English, its delegate accepts a
waiting booking in German, and the organizer's calendar hears the answer."""

from __future__ import annotations

import pytest

from resources.organisation.resource_calendars import get_resource
from resources.scheduling.booking_policy import shown_policy
from tests.browser.admin_pages import new_account, sign_in
from tests.browser.chromium import new_page, screenshot
from tests.scheduling_org import (
    ACCOUNT_PASSWORD,
    build_scheduling_org,
    forget_rooms,
    invitation,
    room_address,
)
from tests.test_scheduling import attendee_params


@pytest.fixture(scope="module")
def org(server):
    organisation = build_scheduling_org(server.base_url)
    yield organisation
    forget_rooms(organisation)


def test_administrator_sets_a_rooms_booking_policy(server, page, org):
    slug = org.rooms["free"]
    sign_in(page, server.base_url, *new_account("admin"))
    page.goto(f"{server.base_url}/admin/resources/{slug}")
    panel = page.locator("#booking-policy")
    assert "Booking policy" in panel.inner_text()
    page.select_option("#booking-mode", "manual")
    page.fill("#booking-capacity", "3")
    page.fill("#booking-window", "60")
    page.select_option("#booking-delegate", str(org.people["dora"].account_id))
    with page.expect_navigation():
        page.click("#save-booking-policy")
    assert "booking policy" in page.locator(".notice.ok").inner_text()
    policy = shown_policy(get_resource(slug))
    assert (policy.mode, policy.capacity, policy.window_days) == ("manual", 3, 60)
    assert policy.delegate == org.people["dora"].account_id
    page.fill("#booking-capacity", "0")
    with page.expect_navigation():
        page.click("#save-booking-policy")
    assert "capacity" in page.locator(".notice.error").inner_text()
    screenshot(page, "booking-policy")


def test_delegate_accepts_a_waiting_booking_in_german(server, browser, org):
    anna, dora = org.people["anna"], org.people["dora"]
    slug = org.rooms["manual"]
    uid = "ui-booking-1"
    path = f"{anna.calendar}{uid}.ics"
    body = invitation(
        anna.email,
        [room_address(slug)],
        uid=uid,
        summary="Workshop",
        start="20300901T090000Z",
        end="20300901T100000Z",
    )
    assert anna.put(path, body).status_code == 201
    german = new_page(browser, locale="de-DE")
    try:
        sign_in(german, server.base_url, dora.account_login, ACCOUNT_PASSWORD)
        with german.expect_navigation():
            german.click("nav.menu a:has-text('Buchungen')")
        row = german.locator("#waiting-bookings tr", has_text="Workshop")
        assert "Room manual" in row.inner_text()
        with german.expect_navigation():
            row.locator("button.accept").click()
        assert "angenommen" in german.locator(".notice.ok").inner_text()
        screenshot(german, "bookings-de")
    finally:
        german.context.close()
    assert attendee_params(anna.get(path), slug)[""]["PARTSTAT"] == "ACCEPTED"
