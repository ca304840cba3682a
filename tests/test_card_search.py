"""addressbook-query from the cards' stored fields (RFC 6352 §8.6, §10.5): over HTTP,
every text-match on FN, EMAIL, TEL, NICKNAME, ORG and N answers what parsing every card
answers, on real clients' cards; and the fields follow every write."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pytest
import vobject

from resources.auth.credentials import find_credential
from resources.company_directory.vcard_builder import (
    PhonebookCard,
    phonebook_card,
    phonebook_vcard,
)
from resources.formats.addressbook_query import (
    CardFilter,
    CardPropFilter,
    CardTextMatch,
    parse_card,
)
from resources.formats.card_fields import card_fields, fields_of_parsed
from resources.objects import address_books, card_search
from resources.objects.addressbook_query_plan import parsed_query_results
from resources.objects.vcard_import import import_vcards
from resources.store.models import Collection
from tests.davxml import responses

CR = "urn:ietf:params:xml:ns:carddav"
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}
VCARD_TYPE = {"Content_Type": "text/vcard; charset=utf-8"}
# The shared corpus (../shared/corpus/ beside the checkout or its worktree folder), and ours.
SHARED = [
    folder / "shared" / "corpus" / "vcard"
    for folder in Path(__file__).resolve().parents[1:4]
    if (folder / "shared" / "corpus" / "vcard").is_dir()
]
CORPUS = [
    *sorted(SHARED[0].glob("*.vcf") if SHARED else []),
    *sorted((Path(__file__).parent / "data" / "vcard").glob("*.vcf")),
]


def book(login) -> str:
    return f"/dav/addressbooks/{login.username}/contacts/"


def personal_book(login) -> Collection:
    credential = find_credential(login.username)
    return address_books.personal_books(credential.id)[0]


def made_card(uid: str, fn: str, *, tels=(), emails=(), org="", nick="", n="") -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid}", f"FN:{fn}"]
    lines += [f"N:{n}"] if n else []
    lines += [f"ORG:{org}"] if org else []
    lines += [f"NICKNAME:{nick}"] if nick else []
    lines += [f"TEL;TYPE=WORK,VOICE:{tel}" for tel in tels]
    lines += [f"EMAIL;TYPE=INTERNET:{email}" for email in emails]
    return "\r\n".join([*lines, "END:VCARD"]) + "\r\n"


def match_xml(match: CardTextMatch) -> str:
    negate = ' negate-condition="yes"' if match.negate else ""
    text = match.text.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<CR:text-match collation="{match.collation}" match-type="{match.match_type}"'
        f"{negate}>{text}</CR:text-match>"
    )


def query_xml(card_filter: CardFilter, limit: int | None = None) -> str:
    props = "".join(
        f'<CR:prop-filter name="{p.name}" test="{p.test}">'
        + ("<CR:is-not-defined/>" if p.is_not_defined else "")
        + "".join(match_xml(m) for m in p.text_matches)
        + "</CR:prop-filter>"
        for p in card_filter.prop_filters
    )
    limited = f"<CR:limit><CR:nresults>{limit}</CR:nresults></CR:limit>" if limit else ""
    return (
        f'<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/></D:prop>'
        f'<CR:filter test="{card_filter.test}">{props}</CR:filter>{limited}</CR:addressbook-query>'
    )


def found_over_http(login, path: str, card_filter: CardFilter) -> set[str]:
    r = login.request("REPORT", path, query_xml(card_filter), Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return {href.rsplit("/", 1)[1] for href in responses(r.content)}


class _Query:
    def __init__(self, card_filter: CardFilter) -> None:
        self.filter, self.limit = card_filter, None


def found_by_parsing(collection: Collection, card_filter: CardFilter) -> set[str]:
    return {
        row.name
        for page in parsed_query_results(_Query(card_filter), collection)
        for row in page
        if hasattr(row, "name")
    }


def text(value: str, match_type: str = "contains", **options) -> CardTextMatch:
    return CardTextMatch(value, match_type=match_type, **options)


def one(name: str, *matches: CardTextMatch, test: str = "anyof") -> CardFilter:
    return CardFilter("anyof", (CardPropFilter(name, test, False, matches),))


FILTERS = [
    *(
        one(prop, text(value, kind))
        for prop, value in (
            ("FN", "mül"),
            ("FN", "ÜLLER"),
            ("FN", "Jürgen Müller"),
            ("fn", "custom"),
            ("FN", "Perreault"),
            ("EMAIL", "example"),
            ("EMAIL", "J.MUELLER@ACME.DE"),
            ("TEL", "555"),
            ("TEL", "+49 30"),
            ("TEL", "1234567"),
            ("TEL", "tel:+1"),
            ("ORG", "acme gmbh,vertrieb"),
            ("NICKNAME", "john"),
            ("N", "Müller"),
            ("N", "ダブル"),
            ("FN", "ab"),
            ("FN", ""),
            ("FN", 'ß" OR *'),
            ("TEL", "%_\\"),
            ("ORG", "   "),
        )
        for kind in ("equals", "contains", "starts-with", "ends-with")
    ),
    one("FN", text("müller", negate=True)),
    one("TEL", text("555", "starts-with", negate=True)),
    one("FN", text("MÜLLER", collation="i;octet")),
    one("FN", text("Müller", collation="i;octet")),
    one("EMAIL", text("ACME", collation="i;ascii-casemap")),
    one("FN", text("jür"), text("ller"), test="allof"),
    one("FN", text("jür"), text("xyz"), test="anyof"),
    one("FN", text("jür"), text("xyz"), test="allof"),
    CardFilter(
        "anyof",
        (
            CardPropFilter("FN", text_matches=(text("perreault"),)),
            CardPropFilter("TEL", text_matches=(text("+49 30"),)),
        ),
    ),
    CardFilter(
        "allof",
        (
            CardPropFilter("FN", text_matches=(text("müller"),)),
            CardPropFilter("TEL", text_matches=(text("171"),)),
        ),
    ),
    CardFilter(
        "allof",
        (
            CardPropFilter("EMAIL", text_matches=(text("example"),)),
            CardPropFilter("FN", text_matches=(text("anna", negate=True),)),
        ),
    ),
    CardFilter("allof", (CardPropFilter("NICKNAME", is_not_defined=True),)),
    CardFilter("anyof", (CardPropFilter("ORG"),)),
    CardFilter(),
]


@pytest.fixture(scope="module")
def filled(server):
    """A login whose book holds every corpus card a PUT accepts, and made ones."""
    from tests.logins import make_login

    login = make_login(server)
    accepted = 0
    for path in CORPUS:
        r = login.request("PUT", book(login) + path.name, path.read_bytes(), **VCARD_TYPE)
        if r.status_code == 403:  # files of several cards: the import splits them
            imported = import_vcards(personal_book(login), path.read_bytes(), max_size=10**7)
            accepted += imported.imported
        accepted += r.status_code in (201, 204)
    made = [
        made_card(
            "m1",
            "Jürgen Müller",
            tels=["+49 30 1234567", "+49 171 9876543"],
            emails=["j.mueller@acme.de"],
            org="Acme GmbH;Vertrieb",
            n="Müller;Jürgen;;Herr Dr.;",
        ),
        made_card("m2", "JÜRGEN MÜLLER", tels=["030 1234567"], nick="Jü"),
        made_card("m3", "Anna Mueller", emails=["anna@example.com", "a@example.org"]),
        made_card("m4", "Straße\\, Groß", tels=["555-0100", "555-0101"], org="ab;cd"),
        made_card("m5", "ab", tels=["+4930123"]),
        made_card("m6", 'Fuß" OR *x', tels=["+49%_\\1"], org="a   b"),
    ]
    for number, body in enumerate(made):
        r = login.request("PUT", book(login) + f"made{number}.vcf", body, **VCARD_TYPE)
        assert r.status_code == 201, r.text
    assert accepted >= (25 if SHARED else 10)  # without the shared corpus: ours only
    return login


@pytest.mark.parametrize("card_filter", FILTERS, ids=lambda f: query_xml(f)[150:260])
def test_stored_fields_answer_what_parsing_answers(filled, card_filter):
    assert card_search.answers(card_filter)
    expected = found_by_parsing(personal_book(filled), card_filter)
    assert found_over_http(filled, book(filled), card_filter) == expected


def test_the_filters_find_something_and_not_everything(filled):
    collection = personal_book(filled)
    every = found_by_parsing(collection, CardFilter())
    sizes = {len(found_by_parsing(collection, f)) for f in FILTERS}
    assert 0 in sizes and len(every) in sizes and len(sizes) > 6


def test_param_filters_are_still_answered_by_parsing(filled):
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/></D:prop>
<CR:filter><CR:prop-filter name="TEL"><CR:param-filter name="TYPE"><CR:text-match>cell</CR:text-match>
</CR:param-filter></CR:prop-filter></CR:filter></CR:addressbook-query>"""
    r = filled.request("REPORT", book(filled), body, Depth="1", **XML_TYPE)
    assert r.status_code == 207 and len(responses(r.content)) >= 1


def test_the_limit_holds_on_stored_fields(filled):
    card_filter = one("FN", text(""))
    r = filled.request(
        "REPORT", book(filled), query_xml(card_filter, limit=2), Depth="1", **XML_TYPE
    )
    found = responses(r.content)
    assert r.status_code == 207 and len(found) == 3 and found[book(filled)]["status"][0] == 507


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_the_line_reading_gives_vobjects_values(path):
    body = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    try:
        parsed = fields_of_parsed(vobject.readOne(body.decode("utf-8-sig"), validate=False))
    except Exception:  # noqa: BLE001 - an unreadable card has no fields
        parsed = None
    assert card_fields(body) == parsed


def test_line_reading_equals_vobject_on_awkward_values():
    pieces = ["a", "B", "ü", " ", ";", "ß", "Ä", "1", "+", "@", "İ", "ﬁ", "\\,", "\\;", ","]
    for number, combo in enumerate(itertools.product(pieces, repeat=3)):
        value = "".join(combo)
        body = made_card(f"u{number}", value or "x", tels=[value], org=value, n=value, nick=value)
        parsed = fields_of_parsed(parse_card(body.encode()))
        assert card_fields(body.encode()) == parsed, value


def test_the_phonebook_builders_fields_are_its_cards_reading():
    # A connector run takes the search fields from the lines it writes, not from parsing
    # the card: they must be what reading the card back gives, or None (then it is read).
    pieces = ["a", "Ä", " ", ";", ",", "\\", "\n", "ß", "İ", "+49 89", "@x.de", "\x07"]
    long_name = "Überlange Firmenbezeichnung " * 4
    for number, (first, last, company) in enumerate(
        [*itertools.product(pieces, repeat=3), ("", "", ""), (long_name, long_name, long_name)]
    ):
        entry = PhonebookCard(
            f"u{number}", f"k{number}", "S", 1.0, first, last, company,
            phone_work=f"+49 89 {number}{first}", phone_mobile=last, email=f"{first}@{company}",
        )  # fmt: skip
        vcard, fields = phonebook_card(entry, "de")
        assert vcard == phonebook_vcard(entry, "de")
        read = card_fields(vcard.encode())
        assert fields is None or fields == read, (first, last, company)
        assert read == fields_of_parsed(parse_card(vcard.encode())), (first, last, company)
    plain = PhonebookCard("u", "k", "S", 1.0, "Anna", "Müller", "Hanse AG", "030 1234")
    assert phonebook_card(plain)[1] == card_fields(phonebook_vcard(plain).encode())


def unique_word() -> str:
    return "w" + uuid.uuid4().hex[:10]


def test_a_changed_card_is_found_by_its_new_values(filled):
    path = book(filled) + "changing.vcf"
    old, new = unique_word(), unique_word()
    filled.request("PUT", path, made_card("chg", f"Old {old}", tels=["+49 89 111"]), **VCARD_TYPE)
    assert found_over_http(filled, book(filled), one("FN", text(old))) == {"changing.vcf"}
    filled.request("PUT", path, made_card("chg", f"New {new}", tels=["+49 89 222"]), **VCARD_TYPE)
    assert found_over_http(filled, book(filled), one("FN", text(old))) == set()
    assert found_over_http(filled, book(filled), one("FN", text(new))) == {"changing.vcf"}
    assert filled.request("DELETE", path).status_code == 204
    assert found_over_http(filled, book(filled), one("FN", text(new))) == set()


MKCOL_BOOK = f"""<D:mkcol xmlns:D="DAV:" xmlns:CR="{CR}"><D:set><D:prop><D:resourcetype>
<D:collection/><CR:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>"""


def test_copied_moved_and_imported_cards_are_found(filled, other_login):
    word = unique_word()
    second = f"/dav/addressbooks/{filled.username}/second-{word}/"
    assert filled.request("MKCOL", second, MKCOL_BOOK, **XML_TYPE).status_code == 201
    source = book(filled) + "mover.vcf"
    filled.request("PUT", source, made_card("mov", f"Mover {word}"), **VCARD_TYPE)
    target = filled.url(second + "copy.vcf")
    assert filled.request("COPY", source, Destination=target).status_code == 201
    assert found_over_http(filled, second, one("FN", text(word))) == {"copy.vcf"}
    assert filled.request("DELETE", second + "copy.vcf").status_code == 204
    assert filled.request("MOVE", source, Destination=target).status_code == 201
    assert found_over_http(filled, book(filled), one("FN", text(word))) == set()
    assert found_over_http(filled, second, one("FN", text(word))) == {"copy.vcf"}

    imported = unique_word()
    cards = made_card("imp1", f"Imported {imported}") + made_card("imp2", "Someone Else")
    report = import_vcards(personal_book(other_login), cards.encode(), max_size=100_000)
    assert report.imported == 2
    assert len(found_over_http(other_login, book(other_login), one("FN", text(imported)))) == 1
