"""Making logins for tests: unique names, accounts that sign in with a password, DAV
credentials, and a requests session signed in as one of them (the server is shared by
the whole session, so every name is new)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from resources.auth.credentials import create_credential
from resources.organisation.accounts import create_account
from resources.organisation.branches import default_branch


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_password() -> str:
    return f"pw-{uuid.uuid4().hex}"


def signed_in_session(username: str, password: str | None) -> requests.Session:
    """A requests session that sends `username` and `password` with HTTP Basic."""
    session = requests.Session()
    session.auth = (username, password or "")
    return session


def new_account(role: str = "admin", **options: Any) -> tuple[str, str]:
    """An account with `role`, a unique login and a password; returns (login, password)."""
    login, password = unique(role), new_password()
    create_account(login, role=role, password=password, **options)
    return login, password


def credential_session(
    username: str, password: str | None, *, account: int, branch: int, **settings: Any
) -> requests.Session:
    """A service credential, confirmed unless `settings` say otherwise, and a session using it."""
    create_credential(
        username, password, account=account, branch=branch, **{"confirmed": True, **settings}
    )
    return signed_in_session(username, password)


@dataclass
class Login:
    """A login on the test server, with a requests session that signs in as it."""

    base_url: str
    username: str
    password: str
    http: requests.Session

    @property
    def principal_path(self) -> str:
        return f"/dav/principals/{self.username}/"

    @property
    def home_path(self) -> str:
        return f"/dav/calendars/{self.username}/"

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(
        self, method: str, path: str, body: bytes | str | None = None, **headers: str
    ) -> requests.Response:
        if isinstance(body, str):
            body = body.encode("utf-8")
        return self.http.request(
            method,
            self.url(path),
            data=body,
            headers={k.replace("_", "-"): v for k, v in headers.items()},
        )


def make_login(server: Any, prefix: str = "user", **settings: Any) -> Login:
    """A confirmed CalDAV+CardDAV login with its own user account, in the first branch."""
    username, password = unique(prefix), new_password()
    account = settings.pop("account", None) or create_account(username).id
    settings.setdefault("service_classes_", ("caldav", "carddav"))
    session = credential_session(
        username, password, account=account, branch=default_branch().id, **settings
    )
    return Login(server.base_url, username, password, session)
