"""Connections that feed the phonebook from CSV files on a local web server, run as the
worker runs them, for the scope and priority tests: each connection has its own file,
and `run` makes its entries exactly that file's rows."""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass

from davserver.connector_http import HttpxSourceClient
from resources.connectors import run_queue
from resources.connectors.csv_url import CSV_URL
from resources.connectors.phonebook_target import PHONEBOOK_TARGET
from resources.connectors.run_executor import execute_run
from resources.store.connectors import Connection
from resources.store.database import write_transaction
from tests.source_server import SourceServer

COLUMNS = ("id", "last_name", "first_name", "company", "phone_work", "phone_mobile", "email")


def digits() -> str:
    """Seven digits no other test's number ends in (entries of one database merge)."""
    return str(random.randrange(2_000_000, 9_999_999))


@dataclass
class CsvConnection:
    files: SourceServer
    connection: Connection

    @property
    def name(self) -> str:
        return str(self.connection.name)

    @property
    def path(self) -> str:
        return f"/{self.connection.id}.csv"

    def serve(self, *rows: dict[str, str]) -> None:
        lines = [",".join(COLUMNS)]
        lines += [",".join(row.get(column, "") for column in COLUMNS) for row in rows]
        self.files.put(self.path, ("\n".join(lines) + "\n").encode())

    def run(self, *rows: dict[str, str]) -> None:
        """Serve `rows` and run the connection once; the run must succeed."""
        self.serve(*rows)
        run_queue.queue_run(self.connection.id)
        owner = run_queue.process_owner()
        claimed = run_queue.claim_next_run(owner)
        assert claimed is not None and claimed.connection_id == self.connection.id
        settings = json.loads(Connection.get_by_id(self.connection.id).settings)
        done = execute_run(claimed, owner, CSV_URL, settings, PHONEBOOK_TARGET, HttpxSourceClient())
        assert done.state == "ok", done.message


def csv_connection(files: SourceServer, *, priority: int = 0) -> CsvConnection:
    now = time.time()
    with write_transaction():
        made = Connection.create(
            name=f"CSV {uuid.uuid4().hex[:8]}",
            type="csv-url",
            target="phonebook",
            settings="{}",
            priority=priority,
            created=now,
            modified=now,
        )
        Connection.update(settings=json.dumps({"url": files.url(f"/{made.id}.csv")})).where(
            Connection.id == made.id
        ).execute()
    return CsvConnection(files, Connection.get_by_id(made.id))
