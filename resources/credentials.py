"""Service credentials: create, set the password, look up and verify a login.

The username is unique without regard to case and never changes after creation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import peewee

from resources import passwords
from resources.errors import AlreadyExists, CredentialRefused, InvalidProperty, NotFound
from resources.store.database import write_transaction
from resources.store.models import ServiceCredential

_login_cache = passwords.VerifiedLoginCache()

USERNAME_MAX = 200
_FORBIDDEN_USERNAME_CHARS = set('/\\?#%"<>\x00\r\n\t ')


def username_key(username: str) -> str:
    return username.casefold()


def check_username(username: str) -> None:
    """Refuse user names that cannot live in a URL segment."""
    if not username or len(username) > USERNAME_MAX:
        raise InvalidProperty(f"A user name must have 1 to {USERNAME_MAX} characters.")
    bad = sorted(set(username) & _FORBIDDEN_USERNAME_CHARS)
    if bad or username in (".", ".."):
        raise InvalidProperty(
            "A user name may not contain spaces, slashes, '%', '?', '#', quotes or control characters."
        )


def create_credential(username: str, password: str | None = None, display_name: str = "") -> ServiceCredential:
    check_username(username)
    with write_transaction():
        if ServiceCredential.get_or_none(ServiceCredential.username_key == username_key(username)):
            raise AlreadyExists(f"The user name {username!r} is taken (user names ignore case).")
        try:
            return ServiceCredential.create(
                username=username,
                username_key=username_key(username),
                password_hash=passwords.hash_password(password) if password else None,
                display_name=display_name or username,
                created=time.time(),
            )
        except peewee.IntegrityError:
            raise AlreadyExists(f"The user name {username!r} is taken (user names ignore case).") from None


def set_password(username: str, password: str) -> None:
    if not password:
        raise InvalidProperty("The password must not be empty.")
    hashed = passwords.hash_password(password)
    with write_transaction():
        updated = (
            ServiceCredential.update(password_hash=hashed, auth_version=ServiceCredential.auth_version + 1)
            .where(ServiceCredential.username_key == username_key(username))
            .execute()
        )
    if not updated:
        raise NotFound(f"There is no credential named {username!r}.")


def find_credential(username: str) -> ServiceCredential | None:
    return ServiceCredential.get_or_none(ServiceCredential.username_key == username_key(username))


@dataclass(frozen=True)
class AuthenticatedLogin:
    credential_id: int
    username: str
    display_name: str


def authenticate(username: str, password: str) -> AuthenticatedLogin:
    """Return the login, or raise CredentialRefused with the real reason for the log.

    Unknown user names cost a full password verification too, so response time
    does not tell whether a user exists.
    """
    credential = find_credential(username)
    if credential is None:
        passwords.burn_verification_time(password)
        raise CredentialRefused("Unknown user name.", "unknown_user")
    if not _login_cache.is_verified(credential.id, credential.auth_version, password):
        if credential.password_hash is None:
            passwords.burn_verification_time(password)
            raise CredentialRefused("No password has been set for this credential.", "no_password")
        if not passwords.verify_password(password, credential.password_hash):
            raise CredentialRefused("Wrong password.", "wrong_password")
        _login_cache.remember(credential.id, credential.auth_version, password)
    return AuthenticatedLogin(credential.id, credential.username, credential.display_name)
