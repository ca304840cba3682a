"""External calendar sync against Radicale (issue 15 item 8): the first pull of a
5,000-event remote calendar, the requests of a pull that finds nothing changed, and the
time until a local change is on the remote with the serving process's loop. Radicale
(latest from PyPI, bench/.venv-radicale) listens on 127.0.0.1; the local side is this
checkout's domain on a fresh SQLite database in a temporary directory.

    .venv/bin/python bench/external_sync.py [--events 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402
from bench.synthetic_calendar import generate_specs, render_object  # noqa: E402

TARGETS = {"first_pull_seconds": 60.0, "quiet_pull_requests": 2, "push_seconds": 5.0}
MKCALENDAR = (
    '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:set><D:prop><D:displayname>bench</D:displayname></D:prop></D:set></C:mkcalendar>"
)


class CountingClient:
    """The server's CalDAV client, counting the requests it sends."""

    def __init__(self) -> None:
        from davserver.external_caldav import HttpxCalDavClient

        self.inner = HttpxCalDavClient()
        self.requests = 0

    def dav(self, *args, **kwargs):
        self.requests += 1
        return self.inner.dav(*args, **kwargs)

    def send(self, *args, **kwargs):
        self.requests += 1
        return self.inner.send(*args, **kwargs)


def seed_radicale(base_url: str, storage: Path, count: int) -> str:
    """A calendar of `count` events: made over HTTP, filled as files in Radicale's store."""
    path = "/bench/calendar/"
    requests.request("MKCOL", base_url + "/bench/", timeout=30)
    made = requests.request("MKCALENDAR", base_url + path, data=MKCALENDAR, timeout=30)
    assert made.status_code == 201, made.text
    folder = storage / "collection-root" / "bench" / "calendar"
    for index, spec in enumerate(generate_specs(count)):
        (folder / f"event-{index}.ics").write_text(render_object(spec), encoding="utf-8")
    # Radicale reads and caches files it has not seen at the first listing; a remote in
    # use has done that long ago, so the listing is made once before measuring.
    warm = requests.request("PROPFIND", base_url + path, headers={"Depth": "1"}, timeout=3600)
    assert warm.status_code == 207, warm.status_code
    return path


def open_local_store(work: Path) -> None:
    from davserver.app import open_store
    from davserver.config import load_settings

    settings = load_settings(flags={"database": f"sqlite:///{work}/local.db"}, environ={})
    open_store(settings)


def measure(base_url: str, remote_path: str) -> dict[str, float]:
    from davserver.external_caldav import HttpxCalDavClient
    from davserver.external_sync_loop import ExternalSyncLoop
    from resources.external_calendars.accounts import create_account
    from resources.external_calendars.sync_pairs import create_pair
    from resources.external_calendars.sync_runs import run_pair
    from resources.objects.stored_objects import WriteConditions, put_calendar_object
    from resources.organisation.resource_calendars import create_resource, resource_calendar

    room = create_resource("room", "Bench room", "bench-room", actor="bench")
    local = resource_calendar(room.id)
    account, found = create_account(
        base_url + remote_path, "bench", "x", HttpxCalDavClient(), actor="bench"
    )
    pair = create_pair(
        account.id, found.calendars[0].url, local, {"push_existing": False}, actor="bench"
    )
    client = CountingClient()
    started = time.perf_counter()
    first = run_pair(pair.id, client, "bench")
    first_seconds = time.perf_counter() - started
    assert first.pull is not None and not first.error, first.error
    client.requests = 0
    quiet = run_pair(pair.id, client, "bench")
    assert quiet.pull is not None and quiet.pull.added == quiet.pull.updated == 0
    body = render_object(generate_specs(1, seed=99)[0]).encode()
    loop = ExternalSyncLoop().start()
    try:
        started = time.perf_counter()
        put_calendar_object(local, "pushed.ics", body, WriteConditions(), max_size=1 << 20)
        while requests.get(f"{base_url}{remote_path}pushed.ics", timeout=10).status_code != 200:
            if time.perf_counter() - started > 60:
                raise RuntimeError("the local change did not reach the remote within 60 s")
            time.sleep(0.05)
        push_seconds = time.perf_counter() - started
    finally:
        loop.stop()
    return {
        "events": float(first.pull.added),
        "first_pull_seconds": round(first_seconds, 2),
        "first_pull_requests": float(first.pull.requests),
        "quiet_pull_requests": float(client.requests),
        "push_seconds": round(push_seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    options = parser.parse_args()
    print(f"Radicale {servers.ensure_radicale()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="davserver-extsync-") as folder:
        work = Path(folder)
        running = servers.ServerSet(work)
        try:
            radicale = servers.start_radicale(running, work / "radicale")
            remote_path = seed_radicale(radicale.base_url, work / "radicale", options.events)
            open_local_store(work)
            figures = measure(radicale.base_url, remote_path)
        finally:
            running.stop_all()
    print(json.dumps(figures, indent=2))
    failed = False
    for name, target in TARGETS.items():
        verdict = "PASS" if figures[name] <= target else "FAIL"
        failed |= verdict == "FAIL"
        print(f"{verdict} {name}: {figures[name]} (target at most {target})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
