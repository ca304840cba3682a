"""Changes that may move logins between the company book's audiences (a group's
members, the account a login acts for): the company book, a layer above, registers what
to do where the app is built, and these changes call it inside their transaction."""

from __future__ import annotations

from collections.abc import Callable

_HOOKS: list[Callable[[], None]] = []


def register(hook: Callable[[], None]) -> None:
    """Registering the same hook again changes nothing."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def logins_may_have_moved() -> None:
    """Call inside the transaction that changed group members or a login's account."""
    for hook in _HOOKS:
        hook()
