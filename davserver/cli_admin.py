"""Command-line administration: `credential add|passwd|list|test|unlock` and `admin add`."""

from __future__ import annotations

import argparse

from davserver.cli import (
    CliError,
    add_store_flags,
    open_store_or_fail,
    read_secret,
    settings_from,
)
from resources.errors import DomainError

ACTOR = "command line"


def register(commands) -> None:
    from davserver.cli import OneLineParser

    credential = commands.add_parser("credential", help="manage device logins")
    actions = credential.add_subparsers(
        dest="credential_command", metavar="ACTION", parser_class=OneLineParser
    )
    add = actions.add_parser("add", help="create a login (password from stdin, or generated)")
    add.add_argument("username")
    add.add_argument(
        "--user",
        metavar="LOGIN",
        help="user account the login acts for (default: same as USERNAME)",
    )
    add.add_argument(
        "--branch",
        metavar="NAME",
        help="branch for appointments made on the device (default: first)",
    )
    add.add_argument(
        "--services", default="caldav,carddav", help="caldav, carddav or both (default both)"
    )
    confirming = add.add_mutually_exclusive_group()
    confirming.add_argument(
        "--confirmed",
        action="store_true",
        help="confirm it at once (the administrator's release; default: unconfirmed, as in the UI)",
    )
    confirming.add_argument(
        "--unconfirmed", action="store_true", help="create it unconfirmed (the default)"
    )
    add.set_defaults(handler=cmd_credential_add)
    passwd = actions.add_parser("passwd", help="set a login's password (from stdin, or generated)")
    passwd.add_argument("username")
    passwd.set_defaults(handler=cmd_credential_passwd)
    listing = actions.add_parser("list", help="list logins")
    listing.set_defaults(handler=cmd_credential_list)
    test = actions.add_parser(
        "test", help="run the connection test for a login and a resource, or its address books"
    )
    test.add_argument("username")
    test.add_argument("--resource", metavar="SLUG", help="the resource (for --service caldav)")
    test.add_argument(
        "--service",
        choices=("caldav", "carddav"),
        default="caldav",
        help="appointments on --resource (default) or contacts in the address books",
    )
    test.set_defaults(handler=cmd_credential_test)
    unlock = actions.add_parser("unlock", help="lift the lock failed sign-ins put on a login")
    unlock.add_argument("username")
    unlock.set_defaults(handler=cmd_credential_unlock)
    for sub in (add, passwd, listing, test, unlock):
        add_store_flags(sub)
    admin = commands.add_parser("admin", help="manage administrator accounts")
    admin_actions = admin.add_subparsers(
        dest="admin_command", metavar="ACTION", parser_class=OneLineParser
    )
    admin_add = admin_actions.add_parser(
        "add", help="create an admin account (password from stdin)"
    )
    admin_add.add_argument("login")
    add_store_flags(admin_add)
    admin_add.set_defaults(handler=cmd_admin_add)


def _open(args: argparse.Namespace):
    settings = settings_from(args)
    open_store_or_fail(settings)
    return settings


def _password_or_generated(prompt: str) -> tuple[str, bool]:
    from resources.auth.passwords import generate_password

    password = read_secret(prompt)
    return (password, False) if password else (generate_password(), True)


def cmd_credential_add(args: argparse.Namespace) -> int:
    from resources.auth.credentials import create_credential
    from resources.organisation.accounts import personal_account
    from resources.organisation.branches import default_branch
    from resources.store.organisation import Branch

    _open(args)
    password, generated = _password_or_generated("Password (empty to generate one): ")
    try:
        branch = Branch.get_or_none(Branch.name == args.branch) if args.branch else default_branch()
        if branch is None:
            raise CliError(f"there is no branch named {args.branch!r}")
        create_credential(
            args.username,
            password,
            account=personal_account(args.user or args.username).id,
            branch=branch.id,
            service_classes_=tuple(s.strip() for s in args.services.split(",")),
            confirmed=args.confirmed,
            actor=ACTOR,
        )
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(
        f"Created {args.username!r}"
        + (
            " (confirmed)."
            if args.confirmed
            else " (not confirmed: add --confirmed, or tick it in the admin UI)."
        )
        + (f" Password (shown only once): {password}" if generated else "")
    )
    return 0


def cmd_credential_passwd(args: argparse.Namespace) -> int:
    from resources.auth.credentials import set_password

    _open(args)
    password, generated = _password_or_generated("New password (empty to generate one): ")
    try:
        set_password(args.username, password, actor=ACTOR)
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(
        f"Password of {args.username!r} set."
        + (f" New password (shown only once): {password}" if generated else "")
    )
    return 0


def cmd_credential_list(args: argparse.Namespace) -> int:
    from resources.store.organisation import ServiceCredential

    _open(args)
    print(f"{'USERNAME':30} {'SERVICES':16} {'CONFIRMED':9} {'PASSWORD':8} LAST REFUSAL")
    for credential in ServiceCredential.select().order_by(ServiceCredential.username):
        print(
            f"{credential.username:30} {credential.service_classes:16} {'yes' if credential.confirmed else 'no':9} "
            f"{'set' if credential.password_hash else '-':8} {credential.last_refusal or '-'}"
        )
    return 0


def cmd_credential_test(args: argparse.Namespace) -> int:
    from davserver.app import build_caldav_carddav_app
    from davserver.connection_round_trip import make_address_book_round_trip, make_round_trip
    from resources.organisation.connection_test import run_connection_test

    if args.service == "caldav" and not args.resource:
        raise CliError("--resource SLUG is needed to test appointment sync (caldav)")
    settings = _open(args)
    dav = build_caldav_carddav_app(settings)
    result = run_connection_test(
        args.username,
        args.resource or "",
        service=args.service,
        round_trip=make_round_trip(dav),
        address_book_round_trip=make_address_book_round_trip(dav),
        failures_per_user=settings.login_failures_per_user,
    )
    for check in result.checks:
        print(f"{'✓' if check.ok else '✗'} {check.check}: {check.message}")
    print("All checks passed." if result.ok else "The connection test failed.")
    return 0 if result.ok else 1


def cmd_credential_unlock(args: argparse.Namespace) -> int:
    from resources.auth.credentials import unlock_login

    _open(args)
    try:
        forgotten = unlock_login(args.username, actor=ACTOR)
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(f"Login {args.username!r} unlocked ({forgotten} failed sign-ins forgotten).")
    return 0


def cmd_admin_add(args: argparse.Namespace) -> int:
    from resources.organisation.accounts import create_account

    _open(args)
    password = read_secret("Password: ")
    if not password:
        raise CliError("an admin account needs a password (give it on stdin)")
    try:
        create_account(args.login, role="admin", password=password, actor=ACTOR)
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(f"Admin account {args.login!r} created.")
    return 0
