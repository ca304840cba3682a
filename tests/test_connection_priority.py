"""Sync priority (seed 004, issue 13 item 1): two connections that deliver the same
person (the same e-mail, or numbers that are one in E.164) give the phones one card,
each field from the higher-priority connection where it has one; changing the priority
swaps the winners on the same card, and a scoped connection's fields never reach logins
outside its scope through a merge."""

from __future__ import annotations

import pytest

from resources.connectors.connection_scope import set_priority, set_scope
from resources.organisation.accounts import create_account
from resources.organisation.groups import create_group
from resources.store.directory import PhonebookEntry
from tests.company_book_reading import cards, cards_with, field, sync
from tests.logins import make_login, unique
from tests.phonebook_sources import csv_connection, digits
from tests.source_server import SourceServer


@pytest.fixture
def files():
    source = SourceServer().start()
    yield source
    source.stop()


def person(tag: str, number: str) -> tuple[dict[str, str], dict[str, str]]:
    """One person as two sources write it: the CRM (local number, no e-mail) and the
    ERP (international number, e-mail, mobile, another spelling of the name)."""
    crm = {
        "id": "c1",
        "last_name": f"Weber{tag}",
        "first_name": "Anna",
        "company": "CRM GmbH",
        "phone_work": f"030 {number}",
    }
    erp = {
        "id": "e1",
        "last_name": f"Weber-Lang{tag}",
        "company": "ERP AG",
        "phone_work": f"+49 30 {number}",
        "phone_mobile": "+49 170 " + digits(),
        "email": f"anna.{tag}@example.com",
    }
    return crm, erp


def test_the_same_number_in_two_forms_gives_one_card_merged_by_priority(login, files):
    tag, number = unique("p"), digits()
    crm, erp = csv_connection(files, priority=10), csv_connection(files, priority=0)
    crm_row, erp_row = person(tag, number)
    crm.run(crm_row)
    erp.run(erp_row)
    (card,) = cards_with(login, number)
    assert field(card, "N") == [f"Weber{tag};Anna;;;"]  # the CRM wins where it has a value
    assert field(card, "ORG") == ["CRM GmbH"]
    assert f"TEL;TYPE=WORK,VOICE:030 {number}" in card
    assert field(card, "EMAIL") == [erp_row["email"]]  # empty at the CRM: the ERP's
    assert f"TEL;TYPE=CELL,VOICE:{erp_row['phone_mobile']}" in card


def test_changing_the_priority_swaps_the_winners_on_the_same_card(login, files):
    tag, number = unique("p"), digits()
    crm, erp = csv_connection(files, priority=10), csv_connection(files, priority=0)
    crm_row, erp_row = person(tag, number)
    crm.run(crm_row)
    erp.run(erp_row)
    before = sync(login)
    (href,) = [h for h, card in cards(login).items() if number in card]
    set_priority(erp.name, 20)
    delta = sync(login, before.token)
    assert (delta.changed, delta.removed) == ({href}, set())
    (card,) = cards_with(login, number)
    assert field(card, "N") == [f"Weber-Lang{tag};Anna;;;"]  # no first name at the ERP
    assert field(card, "ORG") == ["ERP AG"]
    assert f"TEL;TYPE=WORK,VOICE:+49 30 {number}" in card
    unchanged = sync(login, delta.token)
    set_priority(erp.name, 20)  # the same again: nothing to tell
    assert sync(login, unchanged.token).changed == set()


def test_the_same_email_in_another_case_gives_one_card(login, files):
    tag = unique("p")
    crm, erp = csv_connection(files, priority=5), csv_connection(files, priority=1)
    crm.run(
        {
            "id": "1",
            "last_name": f"Koch{tag}",
            "phone_work": "030 " + digits(),
            "email": f"Ben.{tag}@Example.com",
        }
    )
    erp.run(
        {
            "id": "2",
            "last_name": f"Koch{tag}",
            "first_name": "Ben",
            "phone_work": "040 " + digits(),
            "email": f"ben.{tag}@example.com",
        }
    )
    (card,) = cards_with(login, tag)
    assert field(card, "N") == [f"Koch{tag};Ben;;;"]
    assert field(card, "EMAIL") == [f"Ben.{tag}@Example.com"]
    assert len(field(card, "TEL")) == 1  # one work number: the CRM's


def test_two_entries_of_one_source_sharing_a_number_stay_two_people(login, files):
    tag, switchboard = unique("p"), digits()
    crm, erp = csv_connection(files, priority=5), csv_connection(files)
    crm.run(
        {"id": "1", "last_name": f"Eins{tag}", "phone_work": f"030 {switchboard}"},
        {"id": "2", "last_name": f"Zwei{tag}", "phone_work": f"030 {switchboard}"},
    )
    erp.run({"id": "9", "last_name": f"Drei{tag}", "phone_work": f"+4930{switchboard}"})
    found = cards_with(login, tag)
    assert len(found) == 2  # the ERP's entry joins one of them, never both
    assert sorted(field(card, "N")[0].split(";")[0] for card in found) == [
        f"Eins{tag}",
        f"Zwei{tag}",
    ]


def test_a_merge_with_a_scoped_connection_does_not_leak_its_fields_to_outsiders(server, files):
    tag, number = unique("p"), digits()
    inside, outside = create_account(unique("inside")), create_account(unique("outside"))
    group = create_group(unique("Einkauf"), [inside.id])
    insider = make_login(server, "insider", account=inside.id)
    outsider = make_login(server, "outsider", account=outside.id)
    crm, erp = csv_connection(files, priority=10), csv_connection(files, priority=0)
    set_scope(crm.name, everyone=False, groups=[group.id])
    crm_row, erp_row = person(tag, number)
    crm.run(crm_row)
    erp.run(erp_row)
    (inner,) = cards_with(insider, number)
    assert field(inner, "ORG") == ["CRM GmbH"] and field(inner, "EMAIL") == [erp_row["email"]]
    (outer,) = cards_with(outsider, number)
    assert field(outer, "N") == [f"Weber-Lang{tag};;;;"]
    assert field(outer, "ORG") == ["ERP AG"]
    assert "CRM GmbH" not in outer and "Anna" not in outer and f"030 {number}" not in outer
    assert not cards_with(outsider, f"Weber{tag};")


def test_match_keys_are_stored_in_e164_once_two_sources_merge(login, files):
    tag, number = unique("p"), digits()
    crm, erp = csv_connection(files, priority=1), csv_connection(files)
    crm_row, erp_row = person(tag, number)
    crm.run(crm_row)
    erp.run(erp_row)
    stored = PhonebookEntry.get(PhonebookEntry.origin == crm.name)
    assert stored.match_work == f"+4930{number}"
    assert stored.match_email == ""


def test_runs_that_split_join_and_drop_a_merged_entry_change_exactly_its_cards(login, files):
    tag, number = unique("p"), digits()
    crm, erp = csv_connection(files, priority=10), csv_connection(files, priority=0)
    crm_row, erp_row = person(tag, number)
    crm.run(crm_row)
    erp.run(erp_row)
    (merged,) = [h for h, card in cards(login).items() if number in card]
    start = sync(login)

    other = dict(erp_row, phone_work="040 " + digits(), email=f"other.{tag}@example.com")
    erp.run(other)  # no key in common any more: two people
    split = sync(login, start.token)
    (own,) = split.changed - {merged}
    assert (split.changed, split.removed) == ({merged, own}, set())
    assert field(cards(login)[merged], "ORG") == ["CRM GmbH"]
    assert field(cards(login)[merged], "EMAIL") == []

    erp.run(erp_row)  # the same number again: one person
    joined = sync(login, split.token)
    assert (joined.changed, joined.removed) == ({merged}, {own})
    assert field(cards(login)[merged], "EMAIL") == [erp_row["email"]]

    erp.run()  # the ERP drops the person: the CRM's card alone
    dropped = sync(login, joined.token)
    assert (dropped.changed, dropped.removed) == ({merged}, set())
    assert field(cards(login)[merged], "EMAIL") == []
    assert len(cards_with(login, number)) == 1


def test_a_higher_priority_source_arriving_later_keeps_the_older_cards_name(login, files):
    tag, number = unique("p"), digits()
    crm, erp = csv_connection(files, priority=10), csv_connection(files, priority=0)
    crm_row, erp_row = person(tag, number)
    erp.run(erp_row)
    (href,) = [h for h, card in cards(login).items() if number in card]
    token = sync(login).token
    crm.run(crm_row)
    delta = sync(login, token)
    assert (delta.changed, delta.removed) == ({href}, set())
    assert field(cards(login)[href], "ORG") == ["CRM GmbH"]
