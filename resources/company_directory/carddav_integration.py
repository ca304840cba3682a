"""The CardDAV integration (seed 000): a login for one user account that sees exactly
the company address book, with a generated password shown once and the full URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from resources.auth.credentials import create_credential, find_credential
from resources.auth.passwords import generate_password
from resources.company_directory import directory
from resources.errors import InvalidProperty, NotFound
from resources.organisation.branches import default_branch
from resources.organisation.url_generator import COMPANY_BOOK_PATH
from resources.store.organisation import ServiceCredential, UserAccount


@dataclass(frozen=True)
class Integration:
    username: str
    password: str  # shown once; only its hash is stored
    url: str


def company_book_url(public_base: str, username: str) -> str:
    """The full URL some clients need (FRITZ!Box, Outlook CalDav Synchronizer)."""
    credential = find_credential(username)
    if credential is None:
        raise NotFound(code="credential_unsaved")
    if "carddav" not in credential.service_classes.split(","):
        raise InvalidProperty(code="no_carddav")
    return public_base.rstrip("/") + COMPANY_BOOK_PATH.format(
        username=quote(credential.username, safe="@")
    )


def _free_username(base: str) -> str:
    candidate, number = base, 1
    while find_credential(candidate) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def create_integration(account_id: int, public_base: str, *, actor: str = "system") -> Integration:
    account = UserAccount.get_or_none(UserAccount.id == account_id)
    if account is None:
        raise NotFound(code="no_such_account", field="user")
    username = _free_username(f"{account.login}-carddav")
    password = generate_password()
    create_credential(
        username,
        password,
        account=account.id,
        branch=default_branch().id,
        service_classes_=("carddav",),
        confirmed=True,
        integration=True,
        display_name=f"{account.display_name or account.login} (CardDAV)",
        actor=actor,
    )
    directory.enable_company_book(actor=actor)
    return Integration(username, password, company_book_url(public_base, username))


def integrations() -> list[ServiceCredential]:
    return list(
        ServiceCredential.select()
        .where(ServiceCredential.integration)
        .order_by(ServiceCredential.username)
    )
