"""Every API list takes ?q= (search), ?sort= (a field, -field descending), ?limit= and
?after= (the cursor) and answers {"items": [...], "next": cursor or null} (issue 12 §7);
search, sorting and paging happen in the database (issue 12 §2)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api_helpers import error_of, unique

LISTS = [
    "/branches",
    "/employees",
    "/users",
    "/groups",
    "/resources",
    "/credentials",
    "/companies",
    "/contacts",
    "/phonebook",
    "/audit",
    "/carddav-integrations",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_answers_items_and_next(admin, path):
    answer = admin.get(path, params={"limit": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "next"} and len(body["items"]) <= 1


@pytest.mark.parametrize("path", LISTS)
def test_bad_list_parameters_are_refused_in_words(admin, path):
    for params in ({"limit": 0}, {"limit": "x"}, {"limit": 1001}, {"after": "nonsense"}):
        assert error_of(admin.get(path, params=params), 422)["message"]
    assert "sort" in error_of(admin.get(path, params={"sort": "password_hash"}), 422)["message"]


def _phonebook_entries(admin, tag: str, count: int) -> list[dict]:
    return [
        admin.created(
            "/phonebook",
            {"first_name": f"P{n:02d}", "last_name": tag, "phone_work": f"+49 30 {n}"},
        )
        for n in range(count)
    ]


def test_search_sort_and_cursor_walk_every_entry_once(admin):
    tag = unique("Lister")
    made = _phonebook_entries(admin, tag, 7)
    seen, after = [], None
    while True:
        params = {"q": tag, "sort": "-first_name", "limit": 3}
        if after:
            params["after"] = after
        body = admin.get("/phonebook", params=params).json()
        seen += [e["first_name"] for e in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == sorted((e["first_name"] for e in made), reverse=True)
    ascending = admin.get("/phonebook", params={"q": tag, "sort": "first_name"}).json()
    assert [e["first_name"] for e in ascending["items"]][:2] == ["P00", "P01"]
    assert ascending["next"] is None


def test_search_takes_percent_and_underscore_literally(admin):
    tag = unique("Lit")
    admin.created("/phonebook", {"last_name": f"{tag}_x", "phone_work": "+49 1"})
    admin.created("/phonebook", {"last_name": f"{tag}yx", "phone_work": "+49 2"})
    found = admin.get("/phonebook", params={"q": f"{tag}_"}).json()["items"]
    assert [e["last_name"] for e in found] == [f"{tag}_x"]
    assert admin.get("/phonebook", params={"q": "%%%"}).status_code == 200


def test_a_cursor_of_another_sort_is_refused(admin):
    tag = unique("Cur")
    _phonebook_entries(admin, tag, 3)
    first = admin.get("/phonebook", params={"q": tag, "sort": "first_name", "limit": 1}).json()
    refused = admin.get("/phonebook", params={"sort": "last_name", "after": first["next"]})
    assert error_of(refused, 422)["error"] == "invalid_value"


def test_newest_first_unless_sorted(admin):
    first = admin.created("/branches", {"name": unique("Filiale")})
    second = admin.created("/branches", {"name": unique("Filiale")})
    listed = [b["id"] for b in admin.get("/branches", params={"limit": 2}).json()["items"]]
    assert listed == [second["id"], first["id"]]


def test_the_audit_log_filters_by_actor_action_and_day(admin):
    name = unique("Filiale")
    admin.created("/branches", {"name": name})
    made = admin.get("/audit", params={"action": "branch.create", "q": name}).json()["items"]
    assert [e["target"] for e in made] == [name]
    actor = made[0]["actor"]
    day = made[0]["at"][:10]
    assert admin.get(
        "/audit", params={"actor": actor, "from": day, "until": day, "q": name}
    ).json()["items"]
    assert not admin.get("/audit", params={"until": "2000-01-01", "q": name}).json()["items"]
    assert not admin.get("/audit", params={"actor": actor + "x", "q": name}).json()["items"]
    assert error_of(admin.get("/audit", params={"from": "yesterday"}), 422)["message"]


@pytest.mark.parametrize(
    "path, sort, value",
    [
        ("/employees", "active", "x"),
        ("/branches", "name", 5),
        ("/branches", "name", "a\u0000b"),
        ("/audit", "-at", "yesterday"),
        ("/companies", "-id", None),
    ],
)
def test_a_crafted_cursor_is_refused_not_an_error(admin, path, sort, value):
    raw = json.dumps([sort, value, 5]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    answer = admin.get(path, params={"sort": sort, "after": cursor})
    assert error_of(answer, 422)["error"] == "invalid_value"


def test_search_follows_edits_and_deletions_and_finds_words_in_any_field(admin):
    tag = unique("Such")
    made = admin.created(
        "/phonebook",
        {"last_name": f"{tag}alt", "company": "Hafenmeisterei", "phone_work": "+49 421 777"},
    )

    def found(q: str) -> list[int]:
        return [e["id"] for e in admin.get("/phonebook", params={"q": q}).json()["items"]]

    assert found(f"{tag}alt") == [made["id"]]
    assert found(f"{tag} hafenmeister 777") == [made["id"]]  # words from three fields
    assert found(f"{tag} 42") == [made["id"]]  # a word too short for the trigram index
    admin.patch(f"/phonebook/{made['id']}", {"last_name": f"{tag}neu"})
    assert found(f"{tag}alt") == []
    assert found(f"{tag}neu") == [made["id"]]
    admin.delete(f"/phonebook/{made['id']}")
    assert found(f"{tag}neu") == []
