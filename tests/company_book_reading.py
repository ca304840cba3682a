"""Reading the company address book as a phone does, for the phonebook and company-book
tests: every card (addressbook-query REPORT), the member hrefs (PROPFIND Depth 1), the
ctag, and a sync-collection delta (RFC 6578) from a token."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from tests.davxml import NS, propfind_body, q, responses

CR = "urn:ietf:params:xml:ns:carddav"
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}
SYNC = (
    '<D:sync-collection xmlns:D="DAV:"><D:sync-token>{}</D:sync-token>'
    "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
)


def book_path(login) -> str:
    return f"/dav/addressbooks/{login.username}/company/"


def cards(login) -> dict[str, str]:
    """href -> vCard text of every card in the company book."""
    body = f"""<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/>
<CR:address-data/></D:prop><CR:filter/></CR:addressbook-query>"""
    r = login.request("REPORT", book_path(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return {
        href: props[f"{{{CR}}}address-data"][1].text for href, props in responses(r.content).items()
    }


def cards_with(login, text: str) -> list[str]:
    return [card for card in cards(login).values() if text in card]


def hrefs(login) -> set[str]:
    path = book_path(login)
    r = login.request("PROPFIND", path, propfind_body("D:getetag"), Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    return set(responses(r.content)) - {path}


def ctag(login) -> str:
    path = book_path(login)
    r = login.request("PROPFIND", path, propfind_body("CS:getctag"), Depth="0", **XML_TYPE)
    return responses(r.content)[path][q("CS", "getctag")][1].text


@dataclass(frozen=True)
class Delta:
    token: str
    changed: set[str]  # hrefs added or changed since the token
    removed: set[str]  # hrefs gone since the token


def sync(login, token: str = "") -> Delta:
    r = login.request("REPORT", book_path(login), SYNC.format(token), Depth="0", **XML_TYPE)
    assert r.status_code == 207, r.text
    found = responses(r.content)
    removed = {href for href, props in found.items() if props.get("status", (200,))[0] == 404}
    return Delta(
        etree.fromstring(r.content).findtext("D:sync-token", namespaces=NS),
        set(found) - removed,
        removed,
    )


def field(card: str, name: str) -> list[str]:
    """The values of one property (parameters dropped) in an unfolded card."""
    unfolded = card.replace("\r\n ", "")
    return [
        line.split(":", 1)[1]
        for line in unfolded.split("\r\n")
        if line.split(":", 1)[0].split(";", 1)[0] == name
    ]
