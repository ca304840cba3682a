"""What a PBX or FRITZ!Box sees through a CardDAV integration login (issue 13 item 6):
exactly one address book wherever it looks, vCard 3.0 cards with at most nine numbers,
its daily full sync without preemptive auth (401, then PROPFIND Depth 1 and
addressbook-multiget), and caller lookups by addressbook-query that follow every change
of the company book."""

from __future__ import annotations

import uuid

import pytest
import requests

from resources.company_directory import directory, phonebook
from resources.company_directory.vcard_builder import MAX_NUMBERS, phone_lines
from resources.store.directory import PhonebookEntry
from tests.company_book_reading import field
from tests.davxml import propfind_body, q, responses

CR = "urn:ietf:params:xml:ns:carddav"
XML = {"Content-Type": "application/xml; charset=utf-8"}


class Pbx:
    """A FRITZ!Box-like client: never sends credentials until a 401 asks for them."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url, self.auth = base_url, (username, password)
        self.http = requests.Session()
        self.challenges = 0

    def request(self, method: str, path: str, body: str | bytes, depth: str) -> requests.Response:
        headers = {**XML, "Depth": depth}
        url = self.base_url + path
        first = self.http.request(method, url, data=body, headers=headers)
        if first.status_code != 401:
            return first
        assert first.headers["WWW-Authenticate"].startswith('Basic realm="davserver"')
        self.challenges += 1
        return self.http.request(method, url, data=body, headers=headers, auth=self.auth)


@pytest.fixture(scope="module")
def pbx(server):
    from tests.api_helpers import api_as
    from tests.logins import unique

    admin = api_as(server, "admin")
    account = admin.created("/users", {"login": unique("pbx")})
    made = admin.post("/carddav-integrations", {"user": account["id"]}).json()
    client = Pbx(server.base_url, made["username"], made["password"])
    client.book = made["url"].removeprefix(server.base_url)  # type: ignore[attr-defined]
    client.username = made["username"]  # type: ignore[attr-defined]
    return client


def multiget(hrefs: list[str]) -> str:
    listed = "".join(f"<D:href>{href}</D:href>" for href in hrefs)
    return (
        f'<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/>'
        f"<CR:address-data/></D:prop>{listed}</CR:addressbook-multiget>"
    )


def lookup(number: str, match_type: str = "contains", prop: str = "TEL") -> str:
    return (
        f'<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/>'
        f'<CR:address-data/></D:prop><CR:filter><CR:prop-filter name="{prop}">'
        f'<CR:text-match match-type="{match_type}">{number}</CR:text-match>'
        "</CR:prop-filter></CR:filter></CR:addressbook-query>"
    )


def looked_up(pbx, text: str, prop: str = "TEL", match_type: str = "contains") -> list[str]:
    r = pbx.request("REPORT", pbx.book, lookup(text, match_type, prop), "1")
    assert r.status_code == 207, r.text
    return [props[f"{{{CR}}}address-data"][1].text for props in responses(r.content).values()]


def book_hrefs_seen(pbx, path: str) -> set[str]:
    """The address books a Depth 1 PROPFIND of `path` shows."""
    r = pbx.request("PROPFIND", path, propfind_body("D:resourcetype"), "1")
    if r.status_code == 404:
        return set()
    assert r.status_code == 207, (path, r.text)
    return {
        href
        for href, props in responses(r.content).items()
        if q("D", "resourcetype") in props
        and props[q("D", "resourcetype")][1].find(f"{{{CR}}}addressbook") is not None
    }


def test_an_integration_login_sees_exactly_one_address_book_wherever_it_looks(pbx):
    user = pbx.username
    seen: set[str] = set()
    for path in (
        "/dav/",
        f"/dav/principals/{user}/",
        "/dav/addressbooks/",
        f"/dav/addressbooks/{user}/",
        f"/dav/calendars/{user}/",
        pbx.book,
    ):
        seen |= book_hrefs_seen(pbx, path)
    assert seen == {pbx.book}


@pytest.fixture(scope="module")
def filled(pbx):
    tag = uuid.uuid4().hex[:6]
    directory.enable_company_book()
    firm = directory.create_company(name=f"Firm {tag}", category="customer", phone=f"+49 30 {tag}0")
    directory.create_contact(
        firm.id,
        first_name="Carla",
        last_name=f"Caller{tag}",
        phone_work=f"+49 30 {tag}1",
        phone_mobile=f"+49 171 {tag}2",
        phone_fax=f"+49 30 {tag}9",
        emails=f"carla@{tag}.example",
    )
    entries = [
        {
            "first_name": f"P{n}",
            "last_name": f"Book{tag}",
            "phone_work": f"+49 89 {tag}{n:03}",
            "phone_mobile": f"+49 160 {tag}{n:03}",
            "phone_home": f"+49 89 {tag}{n:03}9",
            "external_id": str(n),
        }
        for n in range(30)
    ]
    phonebook.import_source(f"crm-{tag}", entries)
    return tag


def test_a_fritzbox_full_sync_without_preemptive_auth(pbx, filled):
    before = pbx.challenges
    listing = pbx.request("PROPFIND", pbx.book, propfind_body("D:getetag", "D:resourcetype"), "1")
    assert listing.status_code == 207
    etags = {
        href: props[q("D", "getetag")][1].text
        for href, props in responses(listing.content).items()
        if href != pbx.book
    }
    assert len(etags) >= 31
    # The shared test server's book holds other modules' cards too (some thousands): ask
    # in batches below the server's multiget limit, each without preemptive auth.
    hrefs, cards = sorted(etags), {}
    batches = [hrefs[start : start + 2000] for start in range(0, len(hrefs), 2000)]
    for batch in batches:
        got = pbx.request("REPORT", pbx.book, multiget(batch), "1")
        assert got.status_code == 207
        cards.update(responses(got.content))
    assert pbx.challenges == before + 1 + len(batches)
    assert set(cards) == set(etags)
    for href, props in cards.items():
        assert props[q("D", "getetag")][1].text == etags[href]
        card = props[f"{{{CR}}}address-data"][1].text
        assert field(card, "VERSION") == ["3.0"] and len(field(card, "TEL")) <= MAX_NUMBERS


def test_cards_carry_work_mobile_and_home_numbers_first():
    numbers = [(f"+49 30 {n}", kind) for n, kind in enumerate(["WORK,FAX", "HOME,VOICE"] * 3)]
    numbers += [(f"+49 171 {n}", "CELL,VOICE") for n in range(4)]
    numbers += [("+49 30 7", "WORK,VOICE"), ("+49 30 7", "WORK,VOICE")]
    lines = phone_lines(numbers)
    assert len(lines) == MAX_NUMBERS
    assert lines[0] == "TEL;TYPE=WORK,VOICE:+49 30 7"
    assert [line.split(":")[0] for line in lines[1:5]] == ["TEL;TYPE=CELL,VOICE"] * 4
    assert [line.split(":")[0] for line in lines[5:8]] == ["TEL;TYPE=HOME,VOICE"] * 3
    assert lines[8] == "TEL;TYPE=WORK,FAX:+49 30 0"


def test_a_caller_is_found_by_number_e_mail_and_name(pbx, filled):
    tag = filled
    found = looked_up(pbx, f"{tag}1")
    assert [field(card, "FN") for card in found] == [[f"Carla Caller{tag}"]]
    assert len(looked_up(pbx, f"+49 89 {tag}00", "TEL", "starts-with")) == 10  # P0 to P9
    assert len(looked_up(pbx, f"+49 89 {tag}0079", "TEL", "equals")) == 1
    assert len(looked_up(pbx, f"carla@{tag}.EXAMPLE", "EMAIL", "equals")) == 1
    assert len(looked_up(pbx, f"book{tag}", "FN", "ends-with")) == 30


def test_lookups_follow_every_change_of_the_company_book(pbx, filled):
    tag = filled
    carla = next(c for c in directory.list_contacts() if c.last_name == f"Caller{tag}")
    directory.update_contact(carla.id, {"phone_work": f"+49 40 {tag}5"})
    assert looked_up(pbx, f"+49 30 {tag}1") == []
    assert len(looked_up(pbx, f"+49 40 {tag}5")) == 1
    directory.delete_contact(carla.id)
    assert looked_up(pbx, f"+49 40 {tag}5") == []

    source = f"crm-{tag}"
    entry = PhonebookEntry.get(
        (PhonebookEntry.origin == source) & (PhonebookEntry.external_id == "3")
    )
    PhonebookEntry.update(phone_work=f"+49 69 {tag}3").where(
        PhonebookEntry.id == entry.id
    ).execute()
    phonebook.publish_synced_batch(source, [PhonebookEntry.get_by_id(entry.id)], [])  # a run
    assert looked_up(pbx, f"+49 89 {tag}003", "TEL", "equals") == []
    assert len(looked_up(pbx, f"+49 69 {tag}3", "TEL", "equals")) == 1
    phonebook.publish_synced_batch(source, [], [PhonebookEntry.get_by_id(entry.id)])
    assert looked_up(pbx, f"+49 69 {tag}3", "TEL", "equals") == []
    kept = phonebook.import_source(source, [])
    assert kept.deleted == 30 and looked_up(pbx, f"book{tag}", "FN") == []


def test_a_request_without_credentials_gets_the_basic_challenge(server, pbx):
    for method, body in (("PROPFIND", propfind_body("D:getetag")), ("REPORT", multiget(["/x"]))):
        r = requests.request(method, server.base_url + pbx.book, data=body, headers=XML)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="davserver", charset="UTF-8"'
