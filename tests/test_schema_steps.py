"""Upgrade steps registered from above the store (resources.store.schema.register_step):
an upgrade whose step nobody registered stops and says so, and changes nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from resources.store.schema import UPGRADES
from tests.server_harness import FreshDatabase


def run(url: str, script: str) -> subprocess.CompletedProcess:
    program = textwrap.dedent(f"""
        from resources.store.database import bind, open_database
        from resources.store import schema
        db = open_database({url!r})
        bind(db)
    """) + textwrap.dedent(script)
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )


def test_upgrade_without_its_registered_step_refuses_and_changes_nothing(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        refused = run(database.url, "schema.upgrade()")
        assert refused.returncode != 0
        assert (
            "the schema upgrade needs the step 'occurrence lists', which nothing registered"
            in refused.stderr
        )
        found = run(database.url, "print(schema.current_version(db))")
        assert found.returncode == 0, found.stderr
        assert found.stdout.strip() == "0"
    finally:
        database.drop()


def test_the_app_registers_every_step_the_upgrades_need(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        upgraded = run(
            database.url,
            "import davserver.app\nschema.upgrade()\nprint(schema.current_version(db))",
        )
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout.strip() == str(len(UPGRADES))
    finally:
        database.drop()
