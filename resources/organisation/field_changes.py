"""What the organisation's update functions share: only known fields may change, every
change is described for the audit log, and a record still in use is not deleted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from resources.errors import DomainError, InvalidProperty

_SECRET_FIELDS = frozenset({"password"})


class InUse(DomainError):
    """The record is still referenced; the sentence names by what."""


def refuse_unknown(changes: Mapping[str, object], allowed: Iterable[str]) -> None:
    """Raise InvalidProperty naming every field that cannot be changed."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidProperty(code="unknown_fields", fields=", ".join(unknown))


def describe(changes: Mapping[str, object]) -> str:
    """`name=value, ...` for the audit log; passwords appear only as 'changed'."""
    return ", ".join(
        f"{name}={'(changed)' if name in _SECRET_FIELDS else value}"
        for name, value in sorted(changes.items())
    )


def listed(users: list[str]) -> str:
    """'a, b and c': the users an InUse refusal names."""
    return users[0] if len(users) == 1 else ", ".join(users[:-1]) + " and " + users[-1]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"
