"""Shared fixtures: one real server per test session, and a fresh login per test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests

from resources.auth.credentials import create_credential
from resources.organisation.accounts import create_account
from resources.organisation.branches import default_branch
from tests.server_harness import FreshDatabase, RunningServer, start_server

pytest_plugins = ["tests.browser.fixtures"]  # Chromium and page fixtures for the admin UI tests


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory):
    database = FreshDatabase(str(tmp_path_factory.mktemp("db")))
    yield database
    database.drop()


@pytest.fixture(scope="session")
def server(fresh_database) -> RunningServer:
    running = start_server(fresh_database.url)
    yield running
    running.stop()


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


def make_login(server: RunningServer, prefix: str = "user", **settings) -> Login:
    """A confirmed CalDAV+CardDAV login with its own user account, in the first branch."""
    username = f"{prefix}-{uuid.uuid4().hex[:10]}"
    password = f"pw-{uuid.uuid4().hex}"
    account = settings.pop("account", None) or create_account(username).id
    options = dict(service_classes_=("caldav", "carddav"), confirmed=True)
    options.update(settings)
    create_credential(username, password, account=account, branch=default_branch().id, **options)
    session = requests.Session()
    session.auth = (username, password)
    return Login(server.base_url, username, password, session)


@pytest.fixture
def login(server) -> Login:
    return make_login(server)


@pytest.fixture
def other_login(server) -> Login:
    return make_login(server, "other")
