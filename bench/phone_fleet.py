"""A phone fleet against davserver: how many phones, polling as iOS and DAVx5 do, one
core sustains with p99 under 200 ms and no errors (issue 17 item 4).

    .venv/bin/python bench/phone_fleet.py                        # SQLite, 2 workers
    .venv/bin/python bench/phone_fleet.py --database postgresql://postgres@127.0.0.1/postgres
                                                 # and PostgreSQL, two hosts (a fresh database)
    options: --steps 1000,2000,4000,8000 --interval 300 --duration 60 --phones-per-login 2
             --events 50 --quick --only postgresql

Each phone (bench/fleet_phone.py) polls every `--interval` seconds +-20 % over its own
keep-alive connection (bench/fleet_http.py), all from one asyncio process on
127.0.0.1. The fleet grows step by step; the phones of a step go on polling in the
next one, so a step's poll rate is its phone count / interval from its first second.
A step passes with p99 under 200 ms and no errors; the run stops at the first step
that fails. Phones per core = phones x (300 / interval) / the machine's cores, which
the server shares with this load generator (and PostgreSQL). Writes
bench/results/phone_fleet.json. See bench/README.md, "Phone fleet".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import servers as srv  # noqa: E402
from dav_client import PROPFIND_COLLECTION  # noqa: E402
from fleet_http import Connection  # noqa: E402
from fleet_phone import Behaviour, CurrentStep, Phone, StepStats, percentile  # noqa: E402

from tests.server_harness import FreshDatabase  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_PATH = BENCH_DIR / "results" / "phone_fleet.json"
NOMINAL_INTERVAL = 300.0  # the target's poll: every 5 minutes
TARGET_PER_CORE = 2000
P99_LIMIT_MS = 200.0
PASSWORD = "fleet-password-1"
LAG_PROBE_SECONDS = 0.05
WARM_CONNECTIONS = 6
SEED_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Plan:
    steps: tuple[int, ...]
    interval: float
    duration: float
    phones_per_login: int
    events: int
    put_probability: float
    jitter: float
    sqlite_workers: int
    pg_workers: int
    seed: int
    warm_logins: bool

    def at_nominal(self, phones: int) -> float:
        """The phones that would make the same poll rate at a 5-minute poll."""
        return phones * NOMINAL_INTERVAL / self.interval

    @property
    def logins(self) -> int:
        return math.ceil(max(self.steps) / self.phones_per_login)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL server URL: also run two hosts on it")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one configuration")
    parser.add_argument("--steps", help="phone counts (default 1000,2000,4000,8000)")
    parser.add_argument("--interval", type=float, help="seconds between polls (default 300)")
    parser.add_argument("--duration", type=float, help="seconds per step (default 60)")
    parser.add_argument("--phones-per-login", type=int, default=2)
    parser.add_argument("--events", type=int, help="events per calendar (default 50)")
    parser.add_argument("--put-probability", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=2, help="SQLite server's --workers")
    parser.add_argument(
        "--pg-workers", type=int, default=1, help="each PostgreSQL host's --workers"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warm-logins",
        action="store_true",
        help="verify every login's password on every server process before the first step, "
        "so that the steps measure the server apart from argon2 (use with many phones per login)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="two small steps of 20 s, for trying the benchmark"
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and SQLite database")
    return parser.parse_args()


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    steps = args.steps or ("100,200" if quick else "1000,2000,4000,8000")
    plan = Plan(
        steps=tuple(int(n) for n in steps.split(",")),
        interval=args.interval or (20.0 if quick else NOMINAL_INTERVAL),
        duration=args.duration or (20.0 if quick else 60.0),
        phones_per_login=args.phones_per_login,
        events=args.events or (20 if quick else 50),
        put_probability=args.put_probability,
        jitter=0.2,
        sqlite_workers=args.workers,
        pg_workers=args.pg_workers,
        seed=args.seed,
        warm_logins=args.warm_logins,
    )
    if min(plan.steps) < 1 or plan.phones_per_login < 1 or plan.duration <= 0:
        raise SystemExit("bench/phone_fleet.py: steps, --phones-per-login, --duration must be > 0")
    return plan


def seed_logins(database_url: str, plan: Plan, work: Path, env: dict[str, str]) -> list[dict]:
    out = work / "logins.json"
    command = [
        sys.executable,
        str(BENCH_DIR / "fleet_seed.py"),
        database_url,
        *("--logins", str(plan.logins), "--events", str(plan.events)),
        *("--password", PASSWORD, "--seed", str(plan.seed), "--out", str(out)),
    ]
    clock = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=SEED_TIMEOUT_SECONDS,
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    print(
        f"  seeded {plan.logins} logins x {plan.events} events in "
        f"{time.perf_counter() - clock:.0f} s",
        flush=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))


class CpuClock:
    """CPU seconds since the last `lap()`: of the whole machine (busy, from /proc/stat),
    of this process (the load generator) and of the server processes."""

    def __init__(self, server_pids) -> None:
        self._server_pids = server_pids
        self._tick = os.sysconf("SC_CLK_TCK")
        self._last = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
        machine = (sum(fields) - fields[3] - fields[4]) / self._tick
        times = os.times()
        server = 0.0
        for pid in self._server_pids():
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                    parts = stat.read().rsplit(")", 1)[1].split()
                server += (int(parts[11]) + int(parts[12])) / self._tick
            except (FileNotFoundError, ProcessLookupError):
                pass
        return time.monotonic(), machine, times.user + times.system, server

    def lap(self) -> dict[str, float]:
        now = self._read()
        (t0, machine0, own0, server0), (t1, machine1, own1, server1) = self._last, now
        self._last = now
        seconds = max(t1 - t0, 1e-9)
        return {
            "machine_busy_cores": (machine1 - machine0) / seconds,
            "client_cores": (own1 - own0) / seconds,
            "server_cores": max(server1 - server0, 0.0) / seconds,
            "server_cpu_seconds": max(server1 - server0, 0.0),
        }


def summarise(stats: StepStats, plan: Plan, seconds: float, cpu: dict, cores: int) -> dict:
    latencies = stats.latencies_ms
    p99 = percentile(latencies, 0.99)
    passed = bool(latencies) and stats.errors == 0 and p99 is not None and p99 < P99_LIMIT_MS
    at_nominal = plan.at_nominal(stats.phones)

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "phones": stats.phones,
        "phones_at_5_min": round(at_nominal),
        "phones_per_core_at_5_min": round(at_nominal / cores),
        "seconds": round(seconds, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "polls": stats.polls,
        "polls_per_s": round(stats.polls / seconds, 2),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(p99),
        "max_ms": ms(max(latencies) if latencies else None),
        "by_kind": {
            kind: {
                "n": len(values),
                "p50_ms": ms(percentile(values, 0.5)),
                "p99_ms": ms(percentile(values, 0.99)),
            }
            for kind, values in stats.by_kind_ms.items()
        },
        "first_of_poll": {
            "n": len(stats.poll_first_ms),
            "p50_ms": ms(percentile(stats.poll_first_ms, 0.5)),
            "p99_ms": ms(percentile(stats.poll_first_ms, 0.99)),
        },
        "connect_p99_ms": ms(percentile(stats.connect_ms, 0.99)),
        "connect_max_ms": ms(max(stats.connect_ms) if stats.connect_ms else None),
        "client_loop_lag_p99_ms": ms(percentile(stats.loop_lag_ms, 0.99)),
        "client_loop_lag_max_ms": ms(max(stats.loop_lag_ms) if stats.loop_lag_ms else None),
        "errors": stats.errors,
        "first_errors": stats.first_errors,
        "connections_opened": stats.reconnects.total() + stats.reconnects.first,
        "reconnects": stats.reconnects.total(),
        "reconnects_by_reason": stats.reconnects.as_dict(),
        "cpu": {key: round(value, 3) for key, value in cpu.items()},
        "server_cpu_ms_per_poll": ms(1000 * cpu["server_cpu_seconds"] / stats.polls)
        if stats.polls
        else None,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "passed": passed,
    }


async def run_fleet(
    addresses: list[tuple[str, int]], logins: list[dict], plan: Plan, cpu: CpuClock, cores: int
) -> list[dict]:
    """Grow the fleet step by step; stop after the first step that fails."""
    behaviour = Behaviour(plan.interval, plan.jitter, plan.put_probability)
    current = CurrentStep(StepStats(plan.steps[0]))
    deadline = time.monotonic() + len(plan.steps) * plan.duration + 5  # every phone ends by then
    rng = random.Random(plan.seed)
    phones: list[Phone] = []
    tasks: list[asyncio.Task] = []
    lag = asyncio.create_task(_watch_loop_lag(current, deadline))
    rows: list[dict] = []
    try:
        for count in plan.steps:
            current.stats = StepStats(count)
            cpu.lap()
            clock = time.monotonic()
            for index in range(len(phones), count):
                login = logins[index // plan.phones_per_login]
                address = addresses[index % len(addresses)]  # a login's devices on both hosts
                phone = Phone(
                    index, login, address, PASSWORD, behaviour, random.Random(rng.random())
                )
                phones.append(phone)
                tasks.append(asyncio.create_task(phone.run(current, deadline)))
            await asyncio.sleep(plan.duration)
            row = summarise(current.stats, plan, time.monotonic() - clock, cpu.lap(), cores)
            rows.append(row)
            print(render_row(row), flush=True)
            if not row["passed"]:
                break
    finally:
        for task in [*tasks, lag]:
            task.cancel()
        await asyncio.gather(*tasks, lag, return_exceptions=True)
        for phone in phones:
            phone.connection.close()
    return rows


async def _watch_loop_lag(current: CurrentStep, deadline: float) -> None:
    """How late the event loop wakes up: the share of each latency that is the client's."""
    while time.monotonic() < deadline:
        clock = time.monotonic()
        await asyncio.sleep(LAG_PROBE_SECONDS)
        current.stats.loop_lag_ms.append((time.monotonic() - clock - LAG_PROBE_SECONDS) * 1000)


async def warm_logins(addresses: list[tuple[str, int]], logins: list[dict]) -> None:
    """One PROPFIND per login over WARM_CONNECTIONS fresh connections to each host: the
    kernel hands each to one of the host's processes, so every process very likely
    verifies every login once and then holds it in its cache of verified logins (for
    300 s: longer than the steps of a default run)."""
    gate = asyncio.Semaphore(8)

    async def sign_in(login: dict, address: tuple[str, int]) -> None:
        async with gate:
            for _ in range(WARM_CONNECTIONS):
                connection = Connection(address[0], address[1], login["username"], PASSWORD)
                home = login["calendar"].rstrip("/").rsplit("/", 1)[0] + "/"
                answer = await connection.request(
                    "PROPFIND", home, PROPFIND_COLLECTION.encode(), {"Depth": "0"}
                )
                connection.close()
                if answer.status != 207:
                    raise RuntimeError(f"warming {login['username']}: {answer.status}")

    await asyncio.gather(*(sign_in(login, address) for login in logins for address in addresses))


HEADER = (
    f"{'phones':>7} {'@5 min':>7} {'/core':>6} {'req/s':>6} {'polls/s':>7} {'p50 ms':>7} "
    f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'opened':>6} {'reconn':>6} {'srv ms/poll':>11} "
    f"{'srv cores':>9} {'lag p99':>7} {'load':>5}  verdict"
)


def render_row(row: dict) -> str:
    def cell(value, width: int) -> str:
        return f"{'-' if value is None else value:>{width}}"

    return (
        f"{row['phones']:>7} {row['phones_at_5_min']:>7} {row['phones_per_core_at_5_min']:>6} "
        f"{row['requests_per_s']:>6} {row['polls_per_s']:>7} {cell(row['p50_ms'], 7)} "
        f"{cell(row['p99_ms'], 7)} {cell(row['max_ms'], 7)} {row['errors']:>6} "
        f"{row['connections_opened']:>6} {row['reconnects']:>6} "
        f"{cell(row['server_cpu_ms_per_poll'], 11)} "
        f"{row['cpu']['server_cores']:>9.2f} {cell(row['client_loop_lag_p99_ms'], 7)} "
        f"{row['load_average'][0]:>5.2f}  {'pass' if row['passed'] else 'FAIL'}"
        + (f"\n        first error: {row['first_errors'][0]}" if row["first_errors"] else "")
    )


def measure(
    title: str,
    servers: srv.ServerSet,
    hosts: list[srv.ServerProcess],
    logins: list[dict],
    plan: Plan,
) -> dict:
    cores = os.cpu_count() or 1
    addresses = [(srv.HOST, urlsplit(host.base_url).port or 80) for host in hosts]
    print(
        f"{title}: steps {', '.join(map(str, plan.steps))} phones, "
        f"{plan.duration:.0f} s each, a poll every {plan.interval:.0f} s +-20 %",
        flush=True,
    )
    if plan.warm_logins:
        clock = time.perf_counter()
        asyncio.run(warm_logins(addresses, logins[: plan.logins]))
        print(
            f"  every login signed in on every server process ({time.perf_counter() - clock:.0f} s)"
        )
    print(HEADER, flush=True)
    cpu = CpuClock(lambda: [pid for server in servers.running for pid in server.pids()])
    rows = asyncio.run(run_fleet(addresses, logins, plan, cpu, cores))
    passing = [row for row in rows if row["passed"]]
    best = max(passing, key=lambda row: row["phones"]) if passing else None
    for host in hosts:
        log = host.log_path.read_text(errors="replace")
        if "Traceback" in log:
            print(f"  {host.name}'s log has a traceback: see {host.log_path}", flush=True)
    return {
        "title": title,
        "steps": rows,
        "sustained_phones": best["phones"] if best else 0,
        "sustained_per_core_at_5_min": best["phones_per_core_at_5_min"] if best else 0,
        "every_step_passed": len(passing) == len(plan.steps),
        "hosts": [host.base_url for host in hosts],
    }


def run_sqlite(plan: Plan, work: Path) -> dict:
    servers = srv.ServerSet(work, davserver_workers=plan.sqlite_workers)
    database = FreshDatabase(str(work), "")
    try:
        print(f"SQLite: seeding {plan.logins} logins ...", flush=True)
        logins = seed_logins(database.url, plan, work, {})
        host = srv.start_davserver(servers, database.url)
        title = f"SQLite, one davserver with --workers {plan.sqlite_workers}"
        return measure(title, servers, [host], logins, plan)
    finally:
        servers.stop_all()
        database.drop()


def run_postgresql(plan: Plan, work: Path, server_url: str) -> dict:
    from cryptography.fernet import Fernet

    servers = srv.ServerSet(work, davserver_workers=plan.pg_workers)
    database = FreshDatabase(str(work), server_url)
    env = {"DAVSERVER_SECRET_KEYS": Fernet.generate_key().decode()}  # the same on both hosts
    try:
        print(f"PostgreSQL: seeding {plan.logins} logins into {database.name} ...", flush=True)
        logins = seed_logins(database.url, plan, work, env)
        hosts = [
            srv.start_davserver(servers, database.url, env, name=f"davserver-{name}")
            for name in ("a", "b")
        ]
        title = f"PostgreSQL, two davserver hosts with --workers {plan.pg_workers} each"
        return measure(title, servers, hosts, logins, plan)
    finally:
        servers.stop_all()
        database.drop()


def verdict(result: dict) -> str:
    per_core = result["sustained_per_core_at_5_min"]
    ceiling = " (the largest step: the ceiling is higher)" if result["every_step_passed"] else ""
    return (
        f"{'PASS' if per_core >= TARGET_PER_CORE else 'FAIL'} {result['title']}: "
        f"{per_core} phones per core at a 5-minute poll{ceiling}, target {TARGET_PER_CORE}"
    )


def main() -> int:
    args = parse_args()
    plan = make_plan(args)
    from davserver.server import KEEP_ALIVE_CONNECTIONS

    meta: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": asdict(plan),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server_threads_per_process": srv.DAVSERVER_THREADS,
        "server_keep_alive_connections_per_process": KEEP_ALIVE_CONNECTIONS,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "errors": [],
    }
    configurations: list[tuple[str, Callable[..., dict], tuple[str, ...]]] = []
    if args.only != "postgresql":
        configurations.append(("sqlite", run_sqlite, ()))
    if args.only != "sqlite":
        if args.database:
            configurations.append(("postgresql", run_postgresql, (args.database,)))
        elif args.only == "postgresql":
            raise SystemExit("bench/phone_fleet.py: --only postgresql needs --database URL")
    work = Path(tempfile.mkdtemp(prefix="davserver-fleet-"))
    results = {}
    try:
        for name, run, extra in configurations:
            (work / name).mkdir()
            try:
                results[name] = run(plan, work / name, *extra)
            except Exception as exc:  # report it and go on with the next configuration
                meta["errors"].append(f"{name}: {type(exc).__name__}: {exc}"[:3000])
                print(f"  FAILED: {type(exc).__name__}: {exc}"[:3000], flush=True)
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    meta["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    print()
    for result in results.values():
        print(verdict(result))
    for error in meta["errors"]:
        print(f"ERROR {error}")
    print(
        f"load average at start {meta['load_average_at_start']}, at end "
        f"{meta['load_average_at_end']}; the load generator shares the {meta['cpus']} cores"
    )
    RESULTS_PATH.parent.mkdir(exist_ok=True)
    RESULTS_PATH.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"wrote {RESULTS_PATH}")
    passed = results and all(
        r["sustained_per_core_at_5_min"] >= TARGET_PER_CORE for r in results.values()
    )
    return 0 if passed and not meta["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
