"""The query plans of calendar-query and addressbook-query (RFC 4791 §7.8, RFC 6352 §8.6)
in resources.objects: over real HTTP, what an object beyond the limits does to the
answer; and the plans run directly on the suite's database, with bodies parsed as the
REPORT handlers parse them, giving what the REPORTs answer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from davserver.caldav.query_xml import parse_calendar_query
from davserver.carddav.query_xml import parse_addressbook_query
from davserver.dav.xml import parse_xml
from resources.auth.credentials import find_credential
from resources.objects.addressbook_query_plan import LimitExceeded, addressbook_query_results
from resources.objects.calendar_collections import by_path
from resources.objects.calendar_query_plan import CalendarQueryPlan, InstanceLimitReached
from resources.objects.card_index import index_stored
from resources.objects.stored_objects import WriteConditions, put_calendar_object
from resources.store.hot_queries import ObjectWithBody
from resources.store.models import Collection, StoredObject
from tests.davxml import NS, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event

CR_NS = "urn:ietf:params:xml:ns:carddav"
VCARD_TYPE = {"Content_Type": "text/vcard; charset=utf-8"}
NOW = datetime.now(UTC).replace(microsecond=0)
OLD_CODE = 0  # max_instances: store without counting, as a database from before the limit
SUMMARY_PLAIN = '<C:prop-filter name="SUMMARY"><C:text-match>plain</C:text-match></C:prop-filter>'


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def series(rule: str, start: datetime, summary: str = "series") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uuid.uuid4()}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(start)}\r\n"
        f"DURATION:PT1M\r\nRRULE:{rule}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def plain_event(hours_from_now: int, summary: str = "plain") -> str:
    start = NOW + timedelta(hours=hours_from_now)
    return event(summary=summary, start=stamp(start), end=stamp(start + timedelta(hours=1)))


def new_calendar(login) -> tuple[str, Collection]:
    name = f"plan-{uuid.uuid4().hex[:8]}"
    path = f"{login.home_path}{name}/"
    assert login.request("MKCALENDAR", path).status_code == 201
    return path, by_path(find_credential(login.username).id, name)


def put(login, href: str, body: str, kind: dict = CALENDAR_TYPE) -> None:
    assert login.request("PUT", href, body, **kind).status_code == 201


def store_old(collection: Collection, path: str, name: str, body: str) -> str:
    """Store `body` as if it had been written before max-instances existed."""
    put_calendar_object(
        collection, name, body.encode(), WriteConditions(), max_size=10**7, max_instances=OLD_CODE
    )
    return path + name


def calendar_query_body(start: datetime, end: datetime, inner: str = "", data: str = "") -> str:
    return (
        f'<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="{NS["C"]}">'
        f"<D:prop><D:getetag/>{data}</D:prop>"
        f'<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{stamp(start)}" end="{stamp(end)}"/>{inner}'
        f"</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )


def expand(start: datetime, end: datetime) -> str:
    return (
        f'<C:calendar-data><C:expand start="{stamp(start)}" end="{stamp(end)}"/></C:calendar-data>'
    )


def report(login, path: str, body: str):
    r = login.request("REPORT", path, body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return r


def planned(body: str, collection: Collection) -> tuple[CalendarQueryPlan, list]:
    """The calendar plan for a REPORT body and its results, flat, as the handler reads them."""
    plan = CalendarQueryPlan(parse_calendar_query(parse_xml(body.encode())), collection)
    return plan, [found for page in plan.results() for found in page]


# -- calendar-query: one object beyond the limits, over HTTP --------------------------------------


def test_an_object_not_decidable_within_max_instances_is_answered_alone(login):
    """A minutely series stored before the limit would need more than max-instances
    instances to test SUMMARY in a month: that object gets 403, the others their answer."""
    path, collection = new_calendar(login)
    bomb = store_old(
        collection, path, "bomb.ics", series("FREQ=MINUTELY;COUNT=1000000", NOW - timedelta(days=1))
    )
    put(login, path + "plain.ics", plain_event(1))
    r = report(login, path, calendar_query_body(NOW, NOW + timedelta(days=31), SUMMARY_PLAIN))
    answer = responses(r.content)
    assert set(answer) == {bomb, path + "plain.ics"}
    assert answer[bomb]["status"][0] == 403
    assert b"<C:max-instances/>" in r.content and b"more than 10000" in r.content
    assert answer[path + "plain.ics"][q("D", "getetag")][0] == 200


def test_an_expansion_over_max_instances_in_all_is_cut_after_what_fits(login):
    """Each series has 4,000 instances in the range, within the limit; the third would take
    the answer past 10,000: the first two are answered, then 507 for the calendar."""
    path, _ = new_calendar(login)
    for name in ("a.ics", "b.ics", "c.ics"):
        put(login, path + name, series("FREQ=HOURLY;COUNT=4000", NOW))
    start, end = NOW, NOW + timedelta(days=200)
    r = report(login, path, calendar_query_body(start, end, data=expand(start, end)))
    answer = responses(r.content)
    assert set(answer) == {path, path + "a.ics", path + "b.ics"}
    for name in ("a.ics", "b.ics"):
        status, data = answer[path + name][q("C", "calendar-data")]
        assert status == 200 and data.text.count("BEGIN:VEVENT") == 4000
    assert answer[path]["status"][0] == 507
    assert b"<D:number-of-matches-within-limits/>" in r.content


# -- calendar-query: the plan itself ---------------------------------------------------------------


def test_the_calendar_plan_finds_what_the_report_answers_in_name_order(login):
    path, collection = new_calendar(login)
    put(login, path + "b-plain.ics", plain_event(2))
    put(login, path + "a-weekly.ics", series("FREQ=WEEKLY;COUNT=10", NOW - timedelta(days=20)))
    put(login, path + "c-next-year.ics", plain_event(24 * 400))
    put(login, path + "d-other.ics", plain_event(3, summary="other"))
    start, end = NOW, NOW + timedelta(days=7)
    body = calendar_query_body(start, end, data=expand(start, end))
    plan, found = planned(body, collection)
    assert all(isinstance(row, ObjectWithBody) for row in found)
    assert [row.name for row in found] == ["a-weekly.ics", "b-plain.ics", "d-other.ics"]
    answer = responses(report(login, path, body).content)
    assert {path + row.name: plan.calendar_data(row) for row in found} == {
        href: props[q("C", "calendar-data")][1].text for href, props in answer.items()
    }
    _, narrowed = planned(calendar_query_body(start, end, SUMMARY_PLAIN), collection)
    assert [row.name for row in narrowed] == ["b-plain.ics"]


def test_the_calendar_plan_yields_an_undecidable_object_as_its_own_result(login):
    path, collection = new_calendar(login)
    store_old(
        collection, path, "bomb.ics", series("FREQ=MINUTELY;COUNT=1000000", NOW - timedelta(days=1))
    )
    put(login, path + "plain.ics", plain_event(1))
    _, found = planned(
        calendar_query_body(NOW, NOW + timedelta(days=31), SUMMARY_PLAIN), collection
    )
    undecided, match = found
    assert isinstance(undecided, InstanceLimitReached) and undecided.row.name == "bomb.ics"
    assert "max-instances" in undecided.message
    assert isinstance(match, ObjectWithBody) and match.name == "plain.ics"


def test_the_calendar_plan_skips_an_unreadable_stored_object(login):
    path, collection = new_calendar(login)
    for name in ("bad.ics", "good.ics"):
        put(login, path + name, plain_event(1))
    StoredObject.update(body=b"\x00\xff not a calendar").where(
        (StoredObject.collection == collection.id) & (StoredObject.name == "bad.ics")
    ).execute()
    _, found = planned(calendar_query_body(NOW, NOW + timedelta(days=1), SUMMARY_PLAIN), collection)
    assert [row.name for row in found] == ["good.ics"]


# -- addressbook-query: the plan itself ------------------------------------------------------------


def card(name: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uuid.uuid4()}\r\nFN:{name}\r\nN:{name};;;;\r\nEND:VCARD\r\n"


def addressbook_query_body(text: str, limit: int | None = None) -> str:
    limit_xml = f"<CR:limit><CR:nresults>{limit}</CR:nresults></CR:limit>" if limit else ""
    return (
        f'<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR_NS}"><D:prop><D:getetag/></D:prop>'
        f'<CR:filter><CR:prop-filter name="FN"><CR:text-match>{text}</CR:text-match>'
        f"</CR:prop-filter></CR:filter>{limit_xml}</CR:addressbook-query>"
    )


def card_results(body: str, collection: Collection) -> list:
    query = parse_addressbook_query(parse_xml(body.encode()))
    return [found for page in addressbook_query_results(query, collection) for found in page]


def test_the_addressbook_plan_matches_skips_unreadable_cards_and_stops_at_the_limit(login):
    path = f"/dav/addressbooks/{login.username}/contacts/"
    for name in ("anna", "bad", "berta", "carla", "dora"):
        put(login, f"{path}{name}.vcf", card(f"{name.title()} Plan"), VCARD_TYPE)
    collection = by_path(find_credential(login.username).id, "contacts", home="addressbooks")
    StoredObject.update(body=b"\x00\xff not a vcard").where(
        (StoredObject.collection == collection.id) & (StoredObject.name == "bad.vcf")
    ).execute()
    # A card whose stored body cannot be read has no search fields (as after the backfill
    # of schema step 14 read it), so no text-match finds it.
    index_stored(collection.id, ["bad.vcf"])
    found = card_results(addressbook_query_body("plan"), collection)
    assert [row.name for row in found] == ["anna.vcf", "berta.vcf", "carla.vcf", "dora.vcf"]
    *matches, beyond = card_results(addressbook_query_body("plan", limit=2), collection)
    assert [row.name for row in matches] == ["anna.vcf", "berta.vcf"]
    assert isinstance(beyond, LimitExceeded)
    assert len(card_results(addressbook_query_body("plan", limit=4), collection)) == 4
    answer = responses(report(login, path, addressbook_query_body("plan", limit=2)).content)
    assert set(answer) == {path, f"{path}anna.vcf", f"{path}berta.vcf"}
    assert answer[path]["status"][0] == 507
