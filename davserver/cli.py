"""The `davserver` command line: serve, import, credential add|passwd|list|test,
admin add, backup, restore, --version.

Errors end the command with one line on stderr and exit status 2 (usage) or 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys

from davserver import __version__
from davserver.config import ConfigError, Settings, load_settings

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report on one line."""


class OneLineParser(argparse.ArgumentParser):
    """Usage errors on one line: 'davserver: error: ...' and exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"davserver: error: {message} (see 'davserver --help')\n")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML config file (also DAVSERVER_CONFIG)")
    for f in Settings.field_info():
        if not f.metadata.get("flag"):
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            parser.add_argument(flag, action="store_true", default=None, help=f.metadata["help"])
        else:
            kind = int if isinstance(f.default, int) else str
            parser.add_argument(
                flag,
                type=kind,
                metavar=f.name.upper(),
                help=f"{f.metadata['help']} (default {f.default!r})",
            )


def add_store_flags(parser: argparse.ArgumentParser) -> None:
    """--database and --config for commands that only touch the store."""
    parser.add_argument("--database", metavar="URL")
    parser.add_argument("--config", metavar="FILE")


def build_parser() -> argparse.ArgumentParser:
    from davserver import backup_cli, calendar_import_cli, cli_admin, connectors_cli, secrets_cli

    parser = OneLineParser(prog="davserver", description="CalDAV/CardDAV groupware server")
    parser.add_argument("--version", action="version", version=f"davserver {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    serve = commands.add_parser("serve", help="run the server")
    add_setting_flags(serve)
    serve.set_defaults(handler=cmd_serve)
    calendar_import_cli.register(commands)
    cli_admin.register(commands)
    secrets_cli.register(commands)
    connectors_cli.register(commands)
    connectors_cli.register_phonebook(commands)
    backup_cli.register(commands)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(flags={k: v for k, v in vars(args).items() if k != "handler"})


def open_store_or_fail(settings: Settings, opener=None):
    """Open the store (or build the app, which opens it) with a one-line error on failure."""
    from davserver.app import open_store
    from resources.auth.secret_box import SecretKeyProblem
    from resources.store.database import DatabaseUrlError, redact_url

    try:
        return (opener or open_store)(settings)
    except DatabaseUrlError as exc:
        raise CliError(str(exc)) from None
    except SecretKeyProblem as exc:
        raise CliError(exc.message) from None
    except Exception as exc:  # driver errors differ per database; all mean "cannot open"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(f"cannot open database {redact_url(settings.database)}: {reason}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from davserver.app import build_app
    from davserver.memory import limit_malloc_arenas
    from davserver.server import PortInUse, check_port_free
    from davserver.workers import per_process_settings

    limit_malloc_arenas()
    settings = settings_from(args)
    logging.basicConfig(level=settings.log_level.upper(), format=_log_format(settings))
    try:
        check_port_free(settings.host, settings.port)
    except PortInUse as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}"
        ) from None
    app = open_store_or_fail(per_process_settings(settings), build_app)
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    if settings.demo:
        _announce_demo(base, settings.demo_language)
    if settings.workers > 1:
        return _serve_workers(app, settings, base)
    return _serve_one_process(app, settings, base)


def _log_format(settings: Settings) -> str:
    process = " [%(process)d]" if settings.workers > 1 else ""
    return f"%(asctime)s %(levelname)s{process} %(name)s: %(message)s"


def _serve_one_process(app, settings: Settings, base: str) -> int:
    """Serve until Ctrl-C (SIGINT); SIGTERM keeps its default, ending the process at once."""
    from davserver.connector_runs import start_connector_runs
    from davserver.external_sync_loop import start_external_sync
    from davserver.maintenance import start_maintenance
    from davserver.server import make_server, serve_until_signalled

    ctrl_c = frozenset({signal.SIGINT})
    signal.pthread_sigmask(
        signal.SIG_BLOCK, ctrl_c
    )  # before any thread starts: they all inherit it
    server = make_server(app, settings)
    start_maintenance(settings)
    start_connector_runs(settings)
    start_external_sync()
    try:
        server.prepare()
    except OSError as exc:
        raise CliError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    _announce_listening(base)
    return EXIT_FAILURE if serve_until_signalled(server, ctrl_c) else 0


def _serve_workers(app, settings: Settings, base: str) -> int:
    """Pre-fork: bind here, then `workers` processes accept on this socket (see davserver.workers)."""
    from davserver.app import close_store
    from davserver.server import open_listener
    from davserver.workers import Supervisor

    try:
        listener = open_listener(settings.host, settings.port)
    except OSError as exc:
        raise CliError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    _announce_listening(base, f", {settings.workers} worker processes")
    close_store()  # each worker opens its own connection
    return Supervisor(app, settings, listener).run()


def _announce_listening(base: str, detail: str = "") -> None:
    print(
        f"davserver {__version__} listening on {base}/  (CalDAV URL: {base}/dav/, admin UI: {base}/admin/{detail})",
        flush=True,
    )


def _announce_demo(base: str, language: str) -> None:
    from resources.organisation.demo import (
        ADMIN_LOGIN,
        ADMIN_PASSWORD,
        DEMO_LANGUAGES,
        DEMO_LOGINS,
        fill_demo_data,
    )

    if language not in DEMO_LANGUAGES:
        raise CliError(f"--demo-language must be {' or '.join(DEMO_LANGUAGES)}, not {language!r}")
    if not fill_demo_data(language=language):
        print("The database is not empty: demo data was not added.")
        return
    print(
        "Demo data created. The demo passwords are for trying only; never use them in production."
    )
    for login in DEMO_LOGINS:
        print(f"  CalDAV login {login.username} / {login.password}: {login.note}")
        print(f"    URL: {base}/dav/calendars/{login.username}/")
    print(
        f"  Admin login {ADMIN_LOGIN} / {ADMIN_PASSWORD}: signs in to the admin UI at {base}/admin/"
    )


def read_secret(prompt: str) -> str:
    """A password from the terminal (asked) or from stdin (first line); empty if none."""
    if sys.stdin is None or sys.stdin.closed:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except (CliError, ConfigError) as exc:
        print(f"davserver: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 0
