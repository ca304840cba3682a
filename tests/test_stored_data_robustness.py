"""Stored vCards and iCalendar objects that could break a collection: what a PUT refuses or
normalises (RFC 6352 §6.3.2.1, RFC 4791 §5.3.2.1), and every reader surviving a bad row."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from resources.store.models import StoredObject
from resources.store.schema import SCHEMA_VERSION
from tests.davxml import NS, error_condition, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event

CR_NS = "urn:ietf:params:xml:ns:carddav"
VCARD_TYPE = {"Content_Type": "text/vcard; charset=utf-8"}
VALID_ADDRESS_DATA = f"{{{CR_NS}}}valid-address-data"
VALID_CALENDAR_DATA = f"{{{NS['C']}}}valid-calendar-data"


def card(uid: str, name: str = "Erika Mustermann", extra: str = "") -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\n{extra}END:VCARD\r\n"


def book(login) -> str:
    return f"/dav/addressbooks/{login.username}/contacts/"


def new_calendar(login) -> str:
    path = login.home_path + f"c{uuid.uuid4().hex[:6]}/"
    assert login.request("MKCALENDAR", path).status_code == 201
    return path


def corrupt(response, body: bytes) -> None:
    """Overwrite the body a PUT stored, in the database, as an earlier version could have stored it."""
    etag = response.headers["ETag"].strip('"')
    updated = (
        StoredObject.update(body=body, size=len(body)).where(StoredObject.etag == etag).execute()
    )
    assert updated == 1


def report(login, path: str, body: str, depth: str = "1"):
    return login.request("REPORT", path, body, Depth=depth, **XML_TYPE)


def multiget_body(kind: str, hrefs: list[str]) -> str:
    if kind == "calendar":
        root, data, ns = "C:calendar-multiget", "<C:calendar-data/>", f'xmlns:C="{NS["C"]}"'
    else:
        root, data, ns = "CR:addressbook-multiget", "<CR:address-data/>", f'xmlns:CR="{CR_NS}"'
    listed = "".join(f"<D:href>{href}</D:href>" for href in hrefs)
    return f'<{root} xmlns:D="DAV:" {ns}><D:prop><D:getetag/>{data}</D:prop>{listed}</{root}>'


SYNC = (
    '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>'
    "<D:prop><D:getetag/>{data}</D:prop></D:sync-collection>"
)
CALENDAR_QUERY = f"""<C:calendar-query xmlns:D="DAV:" xmlns:C="{NS["C"]}"><D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{{range}}</C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
TIME_RANGE = '<C:time-range start="20261101T000000Z" end="20261201T000000Z"/>'
FREE_BUSY = f"""<C:free-busy-query xmlns:C="{NS["C"]}"><C:time-range start="20261101T000000Z" end="20261201T000000Z"/>
</C:free-busy-query>"""
ADDRESSBOOK_QUERY = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR_NS}"><D:prop><D:getetag/><CR:address-data/></D:prop>
<CR:filter><CR:prop-filter name="FN"/></CR:filter></CR:addressbook-query>"""
PROPFIND = (
    '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:propfind>'
)


def calendar_answers(login, path: str) -> dict[str, object]:
    """Every reader of a calendar collection, as (status, body) by reader name."""
    names = [
        href
        for href in responses(
            login.request("PROPFIND", path, PROPFIND, Depth="1", **XML_TYPE).content
        )
        if href != path
    ]
    answers = {
        "propfind": login.request("PROPFIND", path, PROPFIND, Depth="1", **XML_TYPE),
        "multiget": report(login, path, multiget_body("calendar", names)),
        "query": report(login, path, CALENDAR_QUERY.format(range="")),
        "query-time-range": report(login, path, CALENDAR_QUERY.format(range=TIME_RANGE)),
        "sync": report(
            login, path, SYNC.format(data=f'<C:calendar-data xmlns:C="{NS["C"]}"/>'), depth="0"
        ),
        "free-busy": report(login, path, FREE_BUSY),
        "export": login.request("GET", path),
    }
    return {"names": names, **answers}


def addressbook_answers(login, path: str) -> dict[str, object]:
    names = [
        href
        for href in responses(
            login.request("PROPFIND", path, PROPFIND, Depth="1", **XML_TYPE).content
        )
        if href != path
    ]
    return {
        "names": names,
        "propfind": login.request("PROPFIND", path, PROPFIND, Depth="1", **XML_TYPE),
        "multiget": report(login, path, multiget_body("address", names)),
        "query": report(login, path, ADDRESSBOOK_QUERY),
        "sync": report(
            login, path, SYNC.format(data=f'<CR:address-data xmlns:CR="{CR_NS}"/>'), depth="0"
        ),
    }


def assert_no_server_error(answers: dict[str, object]) -> None:
    failed = {
        name: (r.status_code, r.text[:300])
        for name, r in answers.items()
        if name != "names" and r.status_code >= 500
    }
    assert not failed, failed


def data_of(response, tag: str) -> dict[str, str | None]:
    """href -> the text of the 200 calendar-data / address-data, or None."""
    found = {}
    for href, props in responses(response.content).items():
        status, element = props.get(tag, (None, None))
        found[href] = element.text if status == 200 else None
    return found


# --- PUT: refuse or normalise --------------------------------------------------------


@pytest.mark.parametrize("control", ["\x01", "\x1b", "\x00", "\x7f"])
def test_vcard_with_a_control_character_is_refused_naming_the_line(login, control):
    r = login.request(
        "PUT", book(login) + "c.vcf", card("c1", extra=f"NOTE:bad{control}char\r\n"), **VCARD_TYPE
    )
    assert r.status_code == 403, r.text
    assert error_condition(r.content) == VALID_ADDRESS_DATA
    assert "line 6" in r.text.lower()


def test_vcard_with_tab_and_line_break_escapes_is_accepted(login):
    r = login.request(
        "PUT", book(login) + "t.vcf", card("t1", extra="NOTE:one\ttwo\\nthree\r\n"), **VCARD_TYPE
    )
    assert r.status_code == 201, r.text


def test_calendar_object_with_cr_only_line_endings_is_stored_with_crlf_and_no_etag(login):
    path = new_calendar(login)
    body = event(uid="cr-only").replace("\r\n", "\r")
    r = login.request("PUT", path + "e.ics", body, **CALENDAR_TYPE)
    assert r.status_code == 201 and "ETag" not in r.headers
    assert login.request("GET", path + "e.ics").content == event(uid="cr-only").encode()
    assert_no_server_error(calendar_answers(login, path))


def test_vcard_with_cr_only_line_endings_is_stored_with_crlf(login):
    body = card("cr1").replace("\r\n", "\r")
    assert login.request("PUT", book(login) + "cr.vcf", body, **VCARD_TYPE).status_code == 201
    assert login.request("GET", book(login) + "cr.vcf").content == card("cr1").encode()
    assert_no_server_error(addressbook_answers(login, book(login)))


@pytest.mark.parametrize("ending", ["\n", "\r\r\n"])
def test_lf_and_cr_cr_lf_line_endings_are_kept_as_sent(login, ending):
    path = new_calendar(login)
    body = event(uid="lf").replace("\r\n", ending)
    r = login.request("PUT", path + "e.ics", body, **CALENDAR_TYPE)
    assert r.status_code == 201 and "ETag" in r.headers
    assert login.request("GET", path + "e.ics").content == body.encode()
    assert_no_server_error(calendar_answers(login, path))


# --- readers survive a bad stored row --------------------------------------------------

BAD_CALENDAR_BODIES = {
    "cr-only": event(uid="bad-cr").replace("\r\n", "\r").encode(),
    "control": event(uid="bad-ctl", summary="esc\x1bnul\x00").encode(),
    "not-utf8": event(uid="bad-latin1", summary="Gr\xfc\xdfe").encode("latin-1"),
    "garbage": b"\x00\xff not a calendar at all",
    "truncated": event(uid="bad-trunc").encode()[:90],
}


@pytest.mark.parametrize("kind", BAD_CALENDAR_BODIES)
def test_every_calendar_reader_survives_a_bad_stored_object(login, kind):
    path = new_calendar(login)
    stored = {
        name: login.request("PUT", path + name, event(summary=name), **CALENDAR_TYPE)
        for name in ("good.ics", "bad.ics")
    }
    corrupt(stored["bad.ics"], BAD_CALENDAR_BODIES[kind])
    answers = calendar_answers(login, path)
    assert_no_server_error(answers)
    calendar_data = f"{{{NS['C']}}}calendar-data"
    for reader in ("multiget", "query", "sync"):
        found = data_of(answers[reader], calendar_data)
        assert "SUMMARY:good.ics" in (found[path + "good.ics"] or ""), reader
        if kind == "cr-only":  # read with CRLF endings, as a PUT of it stores it now
            assert "\r\nUID:bad-cr\r\n" in found[path + "bad.ics"], reader
        elif kind != "truncated":  # text XML can carry is served as stored; a query cannot match it
            assert found.get(path + "bad.ics") is None, reader
    assert b"SUMMARY:good.ics" in answers["export"].content
    assert b"FREEBUSY" in answers["free-busy"].content


BAD_VCARD_BODIES = {
    "control": card("bad-ctl", extra="NOTE:esc\x1bnul\x00\r\n").encode(),
    "cr-only": card("bad-cr").replace("\r\n", "\r").encode(),
    "not-utf8": card("bad-latin1", "M\xfcller").encode("latin-1"),
    "garbage": b"\x00\xff not a vcard",
}


@pytest.mark.parametrize("kind", BAD_VCARD_BODIES)
def test_every_address_book_reader_survives_a_bad_stored_vcard(login, kind):
    path = book(login)
    stored = {
        uid: login.request(
            "PUT", f"{path}{uid}.vcf", card(f"{uid}-{uuid.uuid4()}", f"Person {uid}"), **VCARD_TYPE
        )
        for uid in ("good", "bad")
    }
    corrupt(stored["bad"], BAD_VCARD_BODIES[kind])
    answers = addressbook_answers(login, path)
    assert_no_server_error(answers)
    address_data = f"{{{CR_NS}}}address-data"
    for reader in ("multiget", "query", "sync"):
        found = data_of(answers[reader], address_data)
        assert "FN:Person good" in (found[path + "good.vcf"] or ""), reader
        assert "\x1b" not in (found.get(path + "bad.vcf") or ""), reader


# --- schema upgrade 6: rows stored by earlier versions ----------------------------------


def test_upgrade_repairs_bare_cr_rows_and_quarantines_unreadable_ones(tmp_path):
    from tests.server_harness import FreshDatabase
    from tests.test_cli import davserver
    from tests.test_schema_upgrade import SERIES, run_sql

    database = FreshDatabase(str(tmp_path))
    try:
        ics = tmp_path / "two.ics"
        ics.write_text(SERIES, newline="")
        assert (
            davserver(
                "credential",
                "add",
                "repairer",
                "--confirmed",
                "--database",
                database.url,
                stdin="pw-repair\n",
            ).returncode
            == 0
        )
        assert (
            davserver(
                "import",
                "--database",
                database.url,
                "--calendar",
                "/dav/calendars/repairer/old/",
                str(ics),
            ).returncode
            == 0
        )
        run_sql(
            database.url,
            r"""
            for object_id, uid, body in db.execute_sql('SELECT id, uid, body FROM stored_object').fetchall():
                body = bytes(body).replace(b"\r\n", b"\r")
                if uid == "allday-upgrade":
                    body = body.replace(b"SUMMARY:Holiday", b"SUMMARY:Holi\x1bday")
                db.execute_sql(f'UPDATE stored_object SET body = {db.param} WHERE id = {db.param}', (body, object_id))
            db.execute_sql('UPDATE schema_version SET version = 4')
        """,
        )
        opened = davserver("credential", "list", "--database", database.url)  # opens and upgrades
        assert opened.returncode == 0, opened.stderr
        listed = run_sql(
            database.url,
            r"""
            from resources.objects.stored_objects import compute_etag
            for uid, body, etag in db.execute_sql('SELECT uid, body, etag FROM stored_object ORDER BY uid').fetchall():
                body = bytes(body)
                print(uid, b"\r\n" in body, b"\x1b" in body, etag == compute_etag(body))
            print(db.execute_sql('SELECT version FROM schema_version').fetchall())
        """,
        )
        # Both are rewritten with CRLF; the one with ESC is kept (quarantined), never dropped.
        assert listed.splitlines() == [
            "allday-upgrade True True True",
            "weekly-upgrade True False True",
            f"[({SCHEMA_VERSION},)]",
        ]
        assert (
            "quarantined the object" in opened.stderr
            and "old" in opened.stderr
            and "repairer" in opened.stderr
        )
    finally:
        database.drop()


# --- bounds on vCards ---------------------------------------------------------------------


def test_a_vcard_over_max_vcard_size_is_refused_while_others_are_served(server, login, other_login):
    limit = server.settings.max_vcard_size
    assert limit == 1024 * 1024
    huge = card("huge", extra="NOTE:" + "x" * limit + "\r\n")
    r = login.request("PUT", book(login) + "huge.vcf", huge, **VCARD_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == f"{{{CR_NS}}}max-resource-size"
    assert str(limit) in r.text
    fitting = card("fits", extra="NOTE:" + "y" * (limit - 1000) + "\r\n")
    assert login.request("PUT", book(login) + "fits.vcf", fitting, **VCARD_TYPE).status_code == 201
    assert (
        other_login.request("PUT", book(other_login) + "a.vcf", card("a"), **VCARD_TYPE).status_code
        == 201
    )
    with ThreadPoolExecutor(
        4
    ) as pool:  # four oversized cards at once, as in the probe, and a reader meanwhile
        refused = [
            pool.submit(login.request, "PUT", f"{book(login)}h{n}.vcf", huge, **VCARD_TYPE)
            for n in range(4)
        ]
        assert other_login.request("GET", book(other_login) + "a.vcf").status_code == 200
        assert [future.result(timeout=60).status_code for future in refused] == [403] * 4


def test_company_book_escapes_bare_cr_and_drops_control_characters(login):
    from resources.company_directory import directory
    from resources.store.database import write_transaction
    from resources.store.directory import ContactPerson

    tag = uuid.uuid4().hex[:6]
    directory.enable_company_book()
    company = directory.create_company(name=f"Escape {tag} GmbH", category="customer")
    contact = directory.create_contact(
        company.id,
        first_name="Cora",
        last_name=f"Carriage{tag}",
        position="Buyer\rEMAIL:injected@evil.example",
        department="Sales",
    )
    # The directory now refuses control characters; an earlier version stored them as given.
    ContactPerson.update(department="Sales\x1b\x07East").where(
        ContactPerson.id == contact.id
    ).execute()
    with write_transaction():
        directory.publish_contact(contact.id)
    path = f"/dav/addressbooks/{login.username}/company/"
    answers = addressbook_answers(login, path)
    assert_no_server_error(answers)
    texts = [
        text
        for text in data_of(answers["query"], f"{{{CR_NS}}}address-data").values()
        if text and tag in text
    ]
    assert len(texts) == 1, texts
    lines = texts[0].split("\r\n")
    assert "TITLE:Buyer\\nEMAIL:injected@evil.example" in lines
    assert not any(line.startswith("EMAIL:injected") for line in lines)
    assert f"ORG:Escape {tag} GmbH;SalesEast" in lines


# --- one object's VTIMEZONE never places another's events -----------------------------------


def zoned_event(tzid: str, offset: str, uid: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
        f'DTSTART;TZID="{tzid}":20261124T100000\r\nDTEND;TZID="{tzid}":20261124T110000\r\n'
        "SUMMARY:Zoned\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _window(hour_start: str, hour_end: str) -> str:
    return f'<C:time-range start="20261124T{hour_start}Z" end="20261124T{hour_end}Z"/>'


@pytest.mark.parametrize("bogus_first", [True, False])
@pytest.mark.parametrize("tzid", ["Office Time", "Europe/Berlin"])
def test_another_logins_vtimezone_never_moves_an_event(login, other_login, tzid, bogus_first):
    a_path, b_path = new_calendar(other_login), new_calendar(login)
    bogus = zoned_event(tzid, "+1000", f"a-{uuid.uuid4()}")
    correct = zoned_event(
        tzid, "+0100", f"b-{uuid.uuid4()}"
    )  # Berlin in November: 10:00 is 09:00 UTC
    puts = [(other_login, a_path, bogus), (login, b_path, correct)]
    for who, path, body in puts if bogus_first else puts[::-1]:
        assert who.request("PUT", path + "e.ics", body, **CALENDAR_TYPE).status_code == 201
    other_login.request(
        "PUT", a_path + "e2.ics", bogus.replace("UID:a-", "UID:a2-"), **CALENDAR_TYPE
    )
    hits = report(login, b_path, CALENDAR_QUERY.format(range=_window("090000", "093000")))
    misses = report(login, b_path, CALENDAR_QUERY.format(range=_window("000000", "010000")))
    assert [h for h in responses(hits.content) if h.endswith("e.ics")], hits.text
    assert not [h for h in responses(misses.content) if h.endswith("e.ics")], misses.text
    free_busy = report(login, b_path, FREE_BUSY)
    assert "20261124T090000Z/20261124T100000Z" in free_busy.text.replace("\r\n ", ""), (
        free_busy.text
    )
