"""The keys that seal stored secrets: a key file made once with owner-only access, every
process on one database held to the same keys, and rotation to a new key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from resources.auth.secret_box import SecretBox, SecretKeyProblem, SecretUnreadable, new_key
from tests.server_harness import FreshDatabase
from tests.test_cli import davserver


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(str(tmp_path))
    yield fresh
    fresh.drop()


def rotate(database_url: str, **settings: str):
    env = {f"DAVSERVER_{name.upper()}": value for name, value in settings.items()}
    env.setdefault("DAVSERVER_SECRET_KEYS", "")
    return davserver("secrets", "rotate", "--database", database_url, env=env)


def test_a_sealed_secret_opens_with_its_key_and_with_no_other():
    key, other = new_key(), new_key()
    token = SecretBox([key]).seal("p\u00e4ssword")
    assert "p\u00e4ssword" not in token
    assert SecretBox([other, key]).open(token) == "p\u00e4ssword"
    with pytest.raises(SecretUnreadable):
        SecretBox([other]).open(token)
    with pytest.raises(SecretKeyProblem):
        SecretBox([b"not a key"])


def test_the_key_file_is_made_once_for_the_owner_only(database, tmp_path):
    key_file = tmp_path / "keys" / "secrets.key"
    key_file.parent.mkdir()
    first = rotate(database.url, secret_key_file=str(key_file))
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    made = key_file.read_bytes()
    again = rotate(database.url, secret_key_file=str(key_file))
    assert again.returncode == 0, again.stderr
    assert key_file.read_bytes() == made


def test_sqlite_keeps_its_key_file_beside_the_database(tmp_path):
    url = f"sqlite:///{tmp_path}/data/dav.db"
    (tmp_path / "data").mkdir()
    run = davserver("secrets", "rotate", "--database", url, env={"DAVSERVER_SECRET_KEYS": ""})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "davserver-secrets.key").exists()


def test_a_process_with_other_keys_refuses_to_start_on_the_same_database(database, tmp_path):
    assert rotate(database.url, secret_key_file=str(tmp_path / "a.key")).returncode == 0
    other = rotate(database.url, secret_key_file=str(tmp_path / "b.key"))
    assert other.returncode != 0
    assert "cannot open the secrets in the database" in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1
    assert "Traceback" not in other.stderr


def test_a_malformed_key_setting_is_a_one_line_error(database):
    run = rotate(database.url, secret_keys="not-a-key")
    assert run.returncode != 0
    assert "32 url-safe base64-encoded bytes" in run.stderr
    assert "Traceback" not in run.stderr


def test_rotation_moves_the_database_to_the_new_key(database, tmp_path):
    old_file = tmp_path / "old.key"
    assert rotate(database.url, secret_key_file=str(old_file)).returncode == 0
    old_key = old_file.read_text().strip()
    made = davserver("secrets", "new-key")
    assert made.returncode == 0
    new = made.stdout.strip()
    SecretBox([new.encode()])  # a valid key
    both = rotate(database.url, secret_keys=f"{new} {old_key}")
    assert both.returncode == 0, both.stderr
    only_new = rotate(database.url, secret_keys=new)
    assert only_new.returncode == 0, only_new.stderr
    only_old = rotate(database.url, secret_keys=old_key)
    assert only_old.returncode != 0


def test_the_server_starts_with_the_key_file_and_says_nothing_of_the_keys(database, tmp_path):
    from tests.server_harness import start_server_process

    key_file = tmp_path / "serve.key"
    env = {**os.environ, "DAVSERVER_SECRET_KEY_FILE": str(key_file), "DAVSERVER_SECRET_KEYS": ""}
    process = start_server_process(database.url, tmp_path, env=env)
    try:
        assert key_file.exists()
    finally:
        process.stop()
    log = Path(process.log_path).read_text()
    assert key_file.read_text().strip() not in log
