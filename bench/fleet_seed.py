"""Seeding the phone fleet's database: many logins, each with one calendar of synthetic
events, fast, in one process (the phone fleet runs this as a subprocess).

    python bench/fleet_seed.py DATABASE_URL --logins 2000 --events 100 --out logins.json

`davserver credential add` and `davserver import` per login would start Python twice
per login, hash each password with argon2 (about 50 ms) and parse every event again
(about 13 ms each: 2,000 logins of 100 events would take 45 minutes). Here the store is
opened once, the password is hashed once and that hash is given to every login (each
row still has its own id, so the server's verified-login cache keeps one entry per
login), and one calendar file is parsed once, by the importer's own steps, and its
objects stored into every login's calendar by the importer's own batch writer (UIDs
are unique per calendar, so every calendar may hold the same events). Writes, per
login, its name, its calendar's path and the calendar's sync token after the import:
the phones start as clients that synced just before the benchmark began.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthetic_calendar import generate_specs, render_calendar  # noqa: E402

CALENDAR_NAME = "phone"


def login_name(index: int) -> str:
    return f"fleet{index:05d}"


def seed(database_url: str, logins: int, events: int, password: str, seed: int) -> list[dict]:
    from davserver.app import open_store
    from davserver.config import load_settings
    from davserver.dav import sync_tokens
    from resources.auth import passwords
    from resources.auth.credentials import create_credential
    from resources.objects import calendar_collections
    from resources.objects.calendar_collections import CALENDAR, CollectionProperties
    from resources.organisation.accounts import personal_account
    from resources.organisation.branches import default_branch
    from resources.store.models import Collection
    from resources.store.organisation import ServiceCredential

    settings = load_settings(flags={"database": database_url})
    open_store(settings)
    password_hash = passwords.hash_password(password)
    branch = default_branch().id
    objects = _parsed_once(render_calendar(generate_specs(events, seed)).encode("utf-8"), settings)
    seeded = []
    for index in range(logins):
        name = login_name(index)
        login = create_credential(
            name, None, account=personal_account(name).id, branch=branch, confirmed=True
        )
        ServiceCredential.update(password_hash=password_hash).where(
            ServiceCredential.id == login.id
        ).execute()
        collection = calendar_collections.create_collection(
            login.id, CALENDAR_NAME, CALENDAR, CollectionProperties(display_name="Phone")
        )
        _store(collection.id, objects, branch)
        collection = Collection.get_by_id(collection.id)
        seeded.append(
            {
                "username": name,
                "calendar": f"/dav/calendars/{name}/{CALENDAR_NAME}/",
                "token": sync_tokens.make_token(collection.sync_epoch, collection.sync_revision),
            }
        )
    return seeded


def _parsed_once(ics: bytes, settings) -> list:
    """The calendar file's objects, read and checked as `davserver import` does."""
    from resources.formats.import_file import index_calendar
    from resources.objects.calendar_import import ImportReport, _prepare

    source = io.BytesIO(ics)
    index = index_calendar(source)
    report = ImportReport(total=len(index.groups))
    allowed = frozenset({"VEVENT", "VTODO", "VJOURNAL"})
    objects = [
        _prepare(source, index, blocks, allowed, settings.max_resource_size, None, report)
        for blocks in index.groups.values()
    ]
    if report.skipped:
        raise RuntimeError(f"the synthetic calendar has refused objects: {report.skipped[:3]}")
    return objects


def _store(collection_id: int, objects: list, branch: int) -> None:
    from resources.objects.calendar_import import BATCH_SIZE, ImportReport, store_batch

    for start in range(0, len(objects), BATCH_SIZE):
        batch = objects[start : start + BATCH_SIZE]
        report = ImportReport(total=len(batch))
        store_batch(collection_id, batch, report, branch)
        if report.imported != len(batch):
            raise RuntimeError(f"stored {report.imported} of {len(batch)}: {report.skipped[:3]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--logins", type=int, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--password", default="fleet-password-1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    clock = time.perf_counter()
    seeded = seed(args.database, args.logins, args.events, args.password, args.seed)
    args.out.write_text(json.dumps(seeded), encoding="utf-8")
    print(
        f"seeded {args.logins} logins x {args.events} events in {time.perf_counter() - clock:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
