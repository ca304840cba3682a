"""The printed table and the PASS/FAIL of each target, from the results of one run.

Results are plain dicts (as written to results/latest.json): `levels` maps a column
name ("davserver@1000", "radicale@1000", "davserver@100000", "hello-floor") to
{"ops": {key: {"median_ms", "p95_ms", "n", "objects"}}, "load": {...}, "memory": {...}}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suite import OPERATIONS

RSS_LIMIT_MB = 150
AUTH_OVERHEAD_LIMIT_MS = 2.0
GROWTH_LIMIT = 1.5
SPEEDUP_TARGETS = (  # operation, at least this many times faster than Radicale (median)
    ("query_7d", 20),
    ("sync_delta", 20),
    ("query_7d_expand", 100),
    ("propfind_1", 5),
    ("multiget_50", 2),
    ("put_new", 4),
)
GROWTH_OPERATIONS = ("query_7d", "sync_delta", "get_one", "put_new")


@dataclass(frozen=True)
class Check:
    target: str
    measured: str
    verdict: str  # PASS, FAIL, SKIP, or INFO for a number shown without a target

    def as_dict(self) -> dict[str, str]:
        return {"target": self.target, "measured": self.measured, "verdict": self.verdict}


def _median(level: dict | None, key: str) -> float | None:
    if not level or key not in level.get("ops", {}):
        return None
    return level["ops"][key]["median_ms"]


def _verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else ("PASS" if ok else "FAIL")


def evaluate(levels: dict[str, dict], events: int, scale_top: int | None) -> list[Check]:
    dav, rad = levels.get(f"davserver@{events}"), levels.get(f"radicale@{events}")
    checks = []
    for key, factor in SPEEDUP_TARGETS:
        d, r = _median(dav, key), _median(rad, key)
        ratio = r / d if d and r else None
        checks.append(
            Check(
                f"{_label(key)}: >= {factor}x faster than Radicale at {events}",
                f"{ratio:.1f}x" if ratio else "-",
                _verdict(None if ratio is None else ratio >= factor),
            )
        )
    checks.append(_load_check(dav, rad))
    floor = _median(levels.get("hello-floor"), "hello")
    get_one = _median(dav, "get_one")
    cost = get_one / floor if get_one and floor else None
    checks.append(
        Check(
            "GET one: <= 2x the hello-world request",
            f"{cost:.2f}x ({get_one:.2f} vs {floor:.2f} ms)" if cost else "-",
            _verdict(None if cost is None else cost <= 2),
        )
    )
    top = levels.get(f"davserver@{scale_top}") if scale_top else None
    for key in GROWTH_OPERATIONS:
        grown = _median(top, key)
        growth = grown / _median(dav, key) if grown and _median(dav, key) else None
        checks.append(
            Check(
                f"{_label(key)}: grows <= {GROWTH_LIMIT}x from {events} to {scale_top or '100000'} events",
                f"{growth:.2f}x" if growth else "-",
                _verdict(None if growth is None else growth <= GROWTH_LIMIT),
            )
        )
    big = levels.get(f"davserver@{scale_top} big cal") if scale_top else None
    for key in GROWTH_OPERATIONS if big else ():
        grown, base = _median(big, key), _median(dav, key)
        checks.append(
            Check(
                f"(info) {_label(key)} on the big calendar ({scale_top - events} events) vs {events}",
                f"{grown / base:.2f}x" if grown and base else "-",
                "INFO",
            )
        )
    checks.append(_rss_check(top, big, scale_top))
    checks.append(_auth_check(dav))
    return checks


def _load_check(dav: dict | None, rad: dict | None) -> Check:
    if not dav or not rad or "load" not in dav or "load" not in rad:
        return Check("8-thread mix: >= 4x Radicale's ops/s, 0 errors", "-", "SKIP")
    d, r = dav["load"], rad["load"]
    ratio = d["ops_per_s"] / r["ops_per_s"] if r["ops_per_s"] else float("inf")
    return Check(
        "8-thread mix: >= 4x Radicale's ops/s, 0 errors",
        f"{ratio:.1f}x ({d['ops_per_s']:.0f} vs {r['ops_per_s']:.0f} ops/s), {d['errors']} errors",
        _verdict(ratio >= 4 and d["errors"] == 0),
    )


def _rss_check(top: dict | None, big: dict | None, scale_top: int | None) -> Check:
    """Memory: Pss summed over the server's processes (shared pages counted once), the
    larger of the two readings; the summed peak RSS is shown beside it."""
    name = (
        f"memory < {RSS_LIMIT_MB} MB at {scale_top or 100000} events "
        "(Pss of all server processes, after both calendars' requests)"
    )
    if not top or "memory" not in top:
        return Check(name, "-", "SKIP")
    measured = [level["memory"] for level in (top, big) if level and "memory" in level]
    pss_mb = max(memory["pss_kib"] for memory in measured) * 1024 / 1e6
    peak_mb = max(memory["peak_rss_kib"] for memory in measured) * 1024 / 1e6
    return Check(
        name,
        f"{pss_mb:.0f} MB (summed peak RSS {peak_mb:.0f} MB, {measured[0]['processes']} processes)",
        _verdict(pss_mb < RSS_LIMIT_MB),
    )


def _auth_check(dav: dict | None) -> Check:
    name = f"auth overhead: PROPFIND Depth 0 with credentials - without (401) <= {AUTH_OVERHEAD_LIMIT_MS:g} ms"
    auth, anonymous = _median(dav, "propfind_0_auth"), _median(dav, "propfind_0_401")
    if auth is None or anonymous is None:
        return Check(name, "-", "SKIP")
    return Check(
        name,
        f"{auth - anonymous:.2f} ms ({auth:.2f} vs {anonymous:.2f} ms)",
        _verdict(auth - anonymous <= AUTH_OVERHEAD_LIMIT_MS),
    )


def _label(key: str) -> str:
    return dict(OPERATIONS + EXTRA_LABELS).get(key, key)


EXTRA_LABELS = (
    ("propfind_0_auth", "PROPFIND Depth 0, signed in"),
    ("propfind_0_401", "PROPFIND Depth 0, no credentials (401)"),
    ("hello", "GET hello-world floor"),
)


def render_tables(levels: dict[str, dict], events: int, scale_top: int | None) -> str:
    """The side-by-side table (with Radicale/davserver ratios) and, when measured, the scale table."""
    dav, rad = f"davserver@{events}", f"radicale@{events}"
    pair = [name for name in (dav, rad) if name in levels]
    scale = [name for name in levels if name.startswith("davserver@") and name != dav]
    tables = []
    if pair:
        ratio = None
        if len(pair) == 2:
            ratio = ("Radicale/dav", lambda key: _ratio(levels[rad], levels[dav], key))
        tables.append(_grid(levels, pair, ratio, with_floor=True))
    if scale:
        top = levels.get(f"davserver@{scale_top}")
        growth = (
            (f"{scale_top}/{events}", lambda key: _ratio(top, levels[dav], key))
            if top and dav in levels
            else None
        )
        tables.append(_grid(levels, [dav, *scale] if dav in levels else scale, growth))
    return "\n\n".join(tables)


def _ratio(numerator: dict | None, denominator: dict | None, key: str) -> str:
    n, d = _median(numerator, key), _median(denominator, key)
    return f"{n / d:.1f}x" if n and d else "-"


def _grid(levels: dict[str, dict], columns: list[str], extra, with_floor: bool = False) -> str:
    rows = [["operation (ms: median / p95)", *columns, *([extra[0]] if extra else [])]]
    for key, label in OPERATIONS + EXTRA_LABELS[:2]:
        rows.append(
            [label, *(_cell(levels[c], key) for c in columns), *([extra[1](key)] if extra else [])]
        )
    for title, cell in (
        ("objects: query/expand/multiget/sync", _objects),
        ("8 threads GET/PUT/multiget mix", _load),
        ("memory MiB: Pss (RSS / peak RSS), processes", _memory),
        ("seeding s (of it the big calendar)", _seeding),
        ("other work on the machine (cores)", _foreign),
    ):
        rows.append([title, *(cell(levels[c]) for c in columns), *([""] if extra else [])])
    if with_floor and "hello-floor" in levels:
        floor = levels["hello-floor"]
        rows.append(["GET hello-world floor", _cell(floor, "hello"), *[""] * (len(rows[0]) - 2)])
        rows.append(["8 threads GET of the floor", _load(floor), *[""] * (len(rows[0]) - 2)])
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
    lines = [
        "".join(
            cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _foreign(level: dict[str, Any]) -> str:
    cores = level.get("other_cpu_cores")
    return "-" if cores is None else f"{cores:.2f}"


def _cell(level: dict[str, Any], key: str) -> str:
    op = level.get("ops", {}).get(key)
    return f"{op['median_ms']:.2f} / {op['p95_ms']:.2f}" if op else "-"


def _objects(level: dict[str, Any]) -> str:
    ops = level.get("ops", {})
    return "/".join(
        str(ops.get(k, {}).get("objects", "-"))
        for k in ("query_7d", "query_7d_expand", "multiget_50", "sync_delta")
    )


def _load(level: dict[str, Any]) -> str:
    load = level.get("load")
    return f"{load['ops_per_s']:.0f} ops/s, {load['errors']} err" if load else "-"


def _memory(level: dict[str, Any]) -> str:
    """Summed over the server's processes: Pss, then VmRSS and VmHWM (which count shared pages per process)."""
    memory = level.get("memory")
    if not memory:
        return "-"
    return (
        f"{memory['pss_kib'] / 1024:.0f} ({memory['rss_kib'] / 1024:.0f} / {memory['peak_rss_kib'] / 1024:.0f}), "
        f"{memory['processes']}"
    )


def _seeding(level: dict[str, Any]) -> str:
    seconds, big = level.get("seed_seconds"), level.get("big_seed_seconds")
    if seconds is None:
        return "-"
    return f"{seconds:.1f} s" + (
        f" ({big:.1f} s {level.get('seeded_by', '')})" if big is not None else ""
    )


def render_checks(checks: list[Check]) -> str:
    width = max(len(c.target) for c in checks)
    return "\n".join(f"{c.verdict:5} {c.target:{width}}  {c.measured}" for c in checks)
