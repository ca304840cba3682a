"""`davserver secrets new-key` and `davserver secrets rotate`: the keys that seal stored
connector passwords and tokens (README, "Secrets and their keys")."""

from __future__ import annotations

import argparse

from resources.auth.secret_box import current_secret_box, new_key, reseal_canary


def register(commands: argparse._SubParsersAction) -> None:
    from davserver.cli import add_store_flags

    secrets = commands.add_parser("secrets", help="the keys that seal stored secrets")
    actions = secrets.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new-key", help="print a new key (nothing is stored)")
    new.set_defaults(handler=cmd_new_key)
    rotate = actions.add_parser(
        "rotate", help="seal every stored secret again with the first of the keys"
    )
    add_store_flags(rotate)
    rotate.set_defaults(handler=cmd_rotate)


def cmd_new_key(args: argparse.Namespace) -> int:
    print(new_key().decode("ascii"))
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from davserver.cli import open_store_or_fail, settings_from

    open_store_or_fail(settings_from(args))
    box = current_secret_box()
    reseal_canary(box)
    print("Every stored secret is now sealed with the first key; the others can be removed.")
    return 0
