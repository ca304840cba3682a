"""The connection test (seed 003): every check in order, each with a tick or a cross and
a sentence a shop manager understands, then a real round trip through the server: for
appointments (CalDAV) on one resource's calendar, for contacts (CardDAV) on the login's
address books."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from resources.auth.access import (
    CALDAV,
    CARDDAV,
    branch_today,
    resource_decision,
    service_classes,
    validity_decision,
)
from resources.auth.credentials import find_credential
from resources.auth.login_throttle import DAV, user_lock
from resources.errors import InvalidProperty
from resources.organisation.resource_calendars import find_resource
from resources.organisation.url_generator import AddressBookUrl, addressbook_urls
from resources.store.organisation import ServiceCredential, UserAccount


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    message: str
    until: float | None = None  # epoch seconds a lock-out ends (check not_locked_out only)


@dataclass
class ConnectionTestResult:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


# (username, slug, password or None) -> the round trip's checks
RoundTrip = Callable[[str, str, str | None], list[Check]]
# (username, the address books to read, password or None) -> the round trip's checks
AddressBookRoundTrip = Callable[[str, Sequence[AddressBookUrl], str | None], list[Check]]
SERVICES = (CALDAV, CARDDAV)


def run_connection_test(
    username: str,
    slug: str,
    *,
    service: str = CALDAV,
    password: str | None = None,
    round_trip: RoundTrip | None = None,
    address_book_round_trip: AddressBookRoundTrip | None = None,
    today: date | None = None,
    failures_per_user: int = 10,
) -> ConnectionTestResult:
    """Test the login for appointments (`service` caldav, on resource `slug`) or for
    contacts (carddav, on its address books; `slug` is not used)."""
    if service not in SERVICES:
        raise InvalidProperty("The service to test is either 'caldav' or 'carddav'.")
    result = ConnectionTestResult()
    add = result.checks.append
    credential = find_credential(username)
    if credential is None:
        add(
            Check(
                "credential_saved",
                False,
                "The login has not been saved yet. Save it, then test again.",
            )
        )
        return result
    add(Check("credential_saved", True, f"The login {credential.username} is saved."))
    account = credential.account if credential.account_id else None
    branch = credential.branch if credential.branch_id else None
    add(
        Check(
            "password_set",
            credential.password_hash is not None,
            "A password is set."
            if credential.password_hash
            else "No password has been set. Set a new password and enter it on the phone.",
        )
    )
    add(
        Check(
            "confirmed",
            credential.confirmed,
            "The login is confirmed."
            if credential.confirmed
            else "The login is not confirmed. Tick 'confirmed' and save.",
        )
    )
    validity = validity_decision(credential, today or branch_today(branch))
    add(
        Check(
            "validity_window",
            validity.allowed,
            _window_sentence(credential) if validity.allowed else validity.sentence,
        )
    )
    active = account is None or account.active
    add(
        Check(
            "account_active",
            active,
            "The user account is active."
            if active
            else "The user account this login belongs to is deactivated.",
        )
    )
    if service == CARDDAV:
        add(_contacts_class_check(credential))
        add(_lock_check(credential.username, failures_per_user))
        if all(c.ok for c in result.checks) and address_book_round_trip is not None:
            books = addressbook_urls("", credential)
            result.checks.extend(address_book_round_trip(credential.username, books, password))
        return result
    has_caldav = CALDAV in service_classes(credential)
    add(
        Check(
            "service_class",
            has_caldav,
            "The login is set up for appointment sync (CalDAV)."
            if has_caldav
            else "The login is not set up for appointment sync. Add the service class CalDAV.",
        )
    )
    add(_lock_check(credential.username, failures_per_user))
    _resource_checks(credential, account, slug, add)
    if all(c.ok for c in result.checks) and round_trip is not None:
        result.checks.extend(round_trip(credential.username, slug, password))
    return result


def _contacts_class_check(credential: ServiceCredential) -> Check:
    has_carddav = CARDDAV in service_classes(credential)
    return Check(
        "service_class",
        has_carddav,
        "The login is set up for contacts (CardDAV)."
        if has_carddav
        else "The login is not set up for contacts. Add the service class CardDAV.",
    )


def _lock_check(username: str, failures_per_user: int) -> Check:
    """Too many wrong passwords lock the login out for phones at addresses it never signed in from."""
    lock = user_lock(DAV, username, failures_per_user)
    if lock is None:
        return Check("not_locked_out", True, "The login is not locked out by failed sign-ins.")
    ends = datetime.fromtimestamp(lock.ends_at, UTC)
    return Check(
        "not_locked_out",
        False,
        f"The login is locked out after {lock.failures} failed sign-ins until {ends:%H:%M:%S} UTC "
        f"({ends:%Y-%m-%dT%H:%M:%SZ}): a phone that has not signed in before gets 'too many attempts'. "
        "Unlock the login, or wait.",
        until=lock.ends_at,
    )


def _window_sentence(credential: ServiceCredential) -> str:
    if credential.valid_from and credential.valid_until:
        return f"Today is inside the validity window {credential.valid_from:%d.%m.%Y} to {credential.valid_until:%d.%m.%Y}."
    if credential.valid_from:
        return f"The login is valid from {credential.valid_from:%d.%m.%Y} on."
    if credential.valid_until:
        return f"The login is valid until {credential.valid_until:%d.%m.%Y}."
    return "The login has no validity limits."


def _resource_checks(
    credential: ServiceCredential,
    account: UserAccount | None,
    slug: str,
    add: Callable[[Check], None],
) -> None:
    resource = find_resource(slug)
    if resource is None:
        add(
            Check(
                "resource_exists", False, f"There is no resource '{slug}'. Pick one from the list."
            )
        )
        return
    add(Check("resource_exists", True, f"The resource {resource.name} exists."))
    add(
        Check(
            "resource_active",
            resource.active,
            f"{resource.name} is active."
            if resource.active
            else f"{resource.name} is deactivated. Activate it first.",
        )
    )
    add(
        Check(
            "sync_allowed",
            resource.sync_allowed,
            f"Sync is switched on for {resource.name}."
            if resource.sync_allowed
            else f"Sync is switched off for {resource.name}. Switch on 'sync allowed' for this resource.",
        )
    )
    decision = resource_decision(credential, account, resource)
    visible = decision.allowed or decision.code in (
        "resource_inactive",
        "sync_not_allowed",
        "no_caldav",
    )
    add(
        Check(
            "resource_visible",
            visible,
            f"This login may see {resource.name}."
            if visible
            else f"This login may not see {resource.name}: {decision.sentence} "
            "A login sees its own employee's calendar and the rooms.",
        )
    )
