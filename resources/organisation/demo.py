"""Demo data for trying the server: two branches, Anna and Ben with accounts, person
and room resources (two with sync on, two off), the phone logins anna-phone
(ready) and ben-phone (not confirmed), the admin login, and appointments this week;
every name and title in one language, German or English (`davserver serve --demo
--demo-language en`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from resources.auth import credentials, passwords
from resources.objects import stored_objects
from resources.organisation import accounts, branches, employees, resource_calendars
from resources.store.database import write_transaction
from resources.store.organisation import Branch, ServiceCredential, UserAccount

DEMO_LANGUAGES = ("de", "en")
DEFAULT_DEMO_LANGUAGE = "de"
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


@dataclass(frozen=True)
class DemoTexts:
    """Every word of the demo data in one language."""

    main_branch: tuple[str, str]  # name, address
    north_branch: tuple[str, str]
    rooms: tuple[str, str]
    team_meeting: str
    customer_visit: str
    hearing_test: str
    fitting: str
    weekly_review: str
    maintenance: str
    admin_name: str


TEXTS = {
    "de": DemoTexts(
        main_branch=("Hauptfiliale", "Marktplatz 1, 10115 Berlin"),
        north_branch=("Filiale Nord", "Hafenstraße 5, 20095 Hamburg"),
        rooms=("Raum 1", "Raum 2"),
        team_meeting="Teambesprechung",
        customer_visit="Kundenbesuch",
        hearing_test="Hörtest Frau Schulz",
        fitting="Anpassung Herr Braun",
        weekly_review="Wochenrückblick",
        maintenance="Wartung Werkstatt",
        admin_name="Administrator",
    ),
    "en": DemoTexts(
        main_branch=("Main branch", "Marktplatz 1, 10115 Berlin"),
        north_branch=("North branch", "Hafenstraße 5, 20095 Hamburg"),
        rooms=("Room 1", "Room 2"),
        team_meeting="Team meeting",
        customer_visit="Customer visit",
        hearing_test="Hearing test Mrs Schulz",
        fitting="Fitting Mr Braun",
        weekly_review="Weekly review",
        maintenance="Workshop maintenance",
        admin_name="Administrator",
    ),
}


def _week_of(slug: str, monday: date, branch_id: int, texts: DemoTexts) -> None:
    # the demo has just created the resource
    calendar = resource_calendars.resource_calendar(resource_calendars.find_resource(slug).id)  # type: ignore[union-attr]
    weekly = "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
    plans: dict[str, list[tuple[int, int, int, str, str]]] = {
        "anna": [
            (0, 9, 1, texts.team_meeting, weekly),
            (1, 14, 2, texts.customer_visit, ""),
            (3, 11, 1, texts.hearing_test, ""),
        ],
        "ben": [
            (0, 9, 1, texts.team_meeting, weekly),
            (2, 10, 1, texts.fitting, ""),
        ],
        "raum-1": [(1, 14, 2, texts.customer_visit, ""), (4, 16, 1, texts.weekly_review, "")],
        "raum-2": [(2, 8, 3, texts.maintenance, "")],
    }
    for offset, hour, hours, summary, extra in plans[slug]:
        name, body = _event(monday + timedelta(days=offset), hour, hours, summary, extra)
        stored_objects.put_calendar_object(
            calendar,
            name,
            body,
            stored_objects.WriteConditions(),
            max_size=len(body) + 1,
            branch_id=branch_id,
        )


def fill_demo_data(today: date | None = None, language: str = DEFAULT_DEMO_LANGUAGE) -> bool:
    """Create the demo organisation on an empty database, every text in `language`
    (one of DEMO_LANGUAGES); False if the database is not empty."""
    if language not in TEXTS:
        raise ValueError(f"the demo data speaks {' or '.join(DEMO_LANGUAGES)}, not {language!r}")
    texts = TEXTS[language]
    if Branch.select().exists():
        return False
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    main = branches.create_branch(*texts.main_branch, actor="demo")
    north = branches.create_branch(*texts.north_branch, actor="demo")
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
        ADMIN_LOGIN, display_name=texts.admin_name, role="admin", actor="demo"
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
        texts.rooms[0],
        "raum-1",
        branch=main.id,
        colour="#F0AD4E",
        sync_allowed=True,
        actor="demo",
    )
    resource_calendars.create_resource(
        "room",
        texts.rooms[1],
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
        _week_of(slug, monday, branch.id, texts)
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
