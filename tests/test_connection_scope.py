"""A connection's scope in the company book (seed 004, issue 13 item 1): entries of a
connection scoped to chosen accounts and groups reach only those accounts' logins (not
in PROPFIND, GET, multiget, addressbook-query or sync-collection of anyone else), and a
scope or group change shows up in each phone's next sync-collection delta as exactly the
cards that appeared or went."""

from __future__ import annotations

import pytest

from resources.auth.credentials import update_credential
from resources.connectors.connection_scope import scope_of, set_priority, set_scope
from resources.errors import InvalidProperty, NotFound
from resources.organisation.accounts import create_account
from resources.organisation.groups import create_group, update_group
from resources.store.organisation import AuditEntry
from tests.company_book_reading import CR, XML_TYPE, book_path, cards, cards_with, hrefs, sync
from tests.davxml import responses
from tests.logins import make_login, unique
from tests.phonebook_sources import csv_connection, digits
from tests.source_server import SourceServer


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


@pytest.fixture
def people(server):
    """An insider (member of the group) and an outsider, each with a CardDAV login."""
    inside, outside = create_account(unique("inside")), create_account(unique("outside"))
    group = create_group(unique("Vertrieb"), [inside.id])
    return {
        "group": group,
        "inside": inside,
        "outside": outside,
        "insider": make_login(server, "insider", account=inside.id),
        "outsider": make_login(server, "outsider", account=outside.id),
    }


def rows(tag: str) -> list[dict[str, str]]:
    return [
        {
            "id": "1",
            "last_name": f"Geheim{tag}",
            "first_name": "Gina",
            "phone_work": "030 " + digits(),
        },
        {
            "id": "2",
            "last_name": f"Intern{tag}",
            "first_name": "Ivo",
            "phone_work": "030 " + digits(),
        },
    ]


def names(login, tag: str) -> set[str]:
    """The hrefs of the login's cards that carry `tag`."""
    return {href for href, card in cards(login).items() if tag in card}


def as_seen_by(login, hrefs_of_other: set[str], other) -> set[str]:
    """The other login's hrefs moved to this login's book URL."""
    return {href.replace(book_path(other), book_path(login)) for href in hrefs_of_other}


def multiget(login, hrefs_wanted: set[str]) -> dict[str, int]:
    listed = "".join(f"<D:href>{href}</D:href>" for href in sorted(hrefs_wanted))
    body = f"""<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="{CR}"><D:prop><D:getetag/>
<CR:address-data/></D:prop>{listed}</CR:addressbook-multiget>"""
    r = login.request("REPORT", book_path(login), body, Depth="1", **XML_TYPE)
    assert r.status_code == 207, r.text
    found = responses(r.content)
    return {href: props.get("status", (200,))[0] for href, props in found.items()}


def test_a_group_scoped_connection_reaches_only_the_groups_logins(people, files):
    tag = unique("t")
    source = csv_connection(files)
    set_scope(source.name, everyone=False, groups=[people["group"].id])
    source.run(*rows(tag))
    insider, outsider = people["insider"], people["outsider"]
    seen = names(insider, tag)
    assert len(seen) == 2
    assert seen <= hrefs(insider)
    hidden = as_seen_by(outsider, seen, insider)
    assert names(outsider, tag) == set() and not cards_with(outsider, tag)
    assert not hidden & hrefs(outsider)  # PROPFIND Depth 1
    for href in hidden:
        assert outsider.request("GET", href).status_code == 404
        assert (
            insider.request(
                "GET", href.replace(book_path(outsider), book_path(insider))
            ).status_code
            == 200
        )
    assert set(multiget(outsider, hidden).values()) == {404}
    assert set(multiget(insider, seen).values()) == {200}
    assert not (sync(outsider).changed & hidden)
    assert seen <= sync(insider).changed


def test_changing_the_scope_shows_exactly_those_cards_in_the_next_delta(people, files):
    tag = unique("t")
    source = csv_connection(files)
    set_scope(source.name, everyone=False, groups=[people["group"].id])
    source.run(*rows(tag))
    insider, outsider = people["insider"], people["outsider"]
    seen = names(insider, tag)
    hidden = as_seen_by(outsider, seen, insider)
    tokens = {"in": sync(insider).token, "out": sync(outsider).token}

    set_scope(source.name, everyone=True)
    out, inside = sync(outsider, tokens["out"]), sync(insider, tokens["in"])
    assert (out.changed, out.removed) == (hidden, set())
    assert (inside.changed, inside.removed) == (set(), set())  # moved book, same cards
    assert names(outsider, tag) == hidden

    set_scope(source.name, everyone=False, groups=[people["group"].id])
    assert scope_of(source.connection)["groups"] == [people["group"].id]
    out, inside = sync(outsider, out.token), sync(insider, inside.token)
    assert (out.changed, out.removed) == (set(), hidden)
    assert (inside.changed, inside.removed) == (set(), set())
    assert names(outsider, tag) == set() and names(insider, tag) == seen


def test_adding_an_account_to_the_group_shows_its_cards_and_removing_it_withdraws_them(
    people, files
):
    tag = unique("t")
    source = csv_connection(files)
    set_scope(source.name, everyone=False, groups=[people["group"].id])
    source.run(*rows(tag))
    insider, outsider = people["insider"], people["outsider"]
    hidden = as_seen_by(outsider, names(insider, tag), insider)
    token = sync(outsider).token
    group = people["group"].id

    update_group(group, {"members": [people["inside"].id, people["outside"].id]})
    joined = sync(outsider, token)
    assert (joined.changed, joined.removed) == (hidden, set())
    assert names(outsider, tag) == hidden

    update_group(group, {"members": [people["inside"].id]})
    left = sync(outsider, joined.token)
    assert (left.changed, left.removed) == (set(), hidden)
    assert names(outsider, tag) == set()


def test_a_connection_scoped_to_one_account_reaches_every_login_of_that_account(
    server, people, files
):
    tag = unique("t")
    source = csv_connection(files)
    set_scope(source.name, everyone=False, accounts=[people["outside"].id])
    source.run(*rows(tag))
    assert len(names(people["outsider"], tag)) == 2
    assert names(people["insider"], tag) == set()
    second = make_login(server, "second", account=people["outside"].id)
    assert len(names(second, tag)) == 2


def test_moving_a_login_to_an_account_in_scope_shows_the_cards_in_its_next_delta(people, files):
    tag = unique("t")
    source = csv_connection(files)
    set_scope(source.name, everyone=False, groups=[people["group"].id])
    source.run(*rows(tag))
    insider, outsider = people["insider"], people["outsider"]
    hidden = as_seen_by(outsider, names(insider, tag), insider)
    token = sync(outsider).token
    update_credential(outsider.username, {"account": people["inside"].id})
    moved = sync(outsider, token)
    assert (moved.changed, moved.removed) == (hidden, set())


def test_a_scope_naming_what_does_not_exist_is_refused_and_changes_are_audited(people, files):
    source = csv_connection(files)
    with pytest.raises(NotFound):
        set_scope(source.name, everyone=False, groups=[10**9])
    assert scope_of(source.connection) == {"everyone": True, "accounts": [], "groups": []}
    set_scope(source.name, everyone=False, accounts=[people["inside"].id], actor="chef")
    with pytest.raises(InvalidProperty) as refused:
        set_priority(source.name, 10**6)
    assert refused.value.code == "connection_priority_invalid"
    set_priority(source.name, 7, actor="chef")
    logged = {
        (entry.action, entry.actor)
        for entry in AuditEntry.select().where(AuditEntry.target == source.name)
    }
    assert {("connection.scope", "chef"), ("connection.priority", "chef")} <= logged


def test_the_api_scope_change_and_deletion_reach_the_phones(people, files, admin):
    """PATCH /api/v1/connections/{id} with a scope moves the cards as set_scope does, and
    DELETE withdraws a scoped connection's cards from the logins that saw them."""
    tag = unique("t")
    source = csv_connection(files)
    url = f"/connections/{source.connection.id}"
    scoped = {"everyone": False, "users": [], "groups": [people["group"].id]}
    answer = admin.patch(url, {"scope": scoped})
    assert answer.status_code == 200, answer.text
    source.run(*rows(tag))
    insider, outsider = people["insider"], people["outsider"]
    seen = names(insider, tag)
    assert len(seen) == 2 and names(outsider, tag) == set()
    tokens = {"in": sync(insider).token, "out": sync(outsider).token}

    assert admin.patch(url, {"scope": {"everyone": True}}).status_code == 200
    out = sync(outsider, tokens["out"])
    assert out.changed == as_seen_by(outsider, seen, insider) and not out.removed
    assert admin.patch(url, {"scope": scoped}).status_code == 200
    out = sync(outsider, out.token)
    assert not out.changed and out.removed == as_seen_by(outsider, seen, insider)

    inside = sync(insider, tokens["in"])
    assert admin.delete(url).status_code in (200, 204)
    after = sync(insider, inside.token)
    assert after.removed == seen and names(insider, tag) == set()
