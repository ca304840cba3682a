"""Lists that scale (issue 12 §2): seed 100,000 phonebook entries in a real server's
database and time, over HTTP, the first page, a search page, a sorted page and a deep
cursor page of the API list and of the admin list. A benchmark to run, not a test.

    python bench/lists.py                       # SQLite in a temporary directory
    python bench/lists.py postgresql://USER@HOST/DB   # an empty PostgreSQL database
    python bench/lists.py --entries 20000 --pages 40
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import ServerSet, start_davserver  # noqa: E402
from davserver.app import open_store  # noqa: E402
from davserver.config import Settings  # noqa: E402
from resources.organisation.accounts import create_account  # noqa: E402
from resources.store.database import database_proxy  # noqa: E402
from resources.store.directory import PhonebookEntry  # noqa: E402

LIMIT_MS = 300
FIRST_NAMES = ("Anna", "Bert", "Clara", "Dieter", "Emma", "Felix", "Greta", "Hans", "Ida", "Jan")
LAST_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed(database_url: str, entries: int) -> tuple[str, str]:
    """The schema, an administrator, and `entries` synced phonebook entries in bulk."""
    open_store(Settings(database=database_url))
    login, password = f"bench-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    create_account(login, role="admin", password=password)
    now = time.time()
    rows = (
        {
            "source": "S",
            "origin": "bench",
            "external_id": f"e{n}",
            "uid": uuid.uuid4().hex,
            "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
            "last_name": f"{LAST_NAMES[n % len(LAST_NAMES)]} {n:06d}",
            "company": f"Firma {n % 997}",
            "phone_work": f"+49 30 {n:07d}",
            "email": f"person{n}@example.com",
            "created": now,
            "modified": now,
        }
        for n in range(entries)
    )
    batch: list[dict] = []
    with database_proxy.obj.atomic():
        for row in rows:
            batch.append(row)
            if len(batch) == 500:
                PhonebookEntry.insert_many(batch).execute()
                batch = []
        if batch:
            PhonebookEntry.insert_many(batch).execute()
    database_proxy.obj.close()
    return login, password


def timed(session: requests.Session, url: str, params: dict, repeat: int) -> tuple[float, object]:
    """The median milliseconds of `repeat` requests, and the last answer."""
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = session.get(url, params=params, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return statistics.median(times), answer


def deep_api_cursor(session: requests.Session, url: str, pages: int) -> str:
    """The cursor `pages` pages deep (walked page by page, as a client would)."""
    after = None
    for _ in range(pages):
        params = {"sort": "last_name", "limit": 1000}
        if after:
            params["after"] = after
        after = session.get(url, params=params, timeout=60).json()["next"]
    return after


def run(database_url: str, entries: int, pages: int, repeat: int) -> bool:
    print(f"seeding {entries} phonebook entries in {database_url} ...", flush=True)
    login, password = seed(database_url, entries)
    work = Path(tempfile.mkdtemp(prefix="bench-lists-"))
    servers = ServerSet(work)
    ok = True
    try:
        server = start_davserver(servers, database_url)
        api = requests.Session()
        api.auth = (login, password)
        api_url = server.base_url + "/api/v1/phonebook"
        deep = deep_api_cursor(api, api_url, pages)
        admin = requests.Session()
        admin.get(server.base_url + "/admin/login")
        form = TOKEN.search(admin.get(server.base_url + "/admin/login").text).group(1)
        admin.post(
            server.base_url + "/admin/login",
            data={"login": login, "password": password, "csrf_token": form},
        )
        admin_url = server.base_url + "/admin/phonebook"
        cases = [
            ("first page", {}),
            ("search page", {"q": "schmidt 0421"}),
            ("sorted page", {"sort": "-last_name"}),
            (f"deep cursor page ({pages * 1000} rows in)", {"sort": "last_name", "after": deep}),
        ]
        print(f"{'list':<6} {'page':<40} {'median ms':>10}  rows")
        for where, url, extra in (("api", api_url, {"limit": 50}), ("admin", admin_url, {})):
            session = api if where == "api" else admin
            for name, params in cases:
                ms, answer = timed(session, url, {**params, **extra}, repeat)
                rows = (
                    len(answer.json()["items"])
                    if where == "api"
                    else answer.text.count('<tr id="entry-')
                )
                mark = "" if ms < LIMIT_MS else f"  OVER {LIMIT_MS} ms"
                ok = ok and ms < LIMIT_MS and rows > 0
                print(f"{where:<6} {name:<40} {ms:>10.1f}  {rows}{mark}")
    finally:
        servers.stop_all()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50, help="how deep the cursor page is")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    database_url = options.database or f"sqlite:///{tempfile.mkdtemp()}/bench-lists.db"
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average at the start: {load} ({os.cpu_count()} cores)")
    ok = run(database_url, options.entries, options.pages, options.repeat)
    print("load average at the end:", " ".join(f"{n:.1f}" for n in os.getloadavg()))
    print("every page under 300 ms" if ok else "SOME PAGES TOO SLOW (or empty)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
