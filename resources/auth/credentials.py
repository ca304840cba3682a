"""Service credentials: create, set the password, look up and verify a login.

The username is unique without regard to case and never changes after creation.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import peewee

from resources.auth import audience_hooks, audit, login_throttle, passwords
from resources.auth.access import (
    CALDAV,
    CARDDAV,
    SERVICE_CLASSES,
    branch_today_in,
    login_decision,
    service_classes,
)
from resources.error_codes import Sentence
from resources.errors import AlreadyExists, CredentialRefused, InvalidProperty, NotFound
from resources.store.database import write_transaction
from resources.store.hot_queries import credential_for_login
from resources.store.organisation import Branch, ServiceCredential, UserAccount

_login_cache = passwords.VerifiedLoginCache()

USERNAME_MAX = 200
_FORBIDDEN_USERNAME_CHARS = set('/\\?#%"<>\x00\r\n\t ')


def username_key(username: str) -> str:
    return username.casefold()


def has_control_characters(text: str) -> bool:
    """Control characters (C0, DEL, C1) and line or paragraph separators."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def check_username(username: str) -> None:
    """Refuse user names that cannot live in a URL segment."""
    if not username or len(username) > USERNAME_MAX:
        raise InvalidProperty(code="username_length", field="username", max=USERNAME_MAX)
    bad = sorted(set(username) & _FORBIDDEN_USERNAME_CHARS)
    if bad or username in (".", "..") or has_control_characters(username):
        raise InvalidProperty(code="username_characters", field="username")


CREDENTIAL_KINDS = ("individual",)
UPDATABLE_FIELDS = (
    "kind",
    "account",
    "branch",
    "service_classes",
    "valid_from",
    "valid_until",
    "confirmed",
    "display_name",
)


def normalise_service_classes(classes: Iterable[str]) -> str:
    chosen = [c for c in SERVICE_CLASSES if c in set(classes)]
    unknown = set(classes) - set(SERVICE_CLASSES)
    if unknown or not chosen:
        raise InvalidProperty(code="service_classes_invalid", field="service_classes")
    return ",".join(chosen)


def _check_fields(values: dict[str, Any]) -> None:
    if "kind" in values and values["kind"] not in CREDENTIAL_KINDS:
        raise InvalidProperty(code="credential_kind_invalid", field="kind")
    for field in ("account", "branch"):
        if field in values and values[field] is None:
            raise InvalidProperty(code=f"credential_needs_{field}", field=field)
    if "account" in values and not UserAccount.get_or_none(UserAccount.id == values["account"]):
        raise NotFound(code="no_such_account", field="account")
    if "branch" in values and not Branch.get_or_none(Branch.id == values["branch"]):
        raise NotFound(code="no_such_branch", field="branch")
    if "service_classes" in values:
        values["service_classes"] = normalise_service_classes(values["service_classes"])


def _check_window(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise InvalidProperty(code="validity_reversed", field="valid_until")


def create_credential(
    username: str,
    password: str | None = None,
    *,
    account: int,
    branch: int,
    service_classes_: tuple[str, ...] = (CALDAV,),
    valid_from: date | None = None,
    valid_until: date | None = None,
    confirmed: bool = False,
    kind: str = "individual",
    integration: bool = False,
    display_name: str = "",
    actor: str = "system",
) -> ServiceCredential:
    """Create a credential; its username can never be changed afterwards."""
    check_username(username)
    if password:
        passwords.check_new_password(password)
    values = dict(kind=kind, account=account, branch=branch, service_classes=service_classes_)
    _check_fields(values)
    _check_window(valid_from, valid_until)
    with write_transaction():
        if ServiceCredential.get_or_none(ServiceCredential.username_key == username_key(username)):
            raise AlreadyExists(code="username_taken", field="username", username=username)
        try:
            credential = ServiceCredential.create(
                username=username,
                username_key=username_key(username),
                password_hash=passwords.hash_password(password) if password else None,
                display_name=display_name,
                valid_from=valid_from,
                valid_until=valid_until,
                confirmed=confirmed,
                integration=integration,
                created=time.time(),
                **values,
            )
        except peewee.IntegrityError:
            raise AlreadyExists(
                code="username_taken", field="username", username=username
            ) from None
        audience_hooks.logins_may_have_moved()
        audit.record(
            actor,
            "credential.create",
            username,
            f"classes={values['service_classes']} confirmed={confirmed} password_set={bool(password)}",
        )
    return credential


def update_credential(
    username: str, changes: dict[str, Any], *, actor: str = "system"
) -> ServiceCredential:
    """Change a credential's settings; the username itself cannot be changed."""
    credential = _existing(username)
    if "username" in changes and changes["username"] != credential.username:
        raise InvalidProperty(code="username_is_stable", field="username")
    values = {k: v for k, v in changes.items() if k != "username"}
    unknown = set(values) - set(UPDATABLE_FIELDS)
    if unknown:
        raise InvalidProperty(code="unknown_fields", fields=", ".join(sorted(unknown)))
    _check_fields(values)
    _check_window(
        values.get("valid_from", credential.valid_from),
        values.get("valid_until", credential.valid_until),
    )
    with write_transaction():
        ServiceCredential.update(auth_version=ServiceCredential.auth_version + 1, **values).where(
            ServiceCredential.id == credential.id
        ).execute()
        if "account" in values:
            audience_hooks.logins_may_have_moved()
        audit.record(actor, "credential.update", credential.username, _describe(values))
    return ServiceCredential.get_by_id(credential.id)


def delete_credential(username: str, *, actor: str = "system") -> None:
    credential = _existing(username)
    with write_transaction():
        credential.delete_instance()
        audience_hooks.logins_may_have_moved()
        audit.record(actor, "credential.delete", credential.username)


def set_password(username: str, password: str, *, actor: str = "system") -> None:
    passwords.check_new_password(password)
    credential = _existing(username)
    hashed = passwords.hash_password(password)
    with write_transaction():
        ServiceCredential.update(
            password_hash=hashed, auth_version=ServiceCredential.auth_version + 1
        ).where(ServiceCredential.id == credential.id).execute()
        audit.record(actor, "credential.password", credential.username, "password set")


def _existing(username: str) -> ServiceCredential:
    credential = find_credential(username)
    if credential is None:
        raise NotFound(code="no_login_named", username=username)
    return credential


def _describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def find_credential(username: str) -> ServiceCredential | None:
    return ServiceCredential.get_or_none(ServiceCredential.username_key == username_key(username))


def get_credential(username: str) -> ServiceCredential:
    """The credential with this username (any case), or NotFound."""
    return _existing(username)


def list_credentials() -> list[ServiceCredential]:
    return list(ServiceCredential.select().order_by(ServiceCredential.username_key))


@dataclass(frozen=True)
class AuthenticatedLogin:
    """The signed-in credential as request handlers need it."""

    credential_id: int
    username: str
    display_name: str
    account_id: int | None
    employee_id: int | None
    branch_id: int | None
    service_classes: frozenset[str]
    integration: bool

    @property
    def has_caldav(self) -> bool:
        return CALDAV in self.service_classes

    @property
    def has_carddav(self) -> bool:
        return CARDDAV in self.service_classes

    @property
    def has_personal_addressbooks(self) -> bool:
        """Integration credentials see only the company book (FRITZ!Box takes the first one)."""
        return self.has_carddav and not self.integration


def _with_account(username: str) -> ServiceCredential | None:
    """The credential with its account and branch fields (see hot_queries)."""
    return credential_for_login(username_key(username))


def authenticate(
    username: str, password: str, *, now: datetime | None = None
) -> AuthenticatedLogin:
    """Return the login, or raise CredentialRefused with the real reason for the log.

    Every refusal costs one full password verification, whatever its reason (unknown
    user, no password, wrong password, a refused login with the right password), so
    response time tells neither whether a user exists nor whether a password of a
    refused login is right. Only admitted logins enter the verified-login cache. The
    reason is stored on the credential for the administrator; the client only ever
    sees a plain 401.
    """
    credential = _with_account(username)
    if credential is None:
        passwords.burn_verification_time(password)
        raise CredentialRefused(Sentence("unknown_user_name"), "unknown_user")
    cached = _login_cache.is_verified(credential, password)
    if credential.password_hash is None:
        passwords.burn_verification_time(password)  # _admit refuses it: no_password
    elif not cached and not passwords.verify_password(password, credential.password_hash):
        _record_refusal(credential, "wrong_password")
        raise CredentialRefused(Sentence("wrong_password"), "wrong_password")
    try:
        login = _admit(credential, now)
    except CredentialRefused:
        if cached:
            passwords.burn_verification_time(password)
        raise
    if not cached:
        _login_cache.remember(credential, password)
    return login


def password_matches(username: str, password: str) -> bool:
    """Whether this is the login's password, for the connection test: counts as no
    use and no refusal of the login."""
    credential = find_credential(username)
    return credential is not None and passwords.verify_password(password, credential.password_hash)


def unlock_login(username: str, *, actor: str = "system") -> int:
    """Lift the failed-login lock of a login (DAV sign-ins); the failures forgotten."""
    credential = _existing(username)
    with write_transaction():
        forgotten = login_throttle.unlock(login_throttle.DAV, credential.username)
        audit.record(
            actor,
            "credential.unlock",
            credential.username,
            f"failed sign-ins forgotten={forgotten}",
        )
    return forgotten


def trusted_login(username: str, *, now: datetime | None = None) -> AuthenticatedLogin:
    """The login as if its password had been given: for the server's own connection test."""
    credential = _with_account(username)
    if credential is None:
        raise CredentialRefused(Sentence("unknown_user_name"), "unknown_user")
    return _admit(credential, now, record=False)


def _admit(
    credential: ServiceCredential, now: datetime | None, *, record: bool = True
) -> AuthenticatedLogin:
    """Apply every rule but the password; build the login the request handlers use."""
    account = _joined_account(credential)
    decision = login_decision(
        credential,
        account,
        branch_today_in(credential.branch_timezone, now),  # type: ignore[attr-defined]  # joined
    )
    if not decision.allowed:
        if record:
            _record_refusal(credential, decision.code)
        raise CredentialRefused(decision.reason, decision.code)
    if record:
        _touch_last_used(credential)
    return AuthenticatedLogin(
        credential_id=credential.id,
        username=credential.username,
        display_name=credential.display_name
        or (account.display_name if account else "")
        or credential.username,
        account_id=credential.account_id,
        employee_id=account.employee_id if account else None,
        branch_id=credential.branch_id,
        service_classes=service_classes(credential),
        integration=credential.integration,
    )


def _joined_account(credential: ServiceCredential) -> JoinedAccount | None:
    if credential.account_id is None:
        return None
    return JoinedAccount(
        # columns of the login query's join (hot_queries), not fields of the model
        bool(credential.account_active),  # type: ignore[attr-defined]
        credential.account_employee_id,  # type: ignore[attr-defined]
        credential.account_display_name or "",  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class JoinedAccount:
    """The account fields the login rules read, from the login query's join."""

    active: bool
    employee_id: int | None
    display_name: str


LAST_USED_RESOLUTION = 60.0


def _touch_last_used(credential: ServiceCredential) -> None:
    """Write last_used at most once a minute, not on every request."""
    now = time.time()
    if credential.last_used is None or now - credential.last_used >= LAST_USED_RESOLUTION:
        with write_transaction():
            ServiceCredential.update(last_used=now).where(
                ServiceCredential.id == credential.id
            ).execute()


def _record_refusal(credential: ServiceCredential, code: str) -> None:
    now = time.time()
    if (
        credential.last_refusal == code
        and credential.last_refusal_at
        and now - credential.last_refusal_at < 60
    ):
        return
    with write_transaction():
        ServiceCredential.update(last_refusal=code, last_refusal_at=now).where(
            ServiceCredential.id == credential.id
        ).execute()
