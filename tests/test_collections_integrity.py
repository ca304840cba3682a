"""Nothing hides and nothing is lost between collections: an import lands in exactly the
calendar its URL names, resource slugs and personal calendar names never collide, COPY and
MOVE never replace what the login may not delete, and names match exactly (case and all)."""

from __future__ import annotations

import pytest

from resources.auth.credentials import find_credential
from resources.errors import AlreadyExists, ReservedName
from resources.objects import calendar_collections
from resources.objects.calendar_collections import CALENDAR
from resources.organisation.resource_calendars import (
    create_resource,
    delete_resource,
    find_resource,
)
from resources.store.models import Collection, StoredObject
from resources.store.schema import SCHEMA_VERSION
from tests.api_helpers import api_as
from tests.conftest import make_login
from tests.davxml import error_condition, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, event
from tests.organisation import build_org, phone_login, unique
from tests.server_harness import FreshDatabase
from tests.test_cli import davserver
from tests.test_schema_upgrade import run_sql

XML_DEPTH_1 = {"Content_Type": "application/xml; charset=utf-8", "Depth": "1"}
CALDAV = "urn:ietf:params:xml:ns:caldav"


@pytest.fixture(scope="module")
def org(server):
    organisation = build_org()
    yield organisation
    for slug in organisation.slugs.values():
        delete_resource(slug)


class Phone:
    """A login of the org's employee, as its phone talks to the server."""

    def __init__(self, server, org) -> None:
        self.base_url = server.base_url
        self.username, self.http = phone_login(server.base_url, org)
        self.home = f"/dav/calendars/{self.username}/"

    def request(self, method: str, path: str, body: bytes | str | None = None, **headers: str):
        if isinstance(body, str):
            body = body.encode()
        return self.http.request(
            method,
            self.base_url + path,
            data=body,
            headers={k.replace("_", "-"): v for k, v in headers.items()},
        )

    def members(self, path: str) -> set[str]:
        r = self.request("PROPFIND", path, propfind_body("D:getetag"), **XML_DEPTH_1)
        assert r.status_code == 207, (path, r.status_code, r.text)
        return {href for href in responses(r.content) if href.rstrip("/") != path.rstrip("/")}

    def ctag(self, path: str) -> str:
        r = self.request(
            "PROPFIND", path, propfind_body("CS:getctag"), Content_Type="application/xml", Depth="0"
        )
        assert r.status_code == 207, r.status_code
        return next(iter(responses(r.content).values()))[q("CS", "getctag")][1].text


@pytest.fixture
def phone(server, org) -> Phone:
    return Phone(server, org)


def write_ics(tmp_path, *uids: str):
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        + "".join(
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T100000Z\r\n"
            f"DTEND:20261124T110000Z\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
            for uid in uids
        )
        + "END:VCALENDAR\r\n"
    )
    path = tmp_path / "calendar.ics"
    path.write_text(body, newline="")
    return path


def personal_collection(username: str, path: str):
    return calendar_collections.by_path(find_credential(username).id, path)


# --- 1. data that hides ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["room_on", "own_person"])
def test_import_into_a_resource_calendar_url_lands_in_that_calendar(
    server, org, phone, tmp_path, role
):
    slug = org.slugs[role]
    url = f"{phone.home}{slug}/"
    before = phone.ctag(url)
    run = davserver(
        "import",
        "--database",
        server.database_url,
        "--calendar",
        url,
        str(write_ics(tmp_path, unique("a"), unique("b"))),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported 2 ")
    assert len(phone.members(url)) == 2
    assert phone.ctag(url) != before
    assert personal_collection(phone.username, slug) is None  # no hidden namesake
    assert [h for h in phone.members(phone.home) if h.rstrip("/").endswith(slug)] == [url]


@pytest.mark.parametrize("role", ["room_off", "other_person"])
def test_import_into_a_resource_calendar_the_login_does_not_see_is_refused(
    server, org, phone, tmp_path, role
):
    slug = org.slugs[role]
    run = davserver(
        "import",
        "--database",
        server.database_url,
        "--calendar",
        f"{phone.home}{slug}/",
        str(write_ics(tmp_path, unique("a"))),
    )
    assert run.returncode != 0
    assert "does not see" in run.stderr and "Nothing was imported" in run.stderr, run.stderr
    assert personal_collection(phone.username, slug) is None
    calendar = Collection.get(Collection.resource == find_resource(slug).id)
    assert not StoredObject.select().where(StoredObject.collection == calendar.id).exists()


def test_import_below_a_missing_collection_is_refused(server, phone, tmp_path):
    run = davserver(
        "import",
        "--database",
        server.database_url,
        "--calendar",
        f"{phone.home}nothing/here/",
        str(write_ics(tmp_path, unique("a"))),
    )
    assert run.returncode != 0 and "parent collection does not exist" in run.stderr, run.stderr


def test_new_resource_named_like_a_personal_calendar_is_refused_in_api_and_ui(
    server, org, phone, admin_ui
):
    name = unique("werkstatt")
    assert phone.request("MKCALENDAR", f"{phone.home}{name}/").status_code == 201
    assert (
        phone.request("PUT", f"{phone.home}{name}/a.ics", event(), **CALENDAR_TYPE).status_code
        == 201
    )
    api = api_as(server, "admin")
    refused = api.post(
        "/resources", {"slug": name, "kind": "room", "name": "Werkstatt", "sync_allowed": True}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "already_exists"
    assert (
        phone.username in refused.json()["message"]
        and "personal calendar" in refused.json()["message"]
    )
    page = admin_ui.post(
        "/resources/new", {"kind": "room", "name": "Werkstatt", "slug": name, "colour": "#3A7BD5"}
    )
    assert page.status_code == 422
    assert 'id="f-slug-error"' in page.text and "personal calendar" in page.text
    assert find_resource(name) is None
    assert (
        len(phone.members(f"{phone.home}{name}/")) == 1
    )  # the calendar and its event are still there


@pytest.mark.parametrize("method", ["MKCALENDAR", "MKCOL"])
def test_new_personal_collection_named_like_an_unseen_resource_is_refused(phone, org, method):
    for role in ("room_off", "other_person", "room_inactive"):
        r = phone.request(method, f"{phone.home}{org.slugs[role]}/")
        assert r.status_code == 403, (role, r.status_code)
        assert error_condition(r.content) == f"{{{CALDAV}}}calendar-collection-location-ok"
        assert "reserved for a resource calendar" in r.text
        assert personal_collection(phone.username, org.slugs[role]) is None
    seen = phone.request(method, f"{phone.home}{org.slugs['room_on']}/")
    assert seen.status_code == 405 and error_condition(seen.content) == q(
        "D", "resource-must-be-null"
    )


@pytest.mark.parametrize("method", ["MOVE", "COPY"])
def test_personal_calendar_cannot_be_moved_or_copied_onto_an_unseen_resource_slug(
    phone, org, method
):
    name = unique("mine")
    assert phone.request("MKCALENDAR", f"{phone.home}{name}/").status_code == 201
    target = f"{phone.base_url}{phone.home}{org.slugs['room_off']}/"
    r = phone.request(method, f"{phone.home}{name}/", Destination=target)
    assert r.status_code == 403, r.status_code
    assert personal_collection(phone.username, org.slugs["room_off"]) is None
    assert personal_collection(phone.username, name) is not None


def test_upgrade_renames_personal_calendars_that_share_a_resource_slug(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        assert (
            davserver(
                "credential",
                "add",
                "clasher",
                "--confirmed",
                "--database",
                database.url,
                stdin="pw-clash\n",
            ).returncode
            == 0
        )
        for path in ("raum-9", "raum-9-2"):
            imported = davserver(
                "import",
                "--database",
                database.url,
                "--calendar",
                f"/dav/calendars/clasher/{path}/",
                str(write_ics(tmp_path, f"uid-{path}")),
            )
            assert imported.returncode == 0, imported.stderr
        # As an older davserver could leave it: a room created with the same slug later on.
        run_sql(
            database.url,
            """
            import time
            from resources.store.database import bind
            from resources.store.models import Collection
            from resources.store.organisation import Resource
            bind(db)
            room = Resource.create(kind="room", name="Raum 9", slug="raum-9", colour="#3A7BD5",
                                   sync_allowed=True, active=True, created=time.time())
            Collection.create(resource=room.id, owner=None, path="raum-9", kind="calendar", sync_epoch="e",
                              created=time.time(), modified=time.time())
            Collection.create(owner=Collection.get(Collection.path == "raum-9").owner_id, path="raum-9/sub",
                              kind="plain", sync_epoch="f", created=time.time(), modified=time.time())
            db.execute_sql('UPDATE schema_version SET version = 3')
        """,
        )
        upgraded = davserver("credential", "list", "--database", database.url)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "renamed the calendar 'raum-9' of login 'clasher' to 'raum-9-3'" in upgraded.stderr
        listed = run_sql(
            database.url,
            """
            rows = db.execute_sql("SELECT c.path, o.uid FROM collection c LEFT JOIN stored_object o"
                                  " ON o.collection_id = c.id WHERE c.owner_id IS NOT NULL ORDER BY c.path").fetchall()
            print(rows, db.execute_sql('SELECT version FROM schema_version').fetchall())
        """,
        )
        assert listed == (
            "[('raum-9-2', 'uid-raum-9-2'), ('raum-9-3', 'uid-raum-9'), ('raum-9-3/sub', None)] "
            f"[({SCHEMA_VERSION},)]"
        )
    finally:
        database.drop()


# --- 2. data loss ---------------------------------------------------------------------


def test_copy_of_a_calendar_onto_a_room_is_refused_and_the_room_keeps_its_appointments(
    server, org, phone
):
    room = f"{phone.home}{org.slugs['room_on']}/"
    booked = f"{room}{unique('booking')}.ics"
    assert phone.request("PUT", booked, event(), **CALENDAR_TYPE).status_code == 201
    mine = f"{phone.home}{unique('mine')}/"
    assert phone.request("MKCALENDAR", mine).status_code == 201
    assert phone.request("PUT", f"{mine}x.ics", event(), **CALENDAR_TYPE).status_code == 201
    for method in ("COPY", "MOVE"):
        r = phone.request(method, mine, Destination=phone.base_url + room, Overwrite="T")
        assert r.status_code == 403, (method, r.status_code)
        assert (
            error_condition(r.content) == q("D", "need-privileges") and "cannot replace" in r.text
        )
    colleague = Phone(server, org)
    assert (
        f"{colleague.home}{org.slugs['room_on']}/{booked.rsplit('/', 1)[1]}"
        in colleague.members(f"{colleague.home}{org.slugs['room_on']}/")
    )
    assert personal_collection(phone.username, org.slugs["room_on"]) is None
    assert phone.request("DELETE", room).status_code == 403


def test_copy_onto_the_home_is_refused(phone):
    mine = f"{phone.home}{unique('mine')}/"
    assert phone.request("MKCALENDAR", mine).status_code == 201
    r = phone.request("COPY", mine, Destination=phone.base_url + phone.home, Overwrite="T")
    assert r.status_code == 403
    assert personal_collection(phone.username, mine.strip("/").rsplit("/", 1)[1]) is not None


@pytest.mark.parametrize("method", ["MOVE", "COPY"])
def test_object_moved_or_copied_into_a_room_arrives_like_a_put(server, org, phone, method):
    room = f"{phone.home}{org.slugs['room_on']}/"
    mine = f"{phone.home}{unique('mine')}/"
    assert phone.request("MKCALENDAR", mine).status_code == 201
    uid = unique("uid")
    assert phone.request("PUT", f"{mine}a.ics", event(uid), **CALENDAR_TYPE).status_code == 201
    before = phone.ctag(room)
    name = f"{unique('moved')}.ics"
    r = phone.request(method, f"{mine}a.ics", Destination=f"{phone.base_url}{room}{name}")
    assert r.status_code == 201, (r.status_code, r.text)
    assert phone.ctag(room) != before
    colleague = Phone(server, org)
    got = colleague.request("GET", f"{colleague.home}{org.slugs['room_on']}/{name}")
    assert got.status_code == 200 and uid in got.text
    assert (phone.request("GET", f"{mine}a.ics").status_code == 200) == (method == "COPY")
    stored = StoredObject.get(StoredObject.name == name)
    assert stored.branch_id == org.branch_id
    # A second copy of the same UID into the room conflicts, as a PUT would.
    second = f"{phone.home}{unique('second')}/"
    assert phone.request("MKCALENDAR", second).status_code == 201
    assert phone.request("PUT", f"{second}b.ics", event(uid), **CALENDAR_TYPE).status_code == 201
    clash = phone.request(
        method, f"{second}b.ics", Destination=f"{phone.base_url}{room}{unique('again')}.ics"
    )
    assert (
        clash.status_code == 403
        and error_condition(clash.content) == f"{{{CALDAV}}}no-uid-conflict"
    )


def test_object_moved_into_a_room_must_be_a_component_the_room_takes(phone, org):
    mine = f"{phone.home}{unique('notes')}/"
    journal = (
        event(unique("j")).replace("VEVENT", "VJOURNAL").replace("DTEND:20261124T110000Z\r\n", "")
    )
    assert phone.request("MKCALENDAR", mine).status_code == 201
    assert phone.request("PUT", f"{mine}j.ics", journal, **CALENDAR_TYPE).status_code == 201
    r = phone.request(
        "MOVE",
        f"{mine}j.ics",
        Destination=f"{phone.base_url}{phone.home}{org.slugs['room_on']}/j.ics",
    )
    assert (
        r.status_code == 403
        and error_condition(r.content) == f"{{{CALDAV}}}supported-calendar-component"
    )
    assert phone.request("GET", f"{mine}j.ics").status_code == 200


# --- names match exactly -----------------------------------------------------------------


def make_tree(login, *paths: str) -> None:
    for path in paths:
        assert login.request("MKCOL", login.home_path + path + "/").status_code == 201, path
        assert (
            login.request(
                "PUT", f"{login.home_path}{path}/f.txt", path, Content_Type="text/plain"
            ).status_code
            == 201
        )


def test_delete_of_a_collection_keeps_the_one_that_differs_in_case(server):
    login = make_login(server)
    make_tree(login, "Work", "Work/sub", "work", "work/sub", "a_b", "axb", "axb/sub")
    assert login.request("DELETE", login.home_path + "Work/").status_code == 204
    assert login.request("DELETE", login.home_path + "a_b/").status_code == 204
    for path in ("work", "work/sub", "axb", "axb/sub"):
        got = login.request("GET", f"{login.home_path}{path}/f.txt")
        assert got.status_code == 200 and got.text == path, path
    for path in ("Work", "Work/sub", "a_b"):
        assert login.request("GET", f"{login.home_path}{path}/f.txt").status_code == 404, path


def test_propfind_lists_only_the_exact_collections_children(server):
    login = make_login(server)
    make_tree(login, "Work", "work", "work/sub")
    r = login.request(
        "PROPFIND", login.home_path + "Work/", propfind_body("D:resourcetype"), **XML_DEPTH_1
    )
    assert set(responses(r.content)) == {f"{login.home_path}Work/", f"{login.home_path}Work/f.txt"}
    assert login.request("GET", f"{login.home_path}WORK/f.txt").status_code == 404


def test_move_of_a_collection_takes_only_its_own_children(server):
    login = make_login(server)
    make_tree(login, "Work", "work", "work/sub")
    r = login.request(
        "MOVE",
        login.home_path + "Work/",
        Destination=f"{login.base_url}{login.home_path}Elsewhere/",
    )
    assert r.status_code == 201
    assert login.request("GET", f"{login.home_path}work/sub/f.txt").text == "work/sub"
    assert login.request("GET", f"{login.home_path}Elsewhere/sub/f.txt").status_code == 404
    assert login.request("GET", f"{login.home_path}Elsewhere/f.txt").text == "Work"


def test_collection_creation_in_the_domain_refuses_a_slug(server, org):
    owner = find_credential(make_login(server).username).id
    with pytest.raises(ReservedName):
        calendar_collections.create_collection(owner, org.slugs["room_off"], CALENDAR)


def test_resource_creation_refuses_any_logins_calendar_name(server):
    other = make_login(server)
    name = unique("lager")
    assert other.request("MKCALENDAR", f"{other.home_path}{name}/").status_code == 201
    with pytest.raises(AlreadyExists, match="personal calendar of the login"):
        create_resource("room", "Lager", name)
    assert find_resource(name) is None
