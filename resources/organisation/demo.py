"""Demo data for trying the server: two branches, Anna and Ben with accounts, person
and room resources (two with sync on, two off), the phone logins anna-phone
(ready) and ben-phone (not confirmed), the admin login, and appointments this week.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from resources.auth import credentials, passwords
from resources.objects import stored_objects
from resources.organisation import accounts, branches, employees, resource_calendars
from resources.store.database import write_transaction
from resources.store.organisation import Branch, ServiceCredential, UserAccount

DEMO_PASSWORD = "demo"
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    note: str


DEMO_LOGINS = (
    DemoLogin("anna-phone", DEMO_PASSWORD, "sees her own calendar and room 1"),
    DemoLogin("ben-phone", DEMO_PASSWORD, "not confirmed yet: refused until an admin confirms it"),
)

_EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//davserver//demo//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:{stamp}\r
DTSTART;TZID=Europe/Berlin:{start}\r
DTEND;TZID=Europe/Berlin:{end}\r
SUMMARY:{summary}\r
{extra}END:VEVENT\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
END:VCALENDAR\r
"""


def _event(day: date, hour: int, hours: int, summary: str, extra: str = "") -> tuple[str, bytes]:
    uid = str(uuid.uuid4())
    start = datetime(day.year, day.month, day.day, hour)
    text = _EVENT.format(
        uid=uid,
        stamp=datetime.utcnow().strftime("%Y%m%dT%H%M%SZ"),
        start=start.strftime("%Y%m%dT%H%M%S"),
        end=(start + timedelta(hours=hours)).strftime("%Y%m%dT%H%M%S"),
        summary=summary,
        extra=extra,
    )
    return f"{uid}.ics", text.encode("utf-8")


def _week_of(slug: str, monday: date, branch_id: int) -> None:
    # the demo has just created the resource
    calendar = resource_calendars.resource_calendar(resource_calendars.find_resource(slug).id)  # type: ignore[union-attr]
    plans: dict[str, list[tuple[Any, ...]]] = {
        "anna": [
            (0, 9, 1, "Team meeting", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
            (1, 14, 2, "Customer visit"),
            (3, 11, 1, "Hearing test Mrs. Schulz"),
        ],
        "ben": [
            (0, 9, 1, "Team meeting", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
            (2, 10, 1, "Fitting Mr. Braun"),
        ],
        "raum-1": [(1, 14, 2, "Customer visit"), (4, 16, 1, "Weekly review")],
        "raum-2": [(2, 8, 3, "Workshop maintenance")],
    }
    for offset, hour, hours, summary, *extra in plans[slug]:
        name, body = _event(monday + timedelta(days=offset), hour, hours, summary, *extra)
        stored_objects.put_calendar_object(
            calendar,
            name,
            body,
            stored_objects.WriteConditions(),
            max_size=len(body) + 1,
            branch_id=branch_id,
        )


def fill_demo_data(today: date | None = None) -> bool:
    """Create the demo organisation on an empty database; False if it is not empty."""
    if Branch.select().exists():
        return False
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    main = branches.create_branch("Hauptfiliale", "Marktplatz 1, 10115 Berlin", actor="demo")
    north = branches.create_branch("Filiale Nord", "Hafenstraße 5, 20095 Hamburg", actor="demo")
    anna = employees.create_employee(
        "Anna", "Berger", "anna.berger@example.com", main.id, actor="demo"
    )
    ben = employees.create_employee("Ben", "Koch", "ben.koch@example.com", north.id, actor="demo")
    anna_account = accounts.create_account(
        "anna", display_name="Anna Berger", employee=anna.id, actor="demo"
    )
    ben_account = accounts.create_account(
        "ben", display_name="Ben Koch", employee=ben.id, actor="demo"
    )
    admin = accounts.create_account(
        ADMIN_LOGIN, display_name="Administrator", role="admin", actor="demo"
    )
    resource_calendars.create_resource(
        "person",
        "Anna Berger",
        "anna",
        employee=anna.id,
        branch=main.id,
        colour="#D9534F",
        sync_allowed=True,
        actor="demo",
    )
    resource_calendars.create_resource(
        "person",
        "Ben Koch",
        "ben",
        employee=ben.id,
        branch=north.id,
        colour="#5CB85C",
        sync_allowed=False,
        actor="demo",
    )
    resource_calendars.create_resource(
        "room",
        "Raum 1",
        "raum-1",
        branch=main.id,
        colour="#F0AD4E",
        sync_allowed=True,
        actor="demo",
    )
    resource_calendars.create_resource(
        "room",
        "Raum 2",
        "raum-2",
        branch=north.id,
        colour="#5BC0DE",
        sync_allowed=False,
        actor="demo",
    )
    anna_phone = credentials.create_credential(
        "anna-phone",
        account=anna_account.id,
        branch=main.id,
        service_classes_=("caldav", "carddav"),
        confirmed=True,
        valid_from=today,
        actor="demo",
    )
    ben_phone = credentials.create_credential(
        "ben-phone",
        account=ben_account.id,
        branch=north.id,
        service_classes_=("caldav",),
        confirmed=False,
        actor="demo",
    )
    _give_demo_passwords([anna_account, ben_account, admin], [anna_phone, ben_phone])
    for slug, branch in (("anna", main), ("ben", north), ("raum-1", main), ("raum-2", north)):
        _week_of(slug, monday, branch.id)
    return True


def _give_demo_passwords(
    account_rows: list[UserAccount], credential_rows: list[ServiceCredential]
) -> None:
    """The short, well-known demo passwords, below the minimum every real password must
    have (passwords.PASSWORD_MIN): the demo is for trying on one's own machine only."""
    with write_transaction():
        _write_demo_passwords(account_rows, credential_rows)


def _write_demo_passwords(
    account_rows: list[UserAccount], credential_rows: list[ServiceCredential]
) -> None:
    for account in account_rows:
        known = ADMIN_PASSWORD if account.login == ADMIN_LOGIN else DEMO_PASSWORD
        UserAccount.update(password_hash=passwords.hash_password(known)).where(
            UserAccount.id == account.id
        ).execute()
    for credential in credential_rows:
        ServiceCredential.update(password_hash=passwords.hash_password(DEMO_PASSWORD)).where(
            ServiceCredential.id == credential.id
        ).execute()
