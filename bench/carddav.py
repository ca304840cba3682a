"""CardDAV for phones and PBXs (issue 13 items 6 and 9): addressbook-query caller lookups
(text-match on FN, EMAIL, TEL) on our company book and on Radicale with the same cards,
and a FRITZ!Box full sync (no preemptive auth: 401, PROPFIND Depth 1, 401,
addressbook-multiget of every href) against one Depth 1 PROPFIND. A benchmark to run,
not a test.

    python bench/carddav.py                          # 1,000 / 10,000 / 100,000 cards, SQLite
    python bench/carddav.py --database postgresql://USER@HOST/DB   # an empty database
    python bench/carddav.py --sizes 1000 --radicale-up-to 1000

Targets: lookups at 1,000 cards at least 20x Radicale, at 100,000 cards at most 50 ms;
the full sync of 10,000 cards at most 2x the Depth 1 PROPFIND.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import (  # noqa: E402
    DAVSERVER_THREADS,
    ServerSet,
    ensure_radicale,
    start_davserver,
    start_radicale,
)
from davserver.app import open_store  # noqa: E402
from davserver.config import Settings  # noqa: E402
from resources.company_directory import phonebook  # noqa: E402
from resources.company_directory.carddav_integration import create_integration  # noqa: E402
from resources.objects.address_books import company_book  # noqa: E402
from resources.organisation.accounts import create_account  # noqa: E402
from resources.store.database import database_proxy, write_transaction  # noqa: E402
from resources.store.directory import PhonebookEntry  # noqa: E402
from resources.store.models import StoredObject  # noqa: E402

CR = "urn:ietf:params:xml:ns:carddav"
XML = {"Content-Type": "application/xml; charset=utf-8"}
FIRST = ("Anna", "Bert", "Clara", "Dieter", "Emma", "Felix", "Greta", "Hans", "Ida", "Jan")
LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")
PROPFIND_ETAGS = (
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/>'
    "</D:prop></D:propfind>"
)
MULTIGET_BATCH = 5000  # the server's limit of hrefs per multiget


def lookups(cards: int) -> list[tuple[str, str, str, str]]:
    """(label, prop, match-type, text) of caller lookups that find one card or a few."""
    n = cards // 3 + 7
    return [
        ("FN contains", "FN", "contains", f"{LAST[n % len(LAST)].lower()} {n:06d}"),
        ("FN starts-with", "FN", "starts-with", f"{FIRST[n % 10]} {LAST[n % 8]} {n:06d}"[:-1]),
        ("EMAIL equals", "EMAIL", "equals", f"person{n}@example.com"),
        ("EMAIL starts-with", "EMAIL", "starts-with", f"person{n}@"),
        ("TEL contains", "TEL", "contains", f"30 {n:07d}"),
        ("TEL ends-with", "TEL", "ends-with", f"{n:07d}"),
        ("TEL equals", "TEL", "equals", f"+49 30 {n:07d}"),
    ]


def query_body(prop: str, match_type: str, text: str) -> str:
    return (
        f'<?xml version="1.0"?><CR:addressbook-query xmlns:D="DAV:" xmlns:CR="{CR}">'
        f'<D:prop><D:getetag/><CR:address-data/></D:prop><CR:filter><CR:prop-filter name="{prop}">'
        f'<CR:text-match collation="i;unicode-casemap" match-type="{match_type}">{text}'
        "</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>"
    )


def multiget_body(hrefs: list[str]) -> str:
    listed = "".join(f"<D:href>{href}</D:href>" for href in hrefs)
    return (
        f'<?xml version="1.0"?><CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="{CR}">'
        f"<D:prop><D:getetag/><CR:address-data/></D:prop>{listed}</CR:addressbook-multiget>"
    )


def seed(database_url: str, cards: int) -> tuple[str, str, str, list[tuple[str, bytes]]]:
    """`cards` synced phonebook entries published into the company book, an integration
    login; returns (user, password, book path, the cards' names and bodies)."""
    open_store(Settings(database=database_url))
    account = create_account(f"bench-{uuid.uuid4().hex[:6]}")
    now = time.time()
    rows = [
        {
            "source": "S",
            "origin": "bench",
            "external_id": f"e{n}",
            "uid": uuid.uuid4().hex,
            "first_name": FIRST[n % len(FIRST)],
            "last_name": f"{LAST[n % len(LAST)]} {n:06d}",
            "company": f"Firma {n % 997}",
            "phone_work": f"+49 30 {n:07d}",
            "phone_mobile": f"+49 171 {n:07d}",
            "email": f"person{n}@example.com",
            "created": now,
            "modified": now,
        }
        for n in range(cards)
    ]
    integration = create_integration(account.id, "http://bench")  # switches the book on
    started = time.perf_counter()
    with write_transaction():
        for start in range(0, len(rows), 500):
            PhonebookEntry.insert_many(rows[start : start + 500]).execute()
        entries = list(PhonebookEntry.select().where(PhonebookEntry.origin == "bench"))
        phonebook.publish_synced_batch("bench", entries, [])
    print(f"  published {cards} cards in {time.perf_counter() - started:.1f} s", flush=True)
    book = integration.url.removeprefix("http://bench")
    stored = [
        (name, bytes(body))
        for name, body in StoredObject.select(StoredObject.name, StoredObject.body)
        .where(StoredObject.collection == company_book().id)
        .tuples()
    ]
    database_proxy.obj.close()
    return integration.username, integration.password, book, stored


def radicale_book(storage: Path, cards: list[tuple[str, bytes]]) -> str:
    """The same cards as a Radicale address book; its path."""
    folder = storage / "collection-root" / "bench" / "company"
    folder.mkdir(parents=True)
    (folder / ".Radicale.props").write_text(json.dumps({"tag": "VADDRESSBOOK"}))
    for name, body in cards:
        (folder / name).write_bytes(body)
    return "/bench/company/"


def timed(call, repeat: int) -> tuple[float, object]:
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), answer


def lookup_times(base: str, book: str, auth, cards: int, repeat: int) -> dict[str, tuple]:
    session = requests.Session()
    session.auth = auth
    for _ in range(4 * DAVSERVER_THREADS):  # every server thread opens its connection
        session.request("PROPFIND", base + book, data=PROPFIND_ETAGS, headers={**XML, "Depth": "0"})
    found = {}
    for label, prop, match_type, text in lookups(cards):
        body = query_body(prop, match_type, text).encode()

        def call(body=body):
            r = session.request("REPORT", base + book, data=body, headers={**XML, "Depth": "1"})
            assert r.status_code == 207, (r.status_code, r.text[:300])
            return r.text.count("<D:response>") + r.text.count("<response>")

        call()  # warm: Radicale builds its item cache on the first read
        found[label] = timed(call, repeat)
    return found


def fritzbox_sync(base: str, book: str, auth) -> int:
    """One FRITZ!Box full sync; the number of cards it read."""
    session = requests.Session()
    headers = {**XML, "Depth": "1"}
    for attempt in (None, auth):
        listing = session.request(
            "PROPFIND", base + book, data=PROPFIND_ETAGS, headers=headers, auth=attempt
        )
    assert listing.status_code == 207, listing.status_code
    hrefs = [
        part.split("</D:href>", 1)[0]
        for part in listing.text.split("<D:href>")[1:]
        if not part.startswith(book + "<")
    ]
    read = 0
    for start in range(0, len(hrefs), MULTIGET_BATCH):
        body = multiget_body(hrefs[start : start + MULTIGET_BATCH]).encode()
        for attempt in (None, auth):
            got = session.request("REPORT", base + book, data=body, headers=headers, auth=attempt)
        assert got.status_code == 207, got.status_code
        read += got.text.count("<D:response>")
    return read


def depth_one_propfind(base: str, book: str, auth) -> int:
    r = requests.request(
        "PROPFIND", base + book, data=PROPFIND_ETAGS, headers={**XML, "Depth": "1"}, auth=auth
    )
    assert r.status_code == 207
    return r.text.count("<D:response>")


def run_size(cards: int, options, servers: ServerSet, work: Path) -> list[str]:
    """Measure one book size; the targets missed."""
    database = options.database or f"sqlite:///{work}/bench-carddav-{cards}.db"
    print(f"\n== {cards} cards ({database.split('://')[0]})", flush=True)
    user, password, book, stored = seed(database, cards)
    ours = start_davserver(servers, database)
    missed: list[str] = []
    mine = lookup_times(ours.base_url, book, (user, password), cards, options.repeat)
    theirs: dict[str, tuple] = {}
    if cards <= options.radicale_up_to:
        radicale = start_radicale(servers, work / f"radicale-{cards}")
        path = radicale_book(work / f"radicale-{cards}", stored)
        theirs = lookup_times(radicale.base_url, path, ("bench", "x"), cards, options.repeat)
        servers.stop(radicale)
    print(f"{'lookup':<20} {'ours ms':>9} {'Radicale ms':>12} {'ratio':>7}  found (Radicale)")
    for label, (ms, found) in mine.items():
        other = theirs.get(label)
        ratio = f"{other[0] / ms:>6.1f}x" if other else "      -"
        them = f"{other[0]:>12.1f}" if other else f"{'-':>12}"
        print(f"{label:<20} {ms:>9.1f} {them} {ratio}  {found} ({other[1] if other else '-'})")
        if other and cards == 1000 and other[0] / ms < 20:
            missed.append(f"{label} at {cards}: {other[0] / ms:.1f}x Radicale (target 20x)")
        if cards >= 100_000 and ms > 50:
            missed.append(f"{label} at {cards}: {ms:.1f} ms (target 50 ms)")
    if cards == 10_000 or options.sync_all:
        auth = (user, password)
        fritz, read = timed(lambda: fritzbox_sync(ours.base_url, book, auth), options.repeat)
        plain, listed = timed(lambda: depth_one_propfind(ours.base_url, book, auth), options.repeat)
        print(
            f"FRITZ!Box full sync {fritz:.0f} ms ({read} cards, 4+ requests with 401s) vs "
            f"Depth 1 PROPFIND {plain:.0f} ms ({listed} responses): {fritz / plain:.2f}x"
        )
        if cards == 10_000 and fritz / plain > 2:
            missed.append(f"full sync at {cards}: {fritz / plain:.2f}x the PROPFIND (target 2x)")
    servers.stop(ours)
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL URL (one size per run)")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--radicale-up-to", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sync-all", action="store_true", help="time the sync at every size")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    if options.database and len(sizes) > 1:
        parser.error("with --database, give one size: the company book is one per database")
    print("Radicale", ensure_radicale())
    print("load average at the start:", " ".join(f"{n:.1f}" for n in os.getloadavg()))
    work = Path(tempfile.mkdtemp(prefix="bench-carddav-"))
    servers = ServerSet(work)
    missed: list[str] = []
    try:
        for cards in sizes:
            missed += run_size(cards, options, servers, work)
    finally:
        servers.stop_all()
        if options.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\nload average at the end:", " ".join(f"{n:.1f}" for n in os.getloadavg()))
    print("every target met" if not missed else "MISSED: " + "; ".join(missed))
    sys.exit(0 if not missed else 1)


if __name__ == "__main__":
    main()
