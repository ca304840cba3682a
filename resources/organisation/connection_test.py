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
from resources.error_codes import Sentence, sentence
from resources.errors import InvalidProperty
from resources.organisation.resource_calendars import find_resource
from resources.organisation.url_generator import AddressBookUrl, addressbook_urls
from resources.store.organisation import ServiceCredential, UserAccount


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    sentence: Sentence
    until: float | None = None  # epoch seconds a lock-out ends (check not_locked_out only)

    @property
    def message(self) -> str:
        return self.sentence.english


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
        raise InvalidProperty(code="service_to_test_invalid", field="service")
    result = ConnectionTestResult()
    add = result.checks.append
    credential = find_credential(username)
    if credential is None:
        add(Check("credential_saved", False, sentence("check_unsaved")))
        return result
    add(Check("credential_saved", True, sentence("check_saved", name=credential.username)))
    account = credential.account if credential.account_id else None
    branch = credential.branch if credential.branch_id else None
    add(
        Check(
            "password_set",
            credential.password_hash is not None,
            sentence("check_password_set" if credential.password_hash else "check_no_password"),
        )
    )
    add(
        Check(
            "confirmed",
            credential.confirmed,
            sentence("check_confirmed" if credential.confirmed else "check_not_confirmed"),
        )
    )
    validity = validity_decision(credential, today or branch_today(branch))
    add(
        Check(
            "validity_window",
            validity.allowed,
            _window_sentence(credential) if validity.allowed else validity.reason,
        )
    )
    active = account is None or account.active
    add(
        Check(
            "account_active",
            active,
            sentence("check_account_active" if active else "account_inactive"),
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
            sentence("check_caldav" if has_caldav else "check_no_caldav"),
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
        sentence("check_carddav" if has_carddav else "check_no_carddav"),
    )


def _lock_check(username: str, failures_per_user: int) -> Check:
    """Too many wrong passwords lock the login out for phones at addresses it never signed in from."""
    lock = user_lock(DAV, username, failures_per_user)
    if lock is None:
        return Check("not_locked_out", True, sentence("check_not_locked"))
    ends = datetime.fromtimestamp(lock.ends_at, UTC)
    return Check(
        "not_locked_out",
        False,
        sentence(
            "check_locked",
            failures=lock.failures,
            time=f"{ends:%H:%M:%S}",
            moment=f"{ends:%Y-%m-%dT%H:%M:%SZ}",
        ),
        until=lock.ends_at,
    )


def _window_sentence(credential: ServiceCredential) -> Sentence:
    start = f"{credential.valid_from:%d.%m.%Y}" if credential.valid_from else ""
    end = f"{credential.valid_until:%d.%m.%Y}" if credential.valid_until else ""
    if start and end:
        return sentence("check_window", start=start, end=end)
    if start:
        return sentence("check_valid_from", start=start)
    if end:
        return sentence("check_valid_until", end=end)
    return sentence("check_no_limits")


def _resource_checks(
    credential: ServiceCredential,
    account: UserAccount | None,
    slug: str,
    add: Callable[[Check], None],
) -> None:
    resource = find_resource(slug)
    if resource is None:
        add(Check("resource_exists", False, sentence("check_no_resource", slug=slug)))
        return
    add(Check("resource_exists", True, sentence("check_resource_exists", name=resource.name)))
    add(
        Check(
            "resource_active",
            resource.active,
            sentence(
                "check_resource_active" if resource.active else "check_resource_inactive",
                name=resource.name,
            ),
        )
    )
    add(
        Check(
            "sync_allowed",
            resource.sync_allowed,
            sentence(
                "check_sync_on" if resource.sync_allowed else "check_sync_off", name=resource.name
            ),
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
            sentence("check_visible", name=resource.name)
            if visible
            else sentence("check_not_visible", name=resource.name, reason=decision.reason),
        )
    )
