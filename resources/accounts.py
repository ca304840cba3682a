"""User accounts: who a credential acts for, and who signs in to the admin UI and API."""

from __future__ import annotations

import time

import peewee

from resources import audit, passwords
from resources.errors import AlreadyExists, CredentialRefused, InvalidProperty, NotFound
from resources.store.database import write_transaction
from resources.store.organisation import UserAccount

ROLES = ("admin", "user")
_login_cache = passwords.VerifiedLoginCache()


def login_key(login: str) -> str:
    return login.casefold()


def find_account(login: str) -> UserAccount | None:
    return UserAccount.get_or_none(UserAccount.login_key == login_key(login))


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
    login = login.strip()
    if not login or len(login) > 200 or any(c.isspace() for c in login):
        raise InvalidProperty("A login must have 1 to 200 characters and no spaces.")
    if role not in ROLES:
        raise InvalidProperty("The role must be 'admin' or 'user'.")
    with write_transaction():
        if find_account(login):
            raise AlreadyExists(f"The login {login!r} is taken.")
        try:
            account = UserAccount.create(
                login=login, login_key=login_key(login), display_name=display_name or login, employee=employee,
                role=role, active=active, created=time.time(),
                password_hash=passwords.hash_password(password) if password else None,
            )
        except peewee.IntegrityError:
            raise AlreadyExists(f"The login {login!r} is taken.") from None
        audit.record(actor, "account.create", login, f"role={role}")
    return account


def set_account_password(login: str, password: str, *, actor: str = "system") -> None:
    if not password:
        raise InvalidProperty("The password must not be empty.")
    account = find_account(login)
    if account is None:
        raise NotFound(f"There is no user account {login!r}.")
    with write_transaction():
        UserAccount.update(password_hash=passwords.hash_password(password),
                           auth_version=UserAccount.auth_version + 1).where(UserAccount.id == account.id).execute()
        audit.record(actor, "account.password", account.login)


def personal_account(login: str) -> UserAccount:
    """The account with this login, created as a plain user when missing (command line)."""
    return find_account(login) or create_account(login)


def authenticate_account(login: str, password: str) -> UserAccount:
    """Sign in to the admin UI or API; refusals look alike to the caller."""
    account = find_account(login)
    if account is None:
        passwords.burn_verification_time(password)
        raise CredentialRefused("Unknown login.", "unknown_user")
    if not _login_cache.is_verified(account.id, account.auth_version, password):
        if not passwords.verify_password(password, account.password_hash):
            raise CredentialRefused("Wrong password.", "wrong_password")
        _login_cache.remember(account.id, account.auth_version, password)
    if not account.active:
        raise CredentialRefused("The account is deactivated.", "account_inactive")
    return account
