"""Backups (issue 17 item 5): `davserver backup` of a serving installation while a phone
PUTs, `davserver restore` into the other kind of database and back (SQLite ->
PostgreSQL -> SQLite, or the other way on a PostgreSQL run), every row byte for byte,
logins and sealed secrets working, old sync tokens answered 403 so phones sync afresh,
and refusals that change nothing."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import caldav
import pytest

from resources.auth.secret_box import SecretBox, key_file_keys, new_key
from resources.organisation.demo import ADMIN_LOGIN, ADMIN_PASSWORD
from resources.store.backup_manifest import BackupRefused
from resources.store.backup_reader import BackupArchive
from resources.store.backup_restore import RESTORED
from resources.store.backup_tables import codec_for, uncovered_columns, uncovered_tables
from resources.store.database import database_proxy
from tests.api_helpers import Api
from tests.backup_archives import (
    column,
    database_tables,
    davserver,
    manifest_of,
    rewritten,
    sqlite_url,
    table_count,
    tables_of,
)
from tests.backup_installation import (
    PHONE_PASSWORD,
    Installation,
    admin_view,
    event,
    phone_view,
    populate,
)
from tests.davxml import error_condition, propfind_body, q, responses
from tests.logins import signed_in_session
from tests.server_harness import FreshDatabase, ServerProcess, postgres_url, start_server_process
from tests.source_server import SourceServer

SYNC = (
    b'<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>'
    b"<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
)
NOT_EMPTY_EVERYWHERE = (
    "audit_entry branch employee user_account account_group group_membership resource "
    "service_credential collection stored_object change dead_property card_field company "
    "contact_person phonebook_entry connection connector_run external_account sync_pair "
    "server_setting company_audience"
).split()


@dataclass
class Writer:
    """A phone PUTting new events into its own calendar until stopped."""

    made: Installation
    path: str
    done: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        number = 0
        while not self._stop.is_set():
            name = f"w{number}.ics"
            body = event(f"writer-{number}", f"Written {number}")
            put = self.made.dav("PUT", self.path + name, body, **{"Content-Type": "text/calendar"})
            assert put.status_code == 201, put.text
            self.done.append((time.monotonic(), name))
            number += 1
            self._stop.wait(0.02)  # a phone's pace, leaving the cores to the backup too

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Trip:
    work: Path
    made: Installation
    source: ServerProcess
    source_url: str
    restored: ServerProcess  # the middle database, of the other kind, serving
    archives: list[Path]  # from the source and from the middle database
    final_url: str  # the database restored from the middle's archive
    token: str  # a sync token of the work calendar taken before the backup
    busy: str  # the calendar the writer PUT into
    backup_window: tuple[float, float]
    written: list[tuple[float, str]]
    final_key_file: Path
    env: dict[str, str]


def _backup(archive: Path, url: str, env: dict[str, str], *flags: str) -> None:
    done = davserver("backup", str(archive), "--database", url, *flags, env=env)
    assert done.returncode == 0, done.stderr


def _restore(archive: Path, url: str, env: dict[str, str]) -> None:
    done = davserver("restore", str(archive), "--database", url, env=env)
    assert done.returncode == 0, done.stderr
    assert "new sync token" in done.stdout


def _sync_token(made: Installation, path: str) -> str:
    answer = made.dav("REPORT", path, SYNC.replace(b"{token}", b""), Depth="0")
    assert answer.status_code == 207, answer.text
    return answer.text.split("<D:sync-token>")[1].split("<")[0]


def _open_once(url: str, key_file: Path) -> None:
    """Open the store as a server does at its start (the schema, the sealed canary, the
    empty company book): such a database still counts as empty."""
    env = {"DAVSERVER_SECRET_KEYS": key_file.read_text().strip()}
    done = davserver("credential", "list", "--database", url, env=env)
    assert done.returncode == 0, done.stderr
    assert table_count(url) > 20


@pytest.fixture(scope="module")
def trip(tmp_path_factory):
    work = tmp_path_factory.mktemp("backups")
    source_db, final_db = FreshDatabase(str(work)), FreshDatabase(str(work))
    other = None if source_db.is_postgres else FreshDatabase(str(work), postgres_url())
    middle_url = other.url if other else sqlite_url(work, "middle")
    keys = {"DAVSERVER_SECRET_KEYS": "", "DAVSERVER_SECRET_KEY_FILE": str(work / "source.key")}
    env = {**keys, "DAVSERVER_CONNECTOR_POLL_SECONDS": "1"}
    files = SourceServer().start()
    source = start_server_process(source_db.url, work, "--demo", "--demo-language", "en", env=env)
    login, password = ADMIN_LOGIN, ADMIN_PASSWORD
    restored = None
    try:
        admin = Api(source.base_url, login, password, signed_in_session(login, password))
        made = populate(source.base_url, admin, files)
        token = _sync_token(made, made.collections[0])
        busy = f"/dav/calendars/{made.username}/busy/"
        assert made.dav("MKCALENDAR", busy).status_code == 201
        writer = Writer(made, busy)
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        while len(writer.done) < 3:
            time.sleep(0.02)
        archives = [work / "source.zip", work / "middle.zip"]
        started = time.monotonic()
        _backup(archives[0], source_db.url, env)
        window = (started, time.monotonic())
        while sum(1 for t, _ in writer.done if t > window[1]) < 2:
            time.sleep(0.02)  # it goes on writing after the backup too
        writer.stop()
        thread.join(timeout=30)
        _restore(archives[0], middle_url, keys)  # keys: the source's key file, configured
        _backup(archives[1], middle_url, keys, "--with-secret-keys")
        final_keys = {"DAVSERVER_SECRET_KEYS": "", "DAVSERVER_SECRET_KEY_FILE": str(work / "f.key")}
        _open_once(final_db.url, work / "source.key")
        _restore(archives[1], final_db.url, final_keys)  # writes the archive's keys to f.key
        restored = start_server_process(middle_url, work, env=keys)
        yield Trip(
            work,
            made,
            source,
            source_db.url,
            restored,
            archives,
            final_db.url,
            token,
            busy,
            window,
            writer.done,
            work / "f.key",
            keys,
        )
    finally:
        for process in (restored, source):
            if process is not None:
                process.stop()
        files.stop()
        for database in (source_db, final_db, other):
            if database is not None:
                database.drop()


def _without_epochs(
    tables: dict[str, list[list]], manifest: dict, restores: int = 0
) -> tuple[dict[str, list[list]], list[str]]:
    """The tables without the collections' sync epochs (new in each restore, returned)
    and without the audit entries of the `restores` the database went through."""
    at = column(manifest, "collection", "sync_epoch")
    epochs = [row[at] for row in tables["collection"]]
    for row in tables["collection"]:
        row[at] = None
    action = column(manifest, "audit_entry", "action")
    audit = tables["audit_entry"]
    assert [row[action] for row in audit[len(audit) - restores :]] == [RESTORED] * restores
    tables["audit_entry"] = audit[: len(audit) - restores]
    return tables, epochs


def test_the_round_trip_keeps_every_row_byte_for_byte(trip):
    manifest = manifest_of(trip.archives[0])
    first, epochs = _without_epochs(tables_of(trip.archives[0]), manifest)
    middle, middle_epochs = _without_epochs(tables_of(trip.archives[1]), manifest, 1)
    # and back: the final database read with its own driver, not through davserver
    final = database_tables(trip.final_url, manifest)
    last, last_epochs = _without_epochs(final, manifest, 2)
    assert [table for table in NOT_EMPTY_EVERYWHERE if not first.get(table)] == []
    assert middle == first
    assert last == first
    assert not set(epochs) & set(middle_epochs) and not set(middle_epochs) & set(last_epochs)
    assert manifest["database"] != manifest_of(trip.archives[1])["database"]


def test_a_phone_and_the_admin_see_the_same_after_the_restore(trip):
    made = trip.made
    assert phone_view(trip.restored.base_url, made.phone, made.collections) == phone_view(
        made.base_url, made.phone, made.collections
    )
    admin = made.admin
    there = Api(trip.restored.base_url, admin.login, admin.password, admin.http)
    assert admin_view(there) == admin_view(admin)


CARD_SEARCH = (
    b'<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" '
    b'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop>'
    b'<C:filter><C:prop-filter name="FN"><C:text-match match-type="contains">nummer'
    b"</C:text-match></C:prop-filter></C:filter></C:addressbook-query>"
)


def test_a_phone_finds_the_same_cards_by_name_after_the_restore(trip):
    """The restored card fields reach the text index (SQLite's trigram table is filled
    by the writers, which a restore goes past)."""
    made = trip.made
    book = made.collections[2]

    def found(base_url: str) -> set[str]:
        asked = made.phone.request(
            "REPORT",
            base_url + book,
            data=CARD_SEARCH,
            headers={"Depth": "1", "Content-Type": "application/xml"},
        )
        assert asked.status_code == 207, asked.text
        return set(responses(asked.content)) - {book}

    there = found(trip.restored.base_url)
    assert there and there == found(made.base_url)


def test_logins_keep_their_passwords_and_secrets_their_key(trip):
    made = trip.made
    base = trip.restored.base_url
    home = f"/dav/calendars/{made.username}/"
    assert made.phone.request("PROPFIND", base + home, headers={"Depth": "0"}).status_code == 207
    wrong = signed_in_session(made.username, "not-the-password")
    assert wrong.request("PROPFIND", base + home, headers={"Depth": "0"}).status_code == 401
    admin = made.admin
    there = Api(base, admin.login, admin.password, admin.http)
    tested = there.post(f"/connections/{made.connection}/test").json()
    assert tested["passed"], tested  # the source server wants the sealed password
    manifest = manifest_of(trip.archives[0])
    final = database_tables(trip.final_url, manifest)
    sealed = final["external_account"][0][column(manifest, "external_account", "password")]
    assert SecretBox(key_file_keys(trip.final_key_file)).open(sealed) == PHONE_PASSWORD


def test_the_backup_taken_while_a_phone_writes_is_one_state(trip):
    tables = tables_of(trip.archives[0])
    manifest = manifest_of(trip.archives[0])
    path_at = column(manifest, "collection", "path")
    busy = next(row for row in tables["collection"] if row[path_at] == "busy")
    revision = busy[column(manifest, "collection", "sync_revision")]
    of_busy = column(manifest, "stored_object", "collection_id")
    objects = [row for row in tables["stored_object"] if row[of_busy] == busy[0]]
    changes = [
        row
        for row in tables["change"]
        if row[column(manifest, "change", "collection_id")] == busy[0]
    ]
    revisions = [row[column(manifest, "change", "revision")] for row in changes]
    names = {row[column(manifest, "stored_object", "name")] for row in objects}
    assert max(revisions) == revision
    assert all(row[column(manifest, "stored_object", "revision")] <= revision for row in objects)
    assert names == {row[column(manifest, "change", "name")] for row in changes}
    written = [name for _, name in trip.written]
    assert names == set(written[: len(names)])  # every PUT before the snapshot, none after
    during = [t for t, _ in trip.written if trip.backup_window[0] < t < trip.backup_window[1]]
    assert during and len(names) < len(written)


def test_an_old_sync_token_makes_the_phone_sync_afresh(trip):
    made = trip.made
    base, work = trip.restored.base_url, made.collections[0]
    body = SYNC.replace(b"{token}", trip.token.encode())
    old = made.phone.request("REPORT", base + work, data=body, headers={"Depth": "0"})
    assert old.status_code == 403
    assert error_condition(old.content) == "{DAV:}valid-sync-token"
    ctags = [_ctag(made, server, work) for server in (made.base_url, base)]
    assert ctags[0] != ctags[1]  # a phone polling the ctag looks again, too
    client = caldav.DAVClient(url=base + "/dav/", username=made.username, password=PHONE_PASSWORD)
    calendar = client.calendar(url=base + work)
    synced = calendar.get_objects_by_sync_token(sync_token=trip.token, load_objects=True)
    assert len(list(synced)) == 3  # the library fell back to reading the whole calendar
    fresh = calendar.get_objects_by_sync_token(load_objects=True)
    assert fresh.sync_token != trip.token and len(list(fresh)) == 3
    calendar.save_event(event("after-restore", "New here").decode())
    delta = calendar.get_objects_by_sync_token(sync_token=fresh.sync_token, load_objects=True)
    assert [o.icalendar_component["SUMMARY"] for o in delta] == ["New here"]


def _ctag(made: Installation, base_url: str, path: str) -> str:
    asked = made.phone.request(
        "PROPFIND",
        base_url + path,
        data=propfind_body("CS:getctag"),
        headers={"Depth": "0", "Content-Type": "application/xml"},
    )
    assert asked.status_code == 207, asked.text
    return responses(asked.content)[path][q("CS", "getctag")][1].text


def test_restore_refuses_a_database_that_is_not_empty(trip):
    refused = davserver(
        "restore", str(trip.archives[0]), "--database", trip.source_url, env=trip.env
    )
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr and "restore only into a new" in refused.stderr


def test_an_archive_the_database_refuses_changes_nothing(trip, tmp_path):
    """Checksums right, but a row twice: the database refuses it half way, and the one
    transaction leaves nothing behind, not even the schema."""
    duplicate = rewritten(
        trip.archives[0],
        tmp_path / "duplicate.zip",
        lambda name, data: (
            data + data.splitlines(keepends=True)[0]
            if name == "tables/stored_object.jsonl"
            else data
        ),
        fix_checksums=True,
    )
    url = sqlite_url(tmp_path, "refused")
    refused = davserver("restore", str(duplicate), "--database", url, env=trip.env)
    assert refused.returncode == 1 and "changed nothing" in refused.stderr, refused.stderr
    assert table_count(url) == 0


def test_a_cut_archive_is_refused(trip, tmp_path):
    cut = tmp_path / "cut.zip"
    cut.write_bytes(trip.archives[0].read_bytes()[:-3000])
    with pytest.raises(BackupRefused, match="not a davserver backup, or it is cut short"):
        BackupArchive(cut)


def test_keys_that_do_not_open_the_secrets_are_refused_before_anything_is_written(trip, tmp_path):
    url = sqlite_url(tmp_path, "other-keys")
    env = {**trip.env, "DAVSERVER_SECRET_KEY_FILE": str(tmp_path / "other.key")}
    (tmp_path / "other.key").write_text(new_key().decode() + "\n")
    refused = davserver("restore", str(trip.archives[0]), "--database", url, env=env)
    assert refused.returncode == 1 and "do not open the secrets" in refused.stderr
    assert table_count(url) == 0


@pytest.mark.parametrize(
    "change, words",
    [
        (
            lambda name, data: (
                data.replace(b"Branch", b"Brunch", 1) if name.endswith("branch.jsonl") else data
            ),
            "checksum",
        ),
        (
            lambda name, data: (
                data.replace(b'"format_version": 1', b'"format_version": 99')
                if name == "manifest.json"
                else data
            ),
            "format version 99",
        ),
        (
            lambda name, data: (
                data.replace(b'"schema_version": ', b'"schema_version": 9')
                if name == "manifest.json"
                else data
            ),
            "Restore it with a newer davserver",
        ),
        (lambda name, data: None if name.endswith("branch.jsonl") else data, "lacks"),
    ],
)
def test_a_damaged_or_newer_archive_is_refused_before_it_is_restored(trip, tmp_path, change, words):
    archive = rewritten(trip.archives[0], tmp_path / "changed.zip", change)
    with pytest.raises(BackupRefused, match=words):
        opened = BackupArchive(archive)
        try:
            opened.verify()
        finally:
            opened.close()


def test_every_table_and_column_of_the_schema_is_backed_up(server):
    db = database_proxy.obj
    assert uncovered_tables(db) == []
    assert uncovered_columns(db) == []
    from resources.store.backup_tables import backed_up_models

    for model in backed_up_models(db):
        for model_field in model._meta.sorted_fields:
            codec_for(model_field)  # raises for a kind of column a backup cannot carry
