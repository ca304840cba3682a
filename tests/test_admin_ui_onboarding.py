"""The administrator's onboarding flow in a real browser (issue 6 §6): organisation,
a login with a generated password, the resource-specific URL changing with the
resource, the connection test failing then passing, and the `caldav` library reading
the resource's appointments with exactly what the page showed."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import caldav

from resources.organisation.resource_events import NewAppointment, create_appointment
from tests.browser.admin_pages import (
    create_through_form,
    fill_form,
    new_account,
    save,
    sign_in,
    unique,
)
from tests.browser.chromium import PHONE, assert_fits, new_page, screenshot


def _organisation(page, base: str) -> dict:
    """Branch, employee, account and two resources, all through the forms."""
    names = {
        "branch": unique("Filiale"),
        "last": unique("Muster"),
        "account": unique("erika"),
        "person": unique("erika"),
        "room": unique("raum"),
    }
    create_through_form(
        page, base, "/branches/new", {"name": names["branch"], "timezone": "Europe/Berlin"}
    )
    assert names["branch"] in page.inner_text("main")
    screenshot(page, "branches")
    create_through_form(
        page,
        base,
        "/employees/new",
        {"first_name": "Erika", "last_name": names["last"], "home_branch": names["branch"]},
    )
    employee = f"Erika {names['last']}"
    create_through_form(
        page,
        base,
        "/accounts/new",
        {"login": names["account"], "employee": employee, "role": "User"},
    )
    create_through_form(
        page,
        base,
        "/resources/new",
        {
            "kind": "Person",
            "name": employee,
            "slug": names["person"],
            "employee": employee,
            "branch": names["branch"],
            "sync_allowed": True,
        },
    )
    create_through_form(
        page,
        base,
        "/resources/new",
        {
            "kind": "Room / location",
            "name": f"Room {names['room']}",
            "slug": names["room"],
            "branch": names["branch"],
            "sync_allowed": True,
        },
    )
    assert page.locator(f"#resource-{names['person']} button.switch.on").count() == 1
    screenshot(page, "resources")
    return names


def _new_credential(page, base: str, names: dict) -> str:
    username = unique("phone")
    create_through_form(
        page,
        base,
        "/credentials/new",
        {"username": username, "account": names["account"], "branch": names["branch"]},
    )
    assert page.url.endswith(f"/admin/credentials/{username}")
    assert page.get_attribute("#f-username", "readonly") is not None
    return username


def _choose_resource(page, slug: str) -> str:
    page.select_option("#resource-choice", slug)
    return page.inner_text("#resource-url").strip()


def _run_test(page, password: str = "") -> None:
    page.fill("#f-test-password", password)
    with page.expect_navigation():
        page.click("#run-test")


def _wait_until(page, expression: str, seconds: float = 10) -> None:
    """Poll from the test side: page.wait_for_function compiles its predicate inside the
    page, which the admin UI's Content-Security-Policy (no 'unsafe-eval') forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {expression}"
        page.wait_for_timeout(50)


def _generate_password(page) -> str:
    with page.expect_navigation():
        page.click("#generate-password")
    password = page.inner_text("#generated-password").strip()
    assert len(password) >= 16
    page.click("#password-panel button.copy")
    _wait_until(
        page, "document.querySelector('#password-panel button.copy').textContent === 'Copied'"
    )
    return password


def _url_follows_the_resource(page, base: str, username: str, names: dict) -> str:
    person_url = _choose_resource(page, names["person"])
    assert person_url == f"{base}/dav/calendars/{username}/{names['person']}/"
    room_url = _choose_resource(page, names["room"])
    assert room_url == f"{base}/dav/calendars/{username}/{names['room']}/"
    _wait_until(
        page,
        "document.getElementById('resource-qr').complete "
        "&& document.getElementById('resource-qr').naturalWidth > 0",
    )
    assert names["room"] in page.get_attribute("#resource-qr", "src")
    return person_url


def _summaries_read_by_caldav(
    url: str, username: str, password: str, around: datetime
) -> list[str]:
    with caldav.DAVClient(url=url, username=username, password=password) as client:
        calendar = client.calendar(url=url)
        found = calendar.search(
            start=around - timedelta(days=1), end=around + timedelta(days=1), event=True
        )
        return [str(event.icalendar_component.get("summary")) for event in found]


def test_onboarding_flow_from_organisation_to_caldav(server, page):
    base = server.base_url
    sign_in(page, base, *new_account("admin"))
    screenshot(page, "dashboard")
    names = _organisation(page, base)
    username = _new_credential(page, base, names)
    password = _generate_password(page)
    person_url = _url_follows_the_resource(page, base, username, names)

    _run_test(page, password)
    failed = page.locator("li.check.bad")
    assert failed.count() == 1 and failed.get_attribute("data-check") == "confirmed"
    assert "not confirmed" in failed.inner_text()
    screenshot(page, "credential-test-failed")

    fill_form(page, {"confirmed": True})
    save(page)
    _choose_resource(page, names["person"])
    _run_test(page, password)
    assert (
        page.locator("#test-result.passed").count() == 1
        and page.locator("li.check.bad").count() == 0
    )
    assert page.locator('li.check.ok[data-check="password"]').count() == 1
    screenshot(page, "credential-test-passed")
    shown_url = page.inner_text("#resource-url").strip()
    assert shown_url == person_url

    start = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)
    summary = unique("Beratung")
    create_appointment(
        names["person"],
        NewAppointment(summary, start, start + timedelta(hours=1)),
        max_size=1024 * 1024,
    )
    assert summary in _summaries_read_by_caldav(shown_url, username, password, start)
    page.goto(f"{base}/admin/resources/{names['person']}/week?start={start.date().isoformat()}")
    assert summary in page.inner_text(".week")
    screenshot(page, "resource-week")


def test_credential_page_fits_a_phone(server, browser):
    phone = new_page(browser, viewport=PHONE)
    try:
        sign_in(phone, server.base_url, *new_account("admin"))
        phone.goto(f"{server.base_url}/admin/credentials/new")
        assert_fits(phone, PHONE["width"])
        assert phone.locator("label[for=f-username]").is_visible()
        screenshot(phone, "phone-credential-form")
        phone.goto(f"{server.base_url}/admin/resources")
        assert_fits(phone, PHONE["width"])
        screenshot(phone, "phone-resources")
    finally:
        phone.context.close()


def test_form_without_csrf_token_is_refused(server, page):
    sign_in(page, server.base_url, *new_account("admin"))
    page.goto(f"{server.base_url}/admin/branches/new")
    page.fill("#f-name", unique("Filiale"))
    page.evaluate("document.querySelector('form.record input[name=csrf_token]').remove()")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.click("#save")
    assert answer.value.status == 400
    assert "Form refused" in page.inner_text("h1")
    screenshot(page, "csrf-refused")
