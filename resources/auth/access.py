"""Who may log in and who sees which calendar (seed 003): plain functions that return a
decision with a reason code and a sentence; the protocol layers only map them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import peewee

from resources.error_codes import Sentence, Value
from resources.store.organisation import (
    Branch,
    Resource,
    ServiceCredential,
    UserAccount,
)

CALDAV = "caldav"
CARDDAV = "carddav"
SERVICE_CLASSES = (CALDAV, CARDDAV)


@dataclass(frozen=True)
class Decision:
    """`code` is "ok" or the refusal's reason; `reason` the catalogue sentence for it."""

    allowed: bool
    code: str
    reason: Sentence

    @property
    def sentence(self) -> str:
        return self.reason.english


ALLOWED = Decision(True, "ok", Sentence("access_allowed"))


def refuse(code: str, **params: Value) -> Decision:
    """A refusal whose reason code is also its sentence's code in the catalogue."""
    return Decision(False, code, Sentence(code, params))


def service_classes(credential: ServiceCredential) -> frozenset[str]:
    return frozenset(c for c in credential.service_classes.split(",") if c)


def branch_today(branch: Branch | None, now: datetime | None = None) -> date:
    """Today's date where the credential's branch is (validity dates are read there)."""
    return branch_today_in(branch.timezone if branch else None, now)


def branch_today_in(timezone: str | None, now: datetime | None = None) -> date:
    try:
        zone = ZoneInfo(timezone or "Europe/Berlin")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return (now.astimezone(zone) if now else datetime.now(zone)).date()


def validity_decision(credential: ServiceCredential, today: date) -> Decision:
    if credential.valid_from and today < credential.valid_from:
        return refuse("not_yet_valid", start=f"{credential.valid_from:%d.%m.%Y}")
    if credential.valid_until and today > credential.valid_until:
        return refuse("expired", end=f"{credential.valid_until:%d.%m.%Y}")
    return ALLOWED


class AccountFacts(Protocol):
    """What the login rules read of an account: a UserAccount, or the login query's join."""

    @property
    def active(self) -> bool: ...

    @property
    def employee_id(self) -> int | None: ...


def login_decision(
    credential: ServiceCredential, account: AccountFacts | None, today: date
) -> Decision:
    """Everything but the password itself, in the order the connection test reports it."""
    if credential.password_hash is None:
        return refuse("no_password")
    if not credential.confirmed:
        return refuse("not_confirmed")
    validity = validity_decision(credential, today)
    if not validity.allowed:
        return validity
    if account is not None and not account.active:
        return refuse("account_inactive")
    return ALLOWED


def resource_decision(
    credential: ServiceCredential, account: UserAccount | None, resource: Resource | None
) -> Decision:
    """May this credential sync this resource's calendar?"""
    if CALDAV not in service_classes(credential):
        return refuse("no_caldav")
    if resource is None:
        return refuse("resource_unknown")
    if not resource.active:
        return refuse("resource_inactive", name=resource.name)
    if not resource.sync_allowed:
        return refuse("sync_not_allowed", name=resource.name)
    if resource.kind == "person":
        own_employee = account.employee_id if account is not None else None
        if own_employee is None or resource.employee_id != own_employee:
            return refuse("not_own_person", name=resource.name)
    return ALLOWED


def visibility_condition(employee_id: int | None) -> peewee.Expression:
    """Which resources a login with this employee sees: its employee's person resources
    and every room, each while active and with sync allowed (hot_queries repeats this
    rule in SQL for the per-request lookup by slug)."""
    mine = Resource.kind == "room"
    if employee_id is not None:
        mine = mine | ((Resource.kind == "person") & (Resource.employee == employee_id))
    return Resource.active & Resource.sync_allowed & mine
