"""The `davserver` command line: serve, credential add, --version.

Errors end the command with one line on stderr and exit status 2 (usage) or 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from davserver import __version__
from davserver.config import ConfigError, Settings, load_settings

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report on one line."""


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML config file (also DAVSERVER_CONFIG)")
    for f in Settings.field_info():
        if not f.metadata.get("flag"):
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            parser.add_argument(flag, action="store_true", default=None, help=f.metadata["help"])
        else:
            kind = int if isinstance(f.default, int) else str
            parser.add_argument(flag, type=kind, metavar=f.name.upper(), help=f"{f.metadata['help']} (default {f.default!r})")


class OneLineParser(argparse.ArgumentParser):
    """Usage errors on one line: 'davserver: error: ...' and exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"davserver: error: {message} (see 'davserver --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="davserver", description="CalDAV/CardDAV groupware server")
    parser.add_argument("--version", action="version", version=f"davserver {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    serve = commands.add_parser("serve", help="run the server")
    _add_setting_flags(serve)
    credential = commands.add_parser("credential", help="manage logins")
    credential_commands = credential.add_subparsers(dest="credential_command", metavar="ACTION", parser_class=OneLineParser)
    add = credential_commands.add_parser("add", help="create a login (password from stdin, or generated)")
    add.add_argument("username")
    add.add_argument("--user", metavar="LOGIN", help="user account the login acts for (default: same as USERNAME)")
    add.add_argument("--branch", metavar="NAME", help="branch for appointments made on the device (default: first)")
    add.add_argument("--services", default="caldav,carddav", help="caldav, carddav or both (default both)")
    add.add_argument("--unconfirmed", action="store_true", help="create it unconfirmed")
    add.add_argument("--database", metavar="URL")
    add.add_argument("--config", metavar="FILE")
    importer = commands.add_parser("import", help="import a .ics file into a calendar")
    importer.add_argument("--calendar", required=True, metavar="URL-PATH",
                          help="the calendar, e.g. /dav/calendars/anna/work/ (created if missing)")
    importer.add_argument("file", metavar="FILE.ics")
    importer.add_argument("--database", metavar="URL")
    importer.add_argument("--config", metavar="FILE")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(flags=vars(args))


def _open(settings: Settings, opener=None):
    """Open the store (or build the app, which opens it) with a one-line error on failure."""
    from davserver.app import open_store
    from resources.store.database import DatabaseUrlError, redact_url

    try:
        return (opener or open_store)(settings)
    except DatabaseUrlError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # driver errors differ per database; all mean "cannot open"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(f"cannot open database {redact_url(settings.database)}: {reason}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from davserver.app import build_app
    from davserver.maintenance import start_maintenance
    from davserver.server import PortInUse, check_port_free, make_server
    from resources.demo import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_LOGINS, fill_demo_data

    settings = _settings(args)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        check_port_free(settings.host, settings.port)
    except PortInUse as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}") from None
    app = _open(settings, build_app)
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    if settings.demo and fill_demo_data():
        print("Demo data created. The demo passwords are for trying only; never use them in production.")
        for login in DEMO_LOGINS:
            print(f"  CalDAV login {login.username} / {login.password}: {login.note}")
            print(f"    URL: {base}/dav/calendars/{login.username}/")
        print(f"  Admin login {ADMIN_LOGIN} / {ADMIN_PASSWORD}")
    server = make_server(app, settings)
    start_maintenance(settings)
    try:
        server.prepare()
    except OSError as exc:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    print(f"davserver {__version__} listening on {base}/  (CalDAV URL: {base}/dav/)", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_credential_add(args: argparse.Namespace) -> int:
    from resources.accounts import personal_account
    from resources.branches import default_branch
    from resources.credentials import create_credential
    from resources.errors import DomainError
    from resources.passwords import generate_password
    from resources.store.organisation import Branch

    settings = _settings(args)
    _open(settings)
    password = _read_password()
    generated = not password
    if generated:
        password = generate_password()
    try:
        branch = Branch.get_or_none(Branch.name == args.branch) if args.branch else default_branch()
        if branch is None:
            raise CliError(f"there is no branch named {args.branch!r}")
        create_credential(
            args.username, password, account=personal_account(args.user or args.username).id, branch=branch.id,
            service_classes_=tuple(s.strip() for s in args.services.split(",")), confirmed=not args.unconfirmed,
            actor="command line",
        )
    except DomainError as exc:
        raise CliError(exc.message) from None
    if generated:
        print(f"Created {args.username!r}. Password (shown only once): {password}")
    else:
        print(f"Created {args.username!r}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from davserver.calendar_import_cli import run_import

    settings = _settings(args)
    _open(settings)
    return run_import(args.calendar, args.file, settings)


def _read_password() -> str:
    if sys.stdin is None or sys.stdin.closed:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass("Password (empty to generate one): ")
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "credential" and args.credential_command == "add":
            return cmd_credential_add(args)
        if args.command == "import":
            return cmd_import(args)
    except (CliError, ConfigError) as exc:
        print(f"davserver: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 0
    parser.print_help(sys.stderr)
    return EXIT_USAGE
