"""davserver on PostgreSQL beside SQLite, and the default one process beside the floor.

    .venv/bin/python bench/pg_speed.py --postgres postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python bench/pg_speed.py --postgres URL --rounds 5 --quick

Each configuration gets its calendar (bench/run.py's 1,000 events) seeded once; then,
round after round, every configuration is started afresh, measured with run.py's
requests and load mix, its memory read, and stopped, in turn with the others: on a
shared machine each round's numbers of all of them come from about the same moment.
Printed: the median over the rounds of each configuration's medians, the ratios the
targets of issue 17 name, and PASS/FAIL:

- PostgreSQL with 2 workers: each latency at most 1.5x SQLite's with 2 workers, and
  the 8-thread mix at least SQLite's ops/s divided by 1.5;
- one process (the default `davserver serve`): GET one at most 1.5x the hello-world
  floor;
- memory: the resident set of every server process after its round at most 60 MiB.

Writes bench/results/pg_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import servers as srv  # noqa: E402
from dav_client import CalDavClient  # noqa: E402
from measure import OtherWork  # noqa: E402
from suite import OPERATIONS, Workload, seed_by_put  # noqa: E402
from synthetic_calendar import generate_specs  # noqa: E402

LATENCY_LIMIT = 1.5
FLOOR_LIMIT = 1.5
RSS_LIMIT_MIB = 60
REFERENCE = " (reference)"
RESULTS = Path(__file__).resolve().parent / "results" / "pg_speed.json"


@dataclass(frozen=True)
class Config:
    name: str
    database: str  # "sqlite" or "postgresql"
    workers: int
    reference: str | None = None  # another checkout whose davserver runs instead of this one

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": self.reference} if self.reference else {}

    def as_reference(self, checkout: str) -> Config:
        return Config(self.name + REFERENCE, self.database, self.workers, checkout)


CONFIGS = (
    Config("sqlite, 2 workers", "sqlite", 2),
    Config("postgresql, 2 workers", "postgresql", 2),
    Config("sqlite, 1 process", "sqlite", 1),
)


def pg_admin(server_url: str, sql: str) -> None:
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(
        dbname=parts.path.lstrip("/") or "postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
    )
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


class Databases:
    """One fresh database per configuration; the PostgreSQL ones dropped at the end."""

    def __init__(self, work_dir: Path, postgres: str | None) -> None:
        self.work_dir, self.postgres = work_dir, postgres
        self.created: list[str] = []

    def fresh(self, config: Config) -> str:
        if config.database == "sqlite":
            return f"sqlite:///{self.work_dir / re.sub(r'[^a-z0-9]+', '-', config.name)}.db"
        if not self.postgres:
            raise SystemExit("bench/pg_speed.py: --postgres URL is needed for PostgreSQL")
        name = f"davserver_bench_{uuid.uuid4().hex[:10]}"
        pg_admin(self.postgres, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return urlsplit(self.postgres)._replace(path=f"/{name}").geturl()

    def drop_all(self) -> None:
        for name in self.created:
            pg_admin(self.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(servers: srv.ServerSet, config: Config, database_url: str) -> srv.ServerProcess:
    servers.davserver_workers = config.workers
    return srv.start_davserver(servers, database_url, env=config.env())


def add_login(config: Config, database_url: str) -> None:
    """The benchmark's login, made by the configuration's own davserver (its schema)."""
    done = subprocess.run(
        srv.davserver_command(database_url, "credential", "add", run.USERNAME, "--confirmed"),
        input=run.PASSWORD + "\n",
        text=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, **config.env()},
    )
    if done.returncode != 0:
        raise RuntimeError(f"credential add failed: {done.stderr.strip()[-2000:]}")


def seed(servers: srv.ServerSet, config: Config, database_url: str, workload: Workload) -> float:
    add_login(config, database_url)
    server = start(servers, config, database_url)
    target = run.davserver_target(server)
    client = CalDavClient(target)
    client.mkcalendar(target.calendar_path)
    seconds = seed_by_put(client, workload)
    client.close()
    servers.stop(server)
    return seconds


def memory_per_process(server: srv.ServerProcess) -> dict:
    """VmRSS and Pss of each process in MiB: the supervisor first, then its workers."""
    found = []
    for pid in server.pids():
        try:
            values = {
                **srv._kib_fields(f"/proc/{pid}/status", ("VmRSS", "VmHWM")),
                **srv._kib_fields(f"/proc/{pid}/smaps_rollup", ("Pss",)),
            }
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.append({key: round(value / 1024, 1) for key, value in values.items()})
    return {"processes": found}


def measure_round(servers, config, database_url, workload, profile, round_index) -> dict:
    server = start(servers, config, database_url)
    other = OtherWork(server.pids)
    try:
        level = run.measure_server(
            server,
            run.davserver_target(server),
            workload,
            profile,
            new_offset=(round_index + 1) * 10_000,
            with_auth=True,
        )
        level["memory"] = memory_per_process(server)
    finally:
        servers.stop(server)
    level["other_cpu_cores"] = round(other.cores(), 2)
    return level


def median_of(rounds: list[dict], key: str) -> float | None:
    values = [r["ops"][key]["median_ms"] for r in rounds if key in r.get("ops", {})]
    return statistics.median(values) if values else None


def mix_of(rounds: list[dict]) -> float | None:
    values = [r["load"]["ops_per_s"] for r in rounds if "load" in r]
    return statistics.median(values) if values else None


def render(results: dict[str, list[dict]], floor_rounds: list[dict]) -> str:
    names = list(results)
    labels = dict(OPERATIONS + run.report.EXTRA_LABELS)
    keys = [key for key, _ in OPERATIONS] + ["propfind_0_auth", "propfind_0_401"]
    rows = [["median over rounds (ms)", *names, "pg/sqlite (/ reference)"]]
    for key in keys:
        cells = [median_of(results[name], key) for name in names]
        ratios = [_ratio(results, key, suffix) for suffix in ("", REFERENCE)]
        rows.append(
            [
                labels[key],
                *(f"{c:.2f}" if c else "-" for c in cells),
                " / ".join(f"{r:.2f}x" for r in ratios if r) or "-",
            ]
        )
    mixes = [mix_of(results[name]) for name in names]
    errors = [sum(r["load"]["errors"] for r in results[name] if "load" in r) for name in names]
    rows.append(
        [
            "8 threads mix ops/s (errors)",
            *(f"{m:.0f} ({e})" for m, e in zip(mixes, errors, strict=True)),
            "",
        ]
    )
    rows.append(["max RSS of one process MiB", *(f"{_max_rss(results[n]):.1f}" for n in names), ""])
    rows.append(
        ["max PSS of one process MiB", *(f"{_max_rss(results[n], 'Pss'):.1f}" for n in names), ""]
    )
    rows.append(["other work (cores, median)", *(f"{_other(results[n]):.2f}" for n in names), ""])
    floor = statistics.median(r["ops"]["hello"]["median_ms"] for r in floor_rounds)
    rows.append(["GET hello-world floor", f"{floor:.2f}", *[""] * (len(names))])
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
    return "\n".join(
        "".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        for row in rows
    )


def _ratio(results: dict[str, list[dict]], key: str, suffix: str = "") -> float | None:
    pg, lite = (
        median_of(results.get(n + suffix, []), key) for n in (CONFIGS[1].name, CONFIGS[0].name)
    )
    return pg / lite if pg and lite else None


def _max_rss(rounds: list[dict], field: str = "VmRSS") -> float:
    """The largest VmRSS (or Pss: shared pages split among the processes that map them)."""
    return max(p[field] for r in rounds for p in r.get("memory", {}).get("processes", []))


def _other(rounds: list[dict]) -> float:
    return statistics.median(r.get("other_cpu_cores", 0.0) for r in rounds)


def checks(results: dict[str, list[dict]], floor_rounds: list[dict]) -> list[tuple[str, str, str]]:
    found = []
    for suffix in ("", REFERENCE):
        found += _checks(results, floor_rounds, suffix)
    return found


def _checks(
    results: dict[str, list[dict]], floor_rounds: list[dict], suffix: str
) -> list[tuple[str, str, str]]:
    found = []
    lite, pg, one = (config.name + suffix for config in CONFIGS)
    if pg in results and lite in results:
        for key, label in OPERATIONS:
            ratio = _ratio(results, key, suffix)
            found.append(
                (
                    f"{label}: PostgreSQL <= {LATENCY_LIMIT}x SQLite{suffix}",
                    f"{ratio:.2f}x",
                    _ok(ratio <= LATENCY_LIMIT),
                )
            )
        pg_mix, lite_mix = mix_of(results[pg]), mix_of(results[lite])
        found.append(
            (
                f"8 threads mix: PostgreSQL >= SQLite / {LATENCY_LIMIT}{suffix}",
                f"{lite_mix / pg_mix:.2f}x fewer ({pg_mix:.0f} vs {lite_mix:.0f} ops/s)",
                _ok(lite_mix / pg_mix <= LATENCY_LIMIT),
            )
        )
    if one in results and floor_rounds:
        floor = statistics.median(r["ops"]["hello"]["median_ms"] for r in floor_rounds)
        get_one = median_of(results[one], "get_one")
        found.append(
            (
                f"GET one, one process: <= {FLOOR_LIMIT}x the hello-world floor{suffix}",
                f"{get_one / floor:.2f}x ({get_one:.2f} vs {floor:.2f} ms)",
                _ok(get_one / floor <= FLOOR_LIMIT),
            )
        )
    for name, rounds in results.items():
        if name.endswith(REFERENCE) == bool(suffix):
            rss = _max_rss(rounds)
            found.append(
                (
                    f"memory, {name}: every process <= {RSS_LIMIT_MIB} MiB RSS",
                    f"{rss:.1f} MiB",
                    _ok(rss <= RSS_LIMIT_MIB),
                )
            )
    return found


def _ok(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is created there)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="run.py's quick profile")
    parser.add_argument(
        "--only", help="configuration names to run, separated by semicolons (default: all)"
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--reference",
        metavar="CHECKOUT",
        help="also run every configuration on this checkout's davserver (e.g. main, from "
        "`git archive main | tar -x -C DIR`), in the same rounds",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    profile = run.QUICK if args.quick else run.FULL
    configs = [c for c in CONFIGS if not args.only or c.name in args.only.split(";")]
    if not args.postgres:
        configs = [c for c in configs if c.database == "sqlite"]
    if args.reference:
        configs = [v for c in configs for v in (c, c.as_reference(args.reference))]
    # SIGTERM ends the run as Ctrl-C does: the servers and databases are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work_dir = Path(tempfile.mkdtemp(prefix="davserver-pgspeed-"))
    servers = srv.ServerSet(work_dir)
    databases = Databases(work_dir, args.postgres)
    workload = Workload(generate_specs(args.events, 1))
    results: dict[str, list[dict]] = {c.name: [] for c in configs}
    floor_rounds: list[dict] = []
    load_at_start = os.getloadavg()
    try:
        urls = {}
        for config in configs:
            urls[config.name] = databases.fresh(config)
            print(f"seeding {config.name} ...", flush=True)
            seconds = seed(servers, config, urls[config.name], workload)
            print(f"  {seconds:.1f} s", flush=True)
        for index in range(args.rounds):
            print(f"round {index + 1} of {args.rounds}, load {os.getloadavg()[0]:.2f}", flush=True)
            floor_rounds.append(run.measure_floor(servers, profile))
            for config in configs:
                level = measure_round(servers, config, urls[config.name], workload, profile, index)
                results[config.name].append(level)
                print(
                    f"  {config.name}: GET one {level['ops']['get_one']['median_ms']:.2f} ms, "
                    f"PUT new {level['ops']['put_new']['median_ms']:.2f} ms, "
                    f"mix {level['load']['ops_per_s']:.0f} ops/s",
                    flush=True,
                )
    finally:
        servers.stop_all()
        databases.drop_all()
        if args.keep:
            print(f"kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    print()
    print(render(results, floor_rounds))
    print()
    for target, measured, verdict in checks(results, floor_rounds):
        print(f"{verdict:5} {target}  {measured}")
    load_at_end = os.getloadavg()
    print(
        "\nload average at start "
        + " ".join(f"{v:.2f}" for v in load_at_start)
        + ", at end "
        + " ".join(f"{v:.2f}" for v in load_at_end)
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "rounds": results,
                "floor": floor_rounds,
                "load_at_start": load_at_start,
                "load_at_end": load_at_end,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
