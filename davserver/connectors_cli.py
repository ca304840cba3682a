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


def register(commands: argparse._SubParsersAction) -> None:
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
    for problem in json.loads(run.errors)[:20]:
        print(f"  line {problem['line']}: {problem['message']}")
    return 0 if run.state == "ok" else 1


def register_phonebook(commands: argparse._SubParsersAction) -> None:
    from davserver.cli import add_store_flags

    phonebook = commands.add_parser("phonebook", help="the company phonebook")
    actions = phonebook.add_subparsers(dest="action", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import", help="make a CSV file the phonebook's entries of one connection"
    )
    importer.add_argument("file", metavar="FILE.csv")
    importer.add_argument(
        "--connection",
        default="CSV file",
        metavar="NAME",
        help="the csv-file connection whose entries the file replaces (made if missing; "
        "default 'CSV file')",
    )
    importer.add_argument("--delimiter", choices=("auto", "comma", "semicolon", "tab", "pipe"))
    importer.add_argument("--encoding", choices=("auto", "utf-8", "windows-1252"))
    add_store_flags(importer)
    importer.set_defaults(handler=cmd_phonebook_import)


def _progress(path: str):
    import os
    import sys

    if not sys.stderr.isatty():
        return None
    total = max(os.path.getsize(path), 1)

    def show(done: int) -> None:
        width = 30
        filled = width * min(done, total) // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // total}%")
        sys.stderr.flush()

    return show


def cmd_phonebook_import(args: argparse.Namespace) -> int:
    import sys

    from davserver.cli import CliError
    from resources.connectors.connections import TestFailed, create_connection
    from resources.connectors.run_queue import start_run_now
    from resources.connectors.uploaded_source import UploadedSource, file_chunks
    from resources.errors import DomainError

    _open(args)
    try:
        reader = file_chunks(args.file)
        next(iter(reader()), None)
    except OSError as error:
        raise CliError(f"cannot read {args.file}: {error.strerror}") from None
    show = _progress(args.file)

    def chunks_with_progress():
        done = 0
        for chunk in reader():
            done += len(chunk)
            if show:
                show(done)
            yield chunk

    settings = {
        name: value
        for name, value in (("delimiter", args.delimiter), ("encoding", args.encoding))
        if value
    }
    connection = Connection.get_or_none(Connection.name == args.connection)
    if connection is None:
        try:
            connection, _outcome = create_connection(
                args.connection,
                "csv-file",
                "phonebook",
                settings,
                UploadedSource(reader),
                actor="command line",
            )
        except TestFailed as error:
            raise CliError(error.outcome.checks[-1].message) from None
        except DomainError as error:
            raise CliError(error.message) from None
    elif connection.type != "csv-file":
        raise CliError(f"the connection {args.connection!r} is a {connection.type} connection")
    owner = process_owner()
    run = start_run_now(connection.id, owner)
    if run is None:
        raise CliError(f"the connection {args.connection!r} is running already; try again later")
    run = run_claimed(run, owner, UploadedSource(chunks_with_progress))
    if show:
        sys.stderr.write("\n")
    print(_summary(run))
    for problem in json.loads(run.errors)[:20]:
        print(f"  line {problem['line']}: {problem['message']}")
    return 0 if run.state == "ok" else 1
