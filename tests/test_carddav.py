"""CardDAV (RFC 6352) with personal address books, through HTTP as clients use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.davxml import NS, error_condition, hrefs_in, propfind_body, q, responses

DATA = Path(__file__).parent / "data" / "vcard"
CR = "urn:ietf:params:xml:ns:carddav"
NS_CR = {**NS, "CR": CR}
VCARD_TYPE = {"Content_Type": "text/vcard; charset=utf-8"}
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}


def card(uid: str, name: str = "Erika Mustermann", extra: str = "", version: str = "3.0") -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\nFN:{name}\r\nN:{name.split()[-1]};{name.split()[0]};;;\r\n"
        f"{extra}END:VCARD\r\n"
    )


def book(login) -> str:
    return f"/dav/addressbooks/{login.username}/contacts/"


def props(login, path, *names, depth="0"):
    body = propfind_body(*names).replace(b"<D:propfind ", f'<D:propfind xmlns:CR="{CR}" '.encode())
    r = login.request("PROPFIND", path, body, Depth=depth, **XML_TYPE)
    assert r.status_code == 207, r.text
    return responses(r.content)


def test_principal_points_to_the_address_book_home_with_contacts_and_company(login):
    found = props(login, login.principal_path, "CR:addressbook-home-set")[login.principal_path]
    home = f"/dav/addressbooks/{login.username}/"
    assert hrefs_in(found[f"{{{CR}}}addressbook-home-set"][1]) == [home]
    listing = props(login, home, "D:resourcetype", "D:displayname", depth="1")
    assert set(listing) == {home, book(login), home + "company/"}
    assert listing[book(login)][q("D", "resourcetype")][1].find(f"{{{CR}}}addressbook") is not None


def test_put_get_delete_vcards_in_both_versions(login):
    for version in ("3.0", "4.0"):
        path = f"{book(login)}card-{version}.vcf"
        body = card(f"uid-{version}", version=version)
        created = login.request("PUT", path, body, **VCARD_TYPE)
        assert created.status_code == 201, created.text
        got = login.request("GET", path)
        assert got.content == body.encode() and got.headers["ETag"] == created.headers["ETag"]
        assert login.request("DELETE", path, If_Match=created.headers["ETag"]).status_code == 204


@pytest.mark.parametrize(
    "body, condition",
    [
        ("not a vcard", "valid-address-data"),
        ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Old\r\nEND:VCARD\r\n", "valid-address-data"),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:No;Name\r\nEND:VCARD\r\n", "valid-address-data"),
        (card("a") + card("b"), "valid-address-data"),
    ],
)
def test_invalid_vcards_are_refused(login, body, condition):
    r = login.request("PUT", book(login) + "bad.vcf", body, **VCARD_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == f"{{{CR}}}{condition}"


def test_uid_conflict_names_the_holder(login):
    login.request("PUT", book(login) + "one.vcf", card("same"), **VCARD_TYPE)
    r = login.request("PUT", book(login) + "two.vcf", card("same"), **VCARD_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == f"{{{CR}}}no-uid-conflict"
    assert hrefs_in(etree.fromstring(r.content)) == [book(login) + "one.vcf"]


def test_wrong_content_type_and_size(server, login):
    r = login.request("PUT", book(login) + "x.vcf", card("x"), Content_Type="text/calendar")
    assert r.status_code == 415 and error_condition(r.content) == f"{{{CR}}}supported-address-data"
    huge = card("big", extra="NOTE:" + "x" * (server.settings.max_resource_size + 10) + "\r\n")
    r = login.request("PUT", book(login) + "big.vcf", huge, **VCARD_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == f"{{{CR}}}max-resource-size"


def test_photo_is_kept_byte_for_byte_and_versions_convert(login):
    body = (DATA / "ios5_30_photo_base64_item_groups.vcf").read_bytes()
    path = book(login) + "photo.vcf"
    assert login.request("PUT", path, body, **VCARD_TYPE).status_code == 201
    assert login.request("GET", path).content == body
    as_v4 = login.request("GET", path, Accept="text/vcard; version=4.0")
    assert "VERSION:4.0" in as_v4.text and "PHOTO:data:image/jpeg;base64," in as_v4.text.replace(
        "\r\n ", ""
    )
    v4 = (DATA / "rfc6350_40_bday_without_year_tel_uri.vcf").read_bytes()
    login.request("PUT", book(login) + "v4.vcf", v4, **VCARD_TYPE)
    as_v3 = login.request("GET", book(login) + "v4.vcf", Accept="text/vcard;version=3.0").text
    assert (
        "VERSION:3.0" in as_v3
        and "tel:" not in as_v3.replace("\r\n ", "").lower().split("tel;", 1)[-1][:40]
    )


def test_real_client_vcards(login):
    for name in (
        "nextcloud_contacts_40_photo_data_uri_empty_props.vcf",
        "apple_addressbook_30_photo_base64_76kb.vcf",
        "rfc6350_40_bday_without_year_tel_uri.vcf",
    ):
        r = login.request("PUT", book(login) + name, (DATA / name).read_bytes(), **VCARD_TYPE)
        assert r.status_code == 201, (name, r.text)
    for name in (
        "broken_vcard_begin_end_only.vcf",
        "google_contacts_30_multiple_cards_one_file.vcf",
        "android_21_multi_contact_qp_utf8_photo.vcf",
        "thunderbird_cardbook_40_umlauts_multi_tel_email.vcf",
    ):
        r = login.request("PUT", book(login) + name, (DATA / name).read_bytes(), **VCARD_TYPE)
        assert r.status_code == 403, (name, r.text)


def _query(login, filter_xml, limit=""):
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/><CR:address-data/></D:prop>
<CR:filter {filter_xml}</CR:filter>{limit}</CR:addressbook-query>"""
    r = login.request("REPORT", book(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return {h.rsplit("/", 1)[-1] for h, p in responses(r.content).items() if "status" not in p}, r


@pytest.fixture
def people(login):
    cards = {
        "anna.vcf": card(
            "anna", "Anna Berger", "EMAIL;TYPE=WORK:anna@firma.de\r\nTEL;TYPE=CELL:+49 170 1\r\n"
        ),
        "ben.vcf": card("ben", "Ben Koch", "EMAIL;TYPE=HOME:ben@example.com\r\n"),
        "cem.vcf": card("cem", "Cem Özdemir", "TEL;TYPE=WORK:+49 30 2\r\n"),
    }
    for name, body in cards.items():
        login.request("PUT", book(login) + name, body, **VCARD_TYPE)
    return cards


@pytest.mark.parametrize(
    "filter_xml, expected",
    [
        (
            '><CR:prop-filter name="FN"><CR:text-match match-type="equals">anna berger</CR:text-match></CR:prop-filter>',
            {"anna.vcf"},
        ),
        (
            '><CR:prop-filter name="FN"><CR:text-match match-type="starts-with">Be</CR:text-match></CR:prop-filter>',
            {"ben.vcf"},
        ),
        (
            '><CR:prop-filter name="FN"><CR:text-match match-type="ends-with">KOCH</CR:text-match></CR:prop-filter>',
            {"ben.vcf"},
        ),
        (
            '><CR:prop-filter name="FN"><CR:text-match>özd</CR:text-match></CR:prop-filter>',
            {"cem.vcf"},
        ),
        (
            '><CR:prop-filter name="FN"><CR:text-match collation="i;octet">berger</CR:text-match></CR:prop-filter>',
            set(),
        ),
        (
            '><CR:prop-filter name="EMAIL"><CR:param-filter name="TYPE"><CR:text-match match-type="equals">work</CR:text-match></CR:param-filter></CR:prop-filter>',
            {"anna.vcf"},
        ),
        ('test="allof"><CR:prop-filter name="EMAIL"/><CR:prop-filter name="TEL"/>', {"anna.vcf"}),
        (
            'test="anyof"><CR:prop-filter name="EMAIL"/><CR:prop-filter name="TEL"/>',
            {"anna.vcf", "ben.vcf", "cem.vcf"},
        ),
        ('><CR:prop-filter name="TEL"><CR:is-not-defined/></CR:prop-filter>', {"ben.vcf"}),
        (
            '><CR:prop-filter name="FN"><CR:text-match negate-condition="yes">anna</CR:text-match></CR:prop-filter>',
            {"ben.vcf", "cem.vcf"},
        ),
    ],
)
def test_addressbook_query(login, people, filter_xml, expected):
    assert _query(login, filter_xml)[0] == expected


def test_addressbook_query_limit_and_unknown_collation(login, people):
    found, r = _query(
        login, '><CR:prop-filter name="FN"/>', "<CR:limit><CR:nresults>2</CR:nresults></CR:limit>"
    )
    assert len(found) == 2 and responses(r.content)[book(login)]["status"][0] == 507
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/></D:prop><CR:filter>
<CR:prop-filter name="FN"><CR:text-match collation="x;nope">a</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>"""
    r = login.request("REPORT", book(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 403 and error_condition(r.content) == f"{{{CR}}}supported-collation"


def test_addressbook_multiget_with_version(login, people):
    body = f"""<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/>
<CR:address-data content-type="text/vcard" version="4.0"/></D:prop>
<D:href>{book(login)}anna.vcf</D:href><D:href>{book(login)}missing.vcf</D:href></CR:addressbook-multiget>"""
    r = login.request("REPORT", book(login), body, Depth="1", **XML_TYPE)
    found = responses(r.content)
    assert "VERSION:4.0" in found[book(login) + "anna.vcf"][f"{{{CR}}}address-data"][1].text
    assert found[book(login) + "missing.vcf"]["status"][0] == 404


def test_empty_addressbook_multiget_names_addressbook_multiget(login):
    body = f'<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/></D:prop></CR:addressbook-multiget>'
    r = login.request("REPORT", book(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 400
    assert "addressbook-multiget needs at least one DAV:href" in r.text
    assert "calendar-multiget" not in r.text


def test_sync_collection_and_ctag_on_address_book(login, people):
    before = props(login, book(login), "CS:getctag")[book(login)][q("CS", "getctag")][1].text
    sync = '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>'
    r = login.request("REPORT", book(login), sync, Depth="0", **XML_TYPE)
    token = etree.fromstring(r.content).findtext("D:sync-token", namespaces=NS)
    login.request("DELETE", book(login) + "ben.vcf")
    after = props(login, book(login), "CS:getctag")[book(login)][q("CS", "getctag")][1].text
    assert after != before
    delta = login.request(
        "REPORT",
        book(login),
        sync.replace("<D:sync-token/>", f"<D:sync-token>{token}</D:sync-token>"),
        Depth="0",
        **XML_TYPE,
    )
    assert responses(delta.content)[book(login) + "ben.vcf"]["status"][0] == 404


def test_me_card_proppatch_is_accepted(login):
    home = f"/dav/addressbooks/{login.username}/"
    body = f"""<D:propertyupdate xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:set><D:prop>
<CS:me-card><D:href>{book(login)}me.vcf</D:href></CS:me-card></D:prop></D:set></D:propertyupdate>"""
    r = login.request("PROPPATCH", home, body, **XML_TYPE)
    assert r.status_code == 207 and responses(r.content)[home][q("CS", "me-card")][0] == 200
    assert hrefs_in(props(login, home, "CS:me-card")[home][q("CS", "me-card")][1]) == [
        book(login) + "me.vcf"
    ]


def test_extended_mkcol_creates_another_address_book(login):
    body = f"""<D:mkcol xmlns:D="DAV:" xmlns:CR="{CR}"><D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/>
</D:resourcetype><D:displayname>Suppliers</D:displayname></D:prop></D:set></D:mkcol>"""
    path = f"/dav/addressbooks/{login.username}/suppliers/"
    assert login.request("MKCOL", path, body, **XML_TYPE).status_code == 201
    assert login.request("PUT", path + "s.vcf", card("s"), **VCARD_TYPE).status_code == 201
    calendar_in_books = body.replace(
        "<CR:addressbook/>", '<C:calendar xmlns:C="urn:ietf:params:xml:ns:caldav"/>'
    )
    assert (
        login.request(
            "MKCOL", f"/dav/addressbooks/{login.username}/cal/", calendar_in_books, **XML_TYPE
        ).status_code
        == 403
    )


def test_login_without_carddav_has_no_address_books(server):
    from tests.conftest import make_login

    caldav_only = make_login(server, "caldavonly", service_classes_=("caldav",))
    home = f"/dav/addressbooks/{caldav_only.username}/"
    r = caldav_only.request(
        "PROPFIND", home, propfind_body("D:resourcetype"), Depth="1", **XML_TYPE
    )
    assert set(responses(r.content)) == {home}
    principal = props(caldav_only, caldav_only.principal_path, "CR:addressbook-home-set")[
        caldav_only.principal_path
    ]
    assert principal[f"{{{CR}}}addressbook-home-set"][0] == 404
