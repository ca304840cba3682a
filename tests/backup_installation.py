"""An installation for the backup tests, made over HTTP on a `davserver serve` process:
organisation, a phone login with calendars, a plain collection with a binary file, dead
properties, an address book, the directory, the phonebook, a CSV connection with a
password, an external calendar account with a sync pair; and what a phone sees of it,
read back to compare two servers byte for byte."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from tests.api_helpers import Api, new_credential, new_person, new_room
from tests.davxml import responses
from tests.logins import signed_in_session, unique
from tests.source_server import SourceServer

XML = {"Content-Type": "application/xml"}
PHONE_PASSWORD = "phone-pass-1"
FEED_LOGIN, FEED_PASSWORD = "feed", "feed-secret-1"
DEAD = b'<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:example:backup"><D:set><D:prop><X:note>kept <X:b>as is</X:b> \xc3\xa4</X:note></D:prop></D:set></D:propertyupdate>'
ASK_DEAD = b'<D:propfind xmlns:D="DAV:" xmlns:X="urn:example:backup"><D:prop><X:note/></D:prop></D:propfind>'
LISTING = b'<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'
BINARY = bytes(range(256)) * 4


def event(uid: str, summary: str, extra: str = "") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//backup//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\n"
        f"DTEND:20260310T100000Z\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def card(uid: str, name: str) -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\n"
        "TEL;TYPE=WORK:+49 30 1234\r\nEMAIL:kim@example.com\r\nEND:VCARD\r\n"
    ).encode()


@dataclass
class Installation:
    base_url: str
    admin: Api
    phone: requests.Session
    username: str
    collections: list[str]  # what a phone's view is compared in
    connection: int
    files: SourceServer

    def dav(self, method: str, path: str, body: bytes | None = None, **headers: str):
        return self.phone.request(method, self.base_url + path, data=body, headers=headers)


def populate(base_url: str, admin: Api, files: SourceServer) -> Installation:
    person = new_person(admin)
    new_room(admin, person.branch)
    admin.created("/groups", {"name": unique("Team"), "members": [person.user]})
    username = new_credential(
        admin, person, password=PHONE_PASSWORD, service_classes=["caldav", "carddav"]
    )
    phone = signed_in_session(username, PHONE_PASSWORD)
    made = Installation(base_url, admin, phone, username, [], 0, files)
    _fill_dav(made)
    _fill_directory(admin)
    made.connection = _csv_connection(admin, files)
    _external_sync(made)
    return made


def _fill_dav(made: Installation) -> None:
    home, book = f"/dav/calendars/{made.username}/", f"/dav/addressbooks/{made.username}/"
    work, plain, contacts = home + "work/", home + "files/", book + "contacts/"
    assert made.dav("MKCALENDAR", work).status_code == 201
    assert made.dav("PROPPATCH", work, DEAD, **XML).status_code == 207
    for number, summary in enumerate(("Plain", "Größe ✓", "Daily")):
        extra = "RRULE:FREQ=DAILY;COUNT=5\r\n" if summary == "Daily" else ""
        body = event(unique("uid"), summary, extra)
        put = made.dav("PUT", f"{work}e{number}.ics", body, **{"Content-Type": "text/calendar"})
        assert put.status_code == 201, put.text
    assert made.dav("PROPPATCH", work + "e0.ics", DEAD, **XML).status_code == 207
    assert made.dav("MKCOL", plain).status_code == 201
    put = made.dav(
        "PUT", plain + "blob.bin", BINARY, **{"Content-Type": "application/octet-stream"}
    )
    assert put.status_code == 201, put.text
    for number in range(2):
        body = card(unique("card"), f"Kim Nummer{number}")
        put = made.dav("PUT", f"{contacts}c{number}.vcf", body, **{"Content-Type": "text/vcard"})
        assert put.status_code == 201, put.text
    made.collections = [work, plain, contacts, book + "company/"]


def _fill_directory(admin: Api) -> None:
    assert admin.post("/company-book/enable").status_code == 200
    company = admin.created("/companies", {"name": unique("Firma"), "category": "customer"})
    admin.created(
        "/contacts", {"company": company["id"], "first_name": "Kim", "last_name": unique("Öz")}
    )
    entry = {"first_name": "Max", "last_name": unique("Manuell"), "phone_work": "+49 40 1"}
    admin.created("/phonebook", entry)


def _csv_connection(admin: Api, files: SourceServer) -> int:
    csv = "id,last_name,first_name,phone_work\n1,Feed,Fritz,+49 40 555\n"
    url = files.put("/feed.csv", csv.encode(), username=FEED_LOGIN, password=FEED_PASSWORD)
    settings = {"url": url, "username": FEED_LOGIN, "password": FEED_PASSWORD}
    body = {"name": unique("Feed"), "type": "csv-url", "target": "phonebook", "settings": settings}
    connection = admin.created("/connections", body)["id"]
    run = admin.post(f"/connections/{connection}/run").json()
    deadline = time.monotonic() + 30
    while run["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, run
        time.sleep(0.2)
        run = admin.get(f"/runs/{run['id']}").json()
    assert run["state"] == "ok", run
    return connection


def _external_sync(made: Installation) -> None:
    remote = f"/dav/calendars/{made.username}/work/"
    body = {"url": made.base_url + remote, "username": made.username, "password": PHONE_PASSWORD}
    account = made.admin.created("/external-accounts", body)
    mirror = f"/dav/calendars/{made.username}/mirror/"
    assert made.dav("MKCALENDAR", mirror).status_code == 201
    pair = {
        "account": account["id"],
        "remote_calendar": account["calendars"][0]["url"],
        "local_calendar": mirror,
        "interval_minutes": 60,
        "push_existing": False,
    }
    made.admin.created("/external-syncs", pair)


def phone_view(base_url: str, phone: requests.Session, collections: list[str]) -> dict:
    """Every member's body, ETag and content type, and the dead properties, as a phone
    reads them."""
    seen: dict = {}
    for collection in collections:
        listed = phone.request(
            "PROPFIND", base_url + collection, data=LISTING, headers={"Depth": "1", **XML}
        )
        assert listed.status_code == 207, listed.text
        for href in sorted(set(responses(listed.content)) - {collection}):
            got = phone.get(base_url + href)
            assert got.status_code == 200, (href, got.status_code)
            seen[href] = (got.content, got.headers.get("ETag"), got.headers["Content-Type"])
        for path in (collection, collection + "e0.ics"):
            dead = phone.request(
                "PROPFIND", base_url + path, data=ASK_DEAD, headers={"Depth": "0", **XML}
            )
            if dead.status_code == 207:
                seen[f"dead {path}"] = dead.content
    return seen


API_LISTS = (
    "/branches",
    "/employees",
    "/users",
    "/groups",
    "/resources",
    "/credentials",
    "/companies",
    "/contacts",
    "/phonebook",
    "/connections",
    "/company-book",
)


def admin_view(admin: Api) -> dict:
    """What the API lists of the organisation, the directory and the connections."""
    seen = {}
    for path in API_LISTS:
        answer = admin.get(path)
        assert answer.status_code == 200, (path, answer.text)
        seen[path] = answer.json()
    for credential in seen["/credentials"]["items"]:
        # the source goes on serving its phones after the backup: when a login was last
        # used moves on there (the tables, compared byte for byte, hold it as backed up)
        credential.pop("last_used")
    return seen
