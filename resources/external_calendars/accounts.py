"""External CalDAV accounts: saved only when discovery finds calendars there, with the
password sealed (resources/auth/secret_box.py) and never shown again."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from resources.auth import audit
from resources.auth.secret_box import current_secret_box
from resources.errors import InvalidProperty, NotFound
from resources.external_calendars.discovery import Discovered, RemoteCalendar, discover
from resources.external_calendars.remote import CalDavClient, Login
from resources.store.database import write_transaction
from resources.store.external_calendars import ExternalAccount

MAX_URL, MAX_USERNAME, MAX_PASSWORD = 2000, 300, 1000


def _text(value: object, name: str, most: int) -> str:
    if not isinstance(value, str) or len(value) > most:
        raise InvalidProperty(code="external_text_invalid", field=name, name=name, max=most)
    return value


def account_login(account: ExternalAccount) -> Login:
    password = current_secret_box().open(account.password) if account.password else ""
    return Login(account.username, password)


def create_account(
    url: object, username: object, password: object, client: CalDavClient, *, actor: str
) -> tuple[ExternalAccount, Discovered]:
    """Discover the calendars, then save the account (DiscoveryFailed saves nothing)."""
    url = _text(url, "url", MAX_URL).strip()
    login = Login(
        _text(username, "username", MAX_USERNAME), _text(password, "password", MAX_PASSWORD)
    )
    found = discover(url, login, client)
    now = time.time()
    with write_transaction():
        account = ExternalAccount.create(
            url=url,
            found_url=found.url,
            username=login.username,
            password=current_secret_box().seal(login.password) if login.password else "",
            calendars=json.dumps([calendar.view() for calendar in found.calendars]),
            created=now,
            modified=now,
        )
        audit.record(
            actor,
            "external_account.create",
            f"external-account:{account.id}",
            f"{url} as {login.username} ({len(found.calendars)} calendars)",
        )
    return account, found


def update_account(
    account: ExternalAccount, changes: Mapping[str, object], client: CalDavClient, *, actor: str
) -> tuple[ExternalAccount, Discovered]:
    """A changed URL, user name or password (a password left out or null stays; the
    changes are only saved once discovery finds calendars with them; audited by name)."""
    unknown = sorted(set(changes) - {"url", "username", "password"})
    if unknown:
        raise InvalidProperty(code="external_sync_change_unknown", names=", ".join(unknown))
    url = _text(changes.get("url", account.url), "url", MAX_URL).strip()
    username = _text(changes.get("username", account.username), "username", MAX_USERNAME)
    typed = changes.get("password")
    password = (
        _text(typed, "password", MAX_PASSWORD)
        if typed is not None
        else account_login(account).password
    )
    found = discover(url, Login(username, password), client)
    changed = [
        name
        for name, before, after in (
            ("url", account.url, url),
            ("username", account.username, username),
        )
        if before != after
    ] + (["password"] if typed is not None else [])
    with write_transaction():
        ExternalAccount.update(
            url=url,
            found_url=found.url,
            username=username,
            password=current_secret_box().seal(password) if password else "",
            calendars=json.dumps([calendar.view() for calendar in found.calendars]),
            modified=time.time(),
        ).where(ExternalAccount.id == account.id).execute()
        audit.record(
            actor,
            "external_account.change",
            f"external-account:{account.id}",
            f"{', '.join(changed) or 'nothing'} changed; {len(found.calendars)} calendars found",
        )
    return get_account(account.id), found


def get_account(account_id: object) -> ExternalAccount:
    account = (
        ExternalAccount.get_or_none(ExternalAccount.id == account_id)
        if isinstance(account_id, int) and not isinstance(account_id, bool)
        else None
    )
    if account is None:
        raise NotFound(code="no_such_external_account", field="account")
    return account


def account_calendars(account: ExternalAccount) -> list[RemoteCalendar]:
    return [
        RemoteCalendar(c["url"], c["name"], c["color"], tuple(c["components"]), c["read_only"])
        for c in json.loads(account.calendars)
    ]


def account_view(account: ExternalAccount) -> dict[str, Any]:
    """What the API shows: never the password, only whether one is set."""
    return {
        "id": account.id,
        "url": account.url,
        "found_url": account.found_url,
        "username": account.username,
        "password": {"set": bool(account.password)},
        "calendars": json.loads(account.calendars),
    }
