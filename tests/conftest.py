"""Shared fixtures: one real server per test session, and a fresh login per test."""

from __future__ import annotations

import pytest

from tests.logins import Login, make_login
from tests.server_harness import FreshDatabase, RunningServer, start_server

# The fixtures that live next to their helpers, for every test module (never import them):
pytest_plugins = [
    "tests.api_helpers",  # admin (an Api), forget_new_resources
    "tests.organisation",  # org (a module's branch, employees, rooms and account)
    "tests.browser.fixtures",  # browser, page, admin_ui (an AdminSession)
]


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


@pytest.fixture
def login(server) -> Login:
    return make_login(server)


@pytest.fixture
def other_login(server) -> Login:
    return make_login(server, "other")
