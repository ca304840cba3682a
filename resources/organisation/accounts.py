"""User accounts: who a credential acts for, and who signs in to the admin UI and API."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Mapping
from typing import Any

import peewee

from resources.auth import audit, passwords
from resources.error_codes import Sentence
from resources.errors import AlreadyExists, CredentialRefused, InvalidProperty, NotFound
from resources.organisation.field_changes import InUse, describe, refuse_unknown
from resources.store.database import write_transaction
from resources.store.organisation import Employee, ServiceCredential, UserAccount

ROLES = ("admin", "user")
ACCOUNT_FIELDS = ("login", "display_name", "employee", "role", "active", "password")
# Changes after which a signed-in session or cached verification must not be honoured.
_SIGN_IN_FIELDS = frozenset({"login", "role", "active", "password"})
_login_cache = passwords.VerifiedLoginCache()


def login_key(login: str) -> str:
    return login.casefold()


def find_account(login: str) -> UserAccount | None:
    return UserAccount.get_or_none(UserAccount.login_key == login_key(login))


def _checked_login(login: str) -> str:
    login = login.strip()
    if (
        not login
        or len(login) > 200
        or any(c.isspace() or unicodedata.category(c) == "Cc" for c in login)
    ):
        raise InvalidProperty(code="login_invalid", field="login")
    return login


def _checked_display_name(name: str) -> str:
    name = name.strip()
    if len(name) > 200:
        raise InvalidProperty(code="display_name_too_long", field="display_name")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidProperty(code="role_invalid", field="role")


def _check_employee(employee: int | None) -> None:
    if employee is not None and not Employee.get_or_none(Employee.id == employee):
        raise NotFound(code="no_employee_with_id", field="employee", id=employee)


def create_account(
    login: str,
    *,
    display_name: str = "",
    employee: int | None = None,
    role: str = "user",
    password: str | None = None,
    active: bool = True,
    actor: str = "system",
) -> UserAccount:
    login = _checked_login(login)
    display_name = _checked_display_name(display_name)
    _check_role(role)
    _check_employee(employee)
    if password:
        passwords.check_new_password(password)
    with write_transaction():
        if find_account(login):
            raise AlreadyExists(code="login_taken", field="login", login=login)
        try:
            account = UserAccount.create(
                login=login,
                login_key=login_key(login),
                display_name=display_name or login,
                employee=employee,
                role=role,
                active=active,
                created=time.time(),
                password_hash=passwords.hash_password(password) if password else None,
            )
        except peewee.IntegrityError:
            raise AlreadyExists(code="login_taken", field="login", login=login) from None
        audit.record(
            actor,
            "account.create",
            login,
            f"role={role} active={active} password_set={bool(password)}",
        )
    return account


def list_accounts() -> list[UserAccount]:
    return list(UserAccount.select().order_by(UserAccount.login_key))


def get_account(account_id: int) -> UserAccount:
    account = UserAccount.get_or_none(UserAccount.id == account_id)
    if account is None:
        raise NotFound(code="no_account_with_id", id=account_id)
    return account


def _column_values(account: UserAccount, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The checked column values for `changes` (login key and password hash included)."""
    values = {k: v for k, v in changes.items() if k != "password"}
    if "login" in values:
        values["login"] = _checked_login(values["login"])
        values["login_key"] = login_key(values["login"])
        taken = find_account(values["login"])
        if taken is not None and taken.id != account.id:
            raise AlreadyExists(code="login_taken", field="login", login=values["login"])
    if "display_name" in values:
        values["display_name"] = _checked_display_name(values["display_name"]) or account.login
    if "role" in values:
        _check_role(values["role"])
    if "employee" in values:
        _check_employee(values["employee"])
    if "password" in changes:
        password = changes["password"]
        passwords.check_new_password(password or "")
        values["password_hash"] = passwords.hash_password(password)
    return values


def _is_last_admin(account: UserAccount) -> bool:
    if account.role != "admin" or not account.active:
        return False
    others = UserAccount.select().where(
        (UserAccount.role == "admin") & UserAccount.active & (UserAccount.id != account.id)
    )
    return not others.exists()


def update_account(
    account_id: int, changes: Mapping[str, Any], *, actor: str = "system"
) -> UserAccount:
    """Change an account; role, active and password changes are audited like any other."""
    account = get_account(account_id)
    refuse_unknown(changes, ACCOUNT_FIELDS)
    values = _column_values(account, changes)
    loses_admin = values.get("role", "admin") != "admin" or values.get("active", True) is False
    with write_transaction():
        if loses_admin and _is_last_admin(account):
            raise InUse(code="last_admin", field="role", login=account.login)
        if _SIGN_IN_FIELDS & set(changes):
            values["auth_version"] = UserAccount.auth_version + 1
        if values:
            UserAccount.update(**values).where(UserAccount.id == account.id).execute()
        audit.record(actor, "account.update", account.login, describe(changes))
    return get_account(account.id)


def delete_account(account_id: int, *, actor: str = "system") -> None:
    """Delete an account without logins; it may not be the last active administrator."""
    account = get_account(account_id)
    with write_transaction():
        logins = ServiceCredential.select().where(ServiceCredential.account == account.id).count()
        if logins:
            raise InUse(
                code="account_has_one_login" if logins == 1 else "account_has_logins",
                login=account.login,
                count=logins,
            )
        if _is_last_admin(account):
            raise InUse(code="last_admin", field="role", login=account.login)
        account.delete_instance()
        audit.record(actor, "account.delete", account.login)


def set_account_password(login: str, password: str, *, actor: str = "system") -> None:
    passwords.check_new_password(password)
    account = find_account(login)
    if account is None:
        raise NotFound(code="no_account_named", login=login)
    with write_transaction():
        UserAccount.update(
            password_hash=passwords.hash_password(password),
            auth_version=UserAccount.auth_version + 1,
        ).where(UserAccount.id == account.id).execute()
        audit.record(actor, "account.password", account.login)


def personal_account(login: str) -> UserAccount:
    """The account with this login, created as a plain user when missing (command line)."""
    return find_account(login) or create_account(login)


def authenticate_account(login: str, password: str) -> UserAccount:
    """Sign in to the admin UI or API; refusals look alike to the caller and each
    costs one password verification (see resources.auth.credentials.authenticate)."""
    account = find_account(login)
    if account is None:
        passwords.burn_verification_time(password)
        raise CredentialRefused(Sentence("unknown_login"), "unknown_user")
    cached = _login_cache.is_verified(account, password)
    if not cached and not passwords.verify_password(password, account.password_hash):
        raise CredentialRefused(Sentence("wrong_password"), "wrong_password")
    if not account.active:
        if cached:
            passwords.burn_verification_time(password)
        raise CredentialRefused(Sentence("account_deactivated"), "account_inactive")
    if not cached:
        _login_cache.remember(account, password)
    return account
