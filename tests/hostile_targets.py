"""Servers that the hostile-input tests attack: the suite's in-process server, and
`davserver serve --workers 2` over a database of its own. Each comes with a login and
a digest of everything stored, read straight from its database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from resources.store.database import open_database
from resources.store.models import Change, Collection, DeadProperty, StoredObject
from tests.logins import Login, make_login, new_password, signed_in_session, unique
from tests.server_harness import (
    FreshDatabase,
    ServerProcess,
    add_login_by_command,
    start_server_process,
)

STORED_TABLES = tuple(
    model._meta.table_name for model in (Collection, StoredObject, Change, DeadProperty)
)


def stored_digest(database_url: str) -> str:
    """A digest of every row of the tables that hold DAV data, over a connection of its own."""
    database = open_database(database_url)
    database.connect()
    try:
        digest = hashlib.sha256()
        for table in STORED_TABLES:
            for row in database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall():
                digest.update(
                    repr(
                        tuple(
                            bytes(v) if isinstance(v, (memoryview, bytearray)) else v for v in row
                        )
                    ).encode()
                )
        return digest.hexdigest()
    finally:
        database.close()


@dataclass
class HostileTarget:
    """One server under attack: where it listens, a login on it, and its stored data's digest."""

    name: str
    base_url: str
    login: Login
    database_url: str

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def snapshot(self) -> str:
        return stored_digest(self.database_url)


def in_process_target(server, database_url: str) -> HostileTarget:
    return HostileTarget(
        "one-process", server.base_url, make_login(server, "hostile"), database_url
    )


def two_worker_target(tmp_dir: Path) -> tuple[HostileTarget, Callable[[], None]]:
    """`davserver serve --workers 2` on a fresh database; returns the target and its teardown."""
    database = FreshDatabase(str(tmp_dir))
    username, password = unique("hostile"), new_password()
    add_login_by_command(database.url, username, password)
    process: ServerProcess = start_server_process(
        database.url, tmp_dir, "--workers", "2", "--threads", "4"
    )
    session = signed_in_session(username, password)
    login = Login(process.base_url, username, password, session)

    def teardown() -> None:
        session.close()
        process.stop()
        database.drop()

    return HostileTarget("two-workers", process.base_url, login, database.url), teardown
