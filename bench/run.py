"""davserver against Radicale: one command seeds both, measures, prints the table and targets.

    .venv/bin/python bench/run.py [--events 1000] [--scale] [--quick] [--workers N]

Writes bench/results/latest.json. See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402
import requests  # noqa: E402
import servers as srv  # noqa: E402
from dav_client import CalDavClient, Target  # noqa: E402
from light_client import LightClient  # noqa: E402
from measure import Budget, Mix, OtherWork, run_load, time_calls  # noqa: E402
from suite import (
    LOAD_THREADS,
    Workload,
    check_members,
    measure_latencies,
    measure_load,  # noqa: E402
    measure_unauthenticated,
    seed_by_put,
)
from synthetic_calendar import generate_specs, render_calendar  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
USERNAME, PASSWORD = "bench", "bench-password-1"
CALENDAR, BIG_CALENDAR = "bench", "big"


@dataclass(frozen=True)
class Profile:
    budget: Budget  # ordinary requests
    heavy: Budget  # whole-calendar requests (PROPFIND Depth 1, queries)
    load_seconds: float


FULL = Profile(Budget(50, 20.0), Budget(30, 30.0, warmup=1), 10.0)
QUICK = Profile(Budget(8, 2.0, warmup=1), Budget(4, 4.0, warmup=1), 2.0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=int,
        default=1000,
        help="calendar size of the side-by-side run (default 1000)",
    )
    parser.add_argument(
        "--scale", action="store_true", help="also measure davserver alone at larger sizes (import)"
    )
    parser.add_argument(
        "--scale-events", help="sizes for --scale (default 10000,100000; with --quick 2000,10000)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions and a 2 s load, for trying the benchmark",
    )
    parser.add_argument(
        "--seed-with",
        choices=("import", "put"),
        default="import",
        help="how --scale fills the big calendar: `davserver import` (default) or PUTs (slow)",
    )
    parser.add_argument("--no-radicale", action="store_true", help="measure davserver only")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the synthetic calendar (default 1)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases and logs in the temporary directory"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="davserver's server processes (default: the machine's cores, %(default)s here)",
    )
    return parser.parse_args()


def measure_floor(servers: srv.ServerSet, profile: Profile) -> dict:
    """GET of the hello-world app: one at a time, then by the load threads (the client's own ceiling)."""
    floor = srv.start_hello_floor(servers)
    url = floor.base_url + "/"
    session = requests.Session()
    target = Target("hello-floor", floor.base_url, "/", "", "")
    clients = [LightClient(target) for _ in range(LOAD_THREADS)]

    def get(client: LightClient, _rng=None) -> None:
        client.request("GET", "/", expect=(200,))

    try:
        latency = time_calls(lambda _: _expect_ok(session.get(url, timeout=30)), profile.budget)
        load = run_load(Mix({"GET": (1, get)}), clients, profile.load_seconds, seed=5)
    finally:
        session.close()
        for client in clients:
            client.close()
        servers.stop(floor)
    return {"ops": {"hello": latency.as_dict()}, "load": load.as_dict()}


def _expect_ok(response: requests.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError("hello-world floor did not answer 200")


def measure_server(
    server: srv.ServerProcess,
    target: Target,
    workload: Workload,
    profile: Profile,
    new_offset: int,
    with_load: bool = True,
    with_auth: bool = False,
) -> dict:
    client = CalDavClient(target)
    try:
        ops = measure_latencies(client, workload, profile.budget, profile.heavy, new_offset)
        if with_auth:
            ops.update(measure_unauthenticated(client, profile.budget))
    finally:
        client.close()
    level = {"ops": {key: latency.as_dict() for key, latency in ops.items()}}
    if with_load:
        level["load"] = measure_load(target, workload, profile.load_seconds)
    return level


def remember_memory(level: dict, server: srv.ServerProcess) -> None:
    memory = server.memory_kib()
    level["memory"] = {
        "pss_kib": memory["Pss"],
        "rss_kib": memory["VmRSS"],
        "peak_rss_kib": memory["VmHWM"],
        "processes": memory["processes"],
    }


def new_davserver(servers: srv.ServerSet, name: str) -> tuple[srv.ServerProcess, str]:
    database_url = f"sqlite:///{servers.work_dir / name}.db"
    srv.add_davserver_login(database_url, USERNAME, PASSWORD)
    return srv.start_davserver(servers, database_url), database_url


def davserver_target(server: srv.ServerProcess, calendar: str = CALENDAR) -> Target:
    return Target(
        "davserver", server.base_url, f"/dav/calendars/{USERNAME}/{calendar}/", USERNAME, PASSWORD
    )


def run_davserver(servers: srv.ServerSet, workload: Workload, profile: Profile) -> dict:
    server, _ = new_davserver(servers, f"davserver-{len(workload.specs)}")
    target = davserver_target(server)
    client = CalDavClient(target)
    client.mkcalendar(target.calendar_path)
    print(f"  seeding davserver with {len(workload.specs)} PUTs ...", flush=True)
    seconds = seed_by_put(client, workload)
    client.close()
    print(f"  measuring davserver@{len(workload.specs)} ...", flush=True)
    level = measure_server(server, target, workload, profile, new_offset=0, with_auth=True)
    level["seed_seconds"] = seconds
    remember_memory(level, server)
    servers.stop(server)
    return level


def run_radicale(servers: srv.ServerSet, workload: Workload, profile: Profile) -> dict:
    storage = servers.work_dir / "radicale-collections"
    server = srv.start_radicale(servers, storage)
    target = Target("radicale", server.base_url, f"/{USERNAME}/{CALENDAR}/", USERNAME, PASSWORD)
    client = CalDavClient(target)
    client.request(
        "PROPFIND", f"/{USERNAME}/", None, (207,), {"Depth": "0"}
    )  # Radicale makes the principal
    client.mkcalendar(target.calendar_path)
    print(f"  seeding Radicale with {len(workload.specs)} PUTs ...", flush=True)
    seconds = seed_by_put(client, workload)
    client.close()
    print(f"  measuring radicale@{len(workload.specs)} ...", flush=True)
    level = measure_server(server, target, workload, profile, new_offset=0)
    level["seed_seconds"] = seconds
    remember_memory(level, server)
    servers.stop(server)
    return level


def run_scale(
    servers: srv.ServerSet,
    workload: Workload,
    total: int,
    profile: Profile,
    seed: int,
    seed_with: str,
) -> dict[str, dict]:
    """davserver alone with `total` events: the benchmark calendar plus one big calendar."""
    server, database_url = new_davserver(servers, f"davserver-{total}")
    client = CalDavClient(davserver_target(server))
    for calendar in (CALENDAR, BIG_CALENDAR):
        client.mkcalendar(davserver_target(server, calendar).calendar_path)
    clock = time.perf_counter()
    seed_by_put(client, workload)
    client.close()
    big = Workload(generate_specs(total - len(workload.specs), seed + total))
    print(f"  seeding the big calendar with {len(big.specs)} events by {seed_with} ...", flush=True)
    big_clock = time.perf_counter()
    if seed_with == "put":
        seed_by_put(CalDavClient(davserver_target(server, BIG_CALENDAR)), big)
    else:
        servers.stop(server)
        ics_path = servers.work_dir / f"big-{total}.ics"
        ics_path.write_text(render_calendar(big.specs), encoding="utf-8", newline="")
        srv.import_ics(database_url, davserver_target(server, BIG_CALENDAR).calendar_path, ics_path)
        ics_path.unlink()
        server = srv.start_davserver(servers, database_url)
    big_seconds = time.perf_counter() - big_clock
    check_members(CalDavClient(davserver_target(server, BIG_CALENDAR)), big)
    servers.stop(server)  # a fresh process, so its memory reflects only the measured requests
    server = srv.start_davserver(servers, database_url)
    print(f"  measuring davserver@{total} ...", flush=True)
    level = measure_server(server, davserver_target(server), workload, profile, new_offset=100_000)
    level.update(
        seed_seconds=big_seconds + (big_clock - clock),
        big_seed_seconds=big_seconds,
        seeded_by=seed_with,
    )
    remember_memory(level, server)
    big_level = measure_server(
        server,
        davserver_target(server, BIG_CALENDAR),
        big,
        profile,
        new_offset=200_000,
        with_load=False,
    )
    remember_memory(big_level, server)
    servers.stop(server)
    return {f"davserver@{total}": level, f"davserver@{total} big cal": big_level}


def run_stages(
    args: argparse.Namespace,
    servers: srv.ServerSet,
    profile: Profile,
    scale_sizes: list[int],
    meta: dict,
) -> dict[str, dict]:
    """Every measurement of the run; a stage that fails is reported and the others still run."""
    workload = Workload(generate_specs(args.events, args.seed))
    levels: dict[str, dict] = {}

    def stage(title: str, action) -> None:
        print(title, flush=True)
        other_work = OtherWork(lambda: [pid for server in servers.running for pid in server.pids()])
        try:
            produced = action()
            for level in produced.values():
                level["other_cpu_cores"] = round(other_work.cores(), 2)
            levels.update(produced)
        except Exception as exc:  # report it, stop its servers, go on with the next stage
            meta["errors"].append(f"{title} {type(exc).__name__}: {exc}"[:3000])
            print(f"  FAILED: {type(exc).__name__}: {exc}"[:3000], flush=True)
            servers.stop_all()

    stage(
        "measuring the hello-world floor ...",
        lambda: {"hello-floor": measure_floor(servers, profile)},
    )
    stage(
        f"davserver with {args.events} events:",
        lambda: {f"davserver@{args.events}": run_davserver(servers, workload, profile)},
    )
    if not args.no_radicale:
        stage(
            f"Radicale {meta['radicale']} with {args.events} events:",
            lambda: {f"radicale@{args.events}": run_radicale(servers, workload, profile)},
        )
    if scale_sizes and args.seed_with == "import" and not srv.import_available():
        meta["scale_skipped"] = (
            "this checkout has no `davserver import` command yet (try --seed-with put)"
        )
        print(f"scale run skipped: {meta['scale_skipped']}", flush=True)
        return levels
    for total in scale_sizes:
        stage(
            f"davserver with {total} events:",
            lambda total=total: run_scale(
                servers, workload, total, profile, args.seed, args.seed_with
            ),
        )
    return levels


def publish(levels: dict[str, dict], meta: dict, events: int, scale_top: int | None) -> None:
    """Print the table and the targets, and write results/latest.json."""
    checks = report.evaluate(levels, events, scale_top)
    print()
    print(report.render_tables(levels, events, scale_top))
    print()
    print(report.render_checks(checks))
    start, end = (
        " ".join(f"{load:.2f}" for load in meta[key])
        for key in ("load_average_at_start", "load_average_at_end")
    )
    print(
        f"\nload average (1, 5, 15 min) at start {start}, at end {end}"
        " (other work on the machine skews the numbers)"
    )
    for error in meta["errors"]:
        print(f"ERROR {error}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / "latest.json"
    out.write_text(
        json.dumps(
            {"meta": meta, "levels": levels, "targets": [c.as_dict() for c in checks]}, indent=2
        )
    )
    print(f"\nwrote {out}")


def main() -> int:
    args = parse_args()
    profile = QUICK if args.quick else FULL
    sizes = args.scale_events or ("2000,10000" if args.quick else "10000,100000")
    scale_sizes = [int(n) for n in sizes.split(",")] if args.scale else []
    if args.workers < 1:
        raise SystemExit("bench/run.py: --workers must be at least 1")
    servers = srv.ServerSet(
        Path(tempfile.mkdtemp(prefix="davserver-bench-")), davserver_workers=args.workers
    )
    meta = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "events": args.events,
        "quick": args.quick,
        "scale": scale_sizes,
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
        "errors": [],
    }
    try:
        if not args.no_radicale:
            meta["radicale"] = srv.ensure_radicale()
        levels = run_stages(args, servers, profile, scale_sizes, meta)
    finally:
        servers.stop_all()
        if args.keep:
            print(f"databases and logs kept in {servers.work_dir}")
        else:
            shutil.rmtree(servers.work_dir, ignore_errors=True)
    meta["load_average_at_end"] = os.getloadavg()
    publish(levels, meta, args.events, scale_sizes[-1] if scale_sizes else None)
    return 1 if meta["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
