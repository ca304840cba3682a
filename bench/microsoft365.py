"""The microsoft365 connector against a fake Microsoft Graph on 127.0.0.1: a full run of
10,000 contacts over 100 pages, then an incremental run with 10 changes, each beside the
reference (the same token and pages fetched by a bare HTTP client: the service's own
answer time), with ratios and the targets of issue 14 item 7.

    .venv/bin/python bench/microsoft365.py [--contacts 10000] [--pages 100] [--changes 10]
        [--answer-ms 0]

A davserver runs in this process on a fresh SQLite database (or the PostgreSQL one that
DAVSERVER_TEST_DATABASE_URL names); the connection is made and run as the server does.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from davserver.connector_http import HttpxSourceClient  # noqa: E402
from resources.connectors import run_queue  # noqa: E402
from resources.connectors.connections import create_connection  # noqa: E402
from resources.connectors.run_worker import run_claimed  # noqa: E402
from resources.store.connectors import Connection, ConnectorRun  # noqa: E402
from tests.fake_graph import FakeGraph, contact  # noqa: E402
from tests.server_harness import FreshDatabase, start_server  # noqa: E402

FULL_TARGET_SECONDS = 15.0
INCREMENTAL_TARGET_SECONDS = 1.0  # plus the service's own answer time
MAILBOX = "bench@contoso.example"


def settings_for(graph: FakeGraph) -> dict[str, object]:
    return {
        "tenant_id": graph.tenant,
        "client_id": graph.client_id,
        "client_secret": graph.client_secret,
        "contacts": "mailbox",
        "mailbox": MAILBOX,
        "login_url": graph.base_url,
        "graph_url": graph.base_url,
    }


def reference_round(graph: FakeGraph, url: str) -> float:
    """Seconds a bare client takes for a token and every page of a round from `url`."""
    started = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        token = client.post(
            f"{graph.base_url}/{graph.tenant}/oauth2/v2.0/token",
            data={
                "client_id": graph.client_id,
                "client_secret": graph.client_secret,
                "scope": f"{graph.base_url}/.default",
                "grant_type": "client_credentials",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Prefer": "odata.maxpagesize=500"}
        while url:
            page = client.get(url, headers=headers).json()
            url = page.get("@odata.nextLink", "")
    return time.perf_counter() - started


def run_now(connection: Connection) -> tuple[ConnectorRun, float]:
    started = time.perf_counter()
    run_queue.queue_run(connection.id)
    owner = run_queue.process_owner()
    claimed = run_queue.claim_next_run(owner)
    assert claimed is not None
    run = run_claimed(claimed, owner, HttpxSourceClient())
    return run, time.perf_counter() - started


def verdict(seconds: float, limit: float) -> str:
    return "PASS" if seconds <= limit else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--answer-ms", type=float, default=0.0, help="the fake's answer delay")
    parser.add_argument("--profile", action="store_true", help="profile the incremental run")
    args = parser.parse_args()
    graph = FakeGraph(seconds_per_answer=args.answer_ms / 1000).start()
    graph.max_page_size = -(-args.contacts // args.pages)
    folder = graph.book(MAILBOX)
    for n in range(args.contacts):
        key = f"c{n:06}"
        folder.contacts[key] = contact(
            f"Vorname{n}", f"Nachname{n}", f"+49 30 {n:07}", id=key, companyName=f"Firma {n % 97}"
        )
    database = FreshDatabase(tempfile.mkdtemp(prefix="bench-m365-"))
    server = start_server(database.url)
    try:
        connection, _outcome = create_connection(
            f"bench {uuid.uuid4().hex[:6]}",
            "microsoft365",
            "phonebook",
            settings_for(graph),
            HttpxSourceClient(),
        )
        delta_url = f"{graph.base_url}/v1.0/users/{MAILBOX}/contacts/delta"
        full_reference = reference_round(graph, delta_url)
        full, full_seconds = run_now(connection)
        assert full.state == "ok" and full.added == args.contacts, (full.state, full.message)
        pages = sum(1 for method, path in graph.requests if "/delta" in path) - args.pages
        for n in range(args.changes):
            changed = dict(folder.contacts[f"c{n * 7:06}"], surname=f"Geändert{n}")
            graph.put(folder, changed)
        delta_link = json.loads(Connection.get_by_id(connection.id).state)["delta_link"]
        incremental_reference = reference_round(graph, delta_link)
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        incremental, incremental_seconds = run_now(connection)
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("cumtime").print_stats(40)
        assert incremental.state == "ok" and incremental.updated == args.changes
    finally:
        server.stop()
        graph.stop()
        database.drop()
    limit = INCREMENTAL_TARGET_SECONDS + incremental_reference
    print(f"{'':34}{'connector':>11}{'reference':>11}{'ratio':>8}  target")
    print(
        f"{f'full run, {args.contacts} contacts, {pages} pages':34}{full_seconds:10.2f}s"
        f"{full_reference:10.2f}s{full_seconds / full_reference:8.1f}  "
        f"<= {FULL_TARGET_SECONDS:.0f} s: {verdict(full_seconds, FULL_TARGET_SECONDS)}"
    )
    print(
        f"{f'incremental run, {args.changes} changes':34}{incremental_seconds:10.2f}s"
        f"{incremental_reference:10.2f}s{incremental_seconds / incremental_reference:8.1f}  "
        f"<= 1 s + service ({limit:.2f} s): {verdict(incremental_seconds, limit)}"
    )
    ok = full_seconds <= FULL_TARGET_SECONDS and incremental_seconds <= limit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
