"""`davserver credential add` makes a login in the same state as the admin UI: not
confirmed unless --confirmed (confirming is the administrator's release, seed 003);
`credential test --service carddav` runs the CardDAV checks."""

from __future__ import annotations

from tests.test_cli import davserver


def _confirmed(database: str, name: str) -> str:
    listing = davserver("credential", "list", "--database", database).stdout
    (line,) = [row for row in listing.splitlines() if row.split()[0] == name]
    return line.split()[2]


def test_add_is_unconfirmed_unless_asked_and_test_names_it(tmp_path):
    database = f"sqlite:///{tmp_path}/states.db"
    plain = davserver("credential", "add", "dora", "--database", database, stdin="pw-dora-1\n")
    assert plain.returncode == 0, plain.stderr
    assert "not confirmed" in plain.stdout and "--confirmed" in plain.stdout
    assert _confirmed(database, "dora") == "no"
    test = davserver("credential", "test", "dora", "--service", "carddav", "--database", database)
    assert test.returncode == 1 and "✗ confirmed" in test.stdout
    confirmed = davserver(
        "credential", "add", "emil", "--confirmed", "--database", database, stdin="pw-emil-1\n"
    )
    assert confirmed.returncode == 0 and "(confirmed)" in confirmed.stdout
    assert _confirmed(database, "emil") == "yes"
    carddav = davserver(
        "credential", "test", "emil", "--service", "carddav", "--database", database
    )
    assert carddav.returncode == 0, carddav.stdout
    assert "✓ company_book" in carddav.stdout and "resource_exists" not in carddav.stdout
    both = davserver(
        "credential", "add", "fritz", "--confirmed", "--unconfirmed", "--database", database
    )
    assert both.returncode == 2 and "not allowed with" in both.stderr
    no_resource = davserver("credential", "test", "emil", "--database", database)
    assert no_resource.returncode == 1 and "--resource" in no_resource.stderr
