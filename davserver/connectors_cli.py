"""`davserver connection list` and `davserver connection run NAME`: the connections and
their play button on the command line."""

from __future__ import annotations

import argparse
import json
import time

from davserver.connector_http import HttpxSourceClient
from resources.connectors.run_queue import QUEUED, RUNNING, claim_next_run, process_owner, queue_run
from resources.connectors.run_worker import run_claimed
from resources.store.connectors import Connection, ConnectorRun


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from davserver.cli import add_store_flags

    connection = commands.add_parser("connection", help="connections to data sources")
    actions = connection.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the connections and their last runs")
    add_store_flags(listing)
    listing.set_defaults(handler=cmd_list)
    run = actions.add_parser("run", help="run a connection now and wait for its outcome")
    run.add_argument("name")
    add_store_flags(run)
    run.set_defaults(handler=cmd_run)


def _open(args: argparse.Namespace) -> None:
    from davserver.cli import open_store_or_fail, settings_from

    open_store_or_fail(settings_from(args))


def _summary(run: ConnectorRun) -> str:
    counts = ", ".join(
        f"{name} {getattr(run, name)}"
        for name in ("added", "updated", "removed", "unchanged", "skipped")
    )
    return f"{run.state}: {counts}" + (f" - {run.message}" if run.message else "")


def cmd_list(args: argparse.Namespace) -> int:
    _open(args)
    for connection in Connection.select().order_by(Connection.name):
        last = (
            ConnectorRun.select()
            .where(ConnectorRun.connection == connection.id)
            .order_by(ConnectorRun.id.desc())
            .first()
        )
        shown = _summary(last) if last else "never run"
        print(f"{connection.name}\t{connection.type}\t{connection.target}\t{shown}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from davserver.cli import CliError

    _open(args)
    connection = Connection.get_or_none(Connection.name == args.name)
    if connection is None:
        raise CliError(f"there is no connection named {args.name!r} (davserver connection list)")
    run, _queued = queue_run(connection.id)
    owner = process_owner()
    while run.state in (QUEUED, RUNNING):
        claimed = claim_next_run(owner)
        if claimed is not None and claimed.id != run.id:
            run_claimed(claimed, owner, HttpxSourceClient())  # another queued run: do it too
        elif claimed is not None:
            run = run_claimed(claimed, owner, HttpxSourceClient())
            break
        else:
            time.sleep(1)  # a server process has it; wait for its outcome
        run = ConnectorRun.get_by_id(run.id)
    print(_summary(run))
    for error in json.loads(run.errors)[:20]:
        print(f"  line {error['line']}: {error['message']}")
    return 0 if run.state == "ok" else 1
