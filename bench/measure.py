"""Timing: repeated single requests (median, p95) and a bounded multi-threaded load.

Every loop here ends by itself: a request count and a time budget for latency runs,
a fixed duration (plus the in-flight requests' timeout) for the concurrent load.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MIN_SAMPLES = 3


@dataclass(frozen=True)
class Budget:
    """How long one operation is measured: `repetitions` timed calls, fewer when `seconds` run out."""

    repetitions: int
    seconds: float
    warmup: int = 2


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)  # seconds
    objects: int | None = None  # how many objects the last answer held, as a sanity check
    response_bytes: int | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_ms": round(self.median_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "n": len(self.samples),
            "objects": self.objects,
            "response_bytes": self.response_bytes,
        }


def time_calls(
    run: Callable[[Any], Any], budget: Budget, prepare: Callable[[], Any] = lambda: None
) -> Latency:
    """Time `run(prepare())` repeatedly; only `run` is inside the clock."""
    latency = Latency()
    for _ in range(budget.warmup):
        run(prepare())
    started = time.monotonic()
    while len(latency.samples) < budget.repetitions:
        if len(latency.samples) >= MIN_SAMPLES and time.monotonic() - started > budget.seconds:
            break
        argument = prepare()
        clock = time.perf_counter()
        result = run(argument)
        latency.samples.append(time.perf_counter() - clock)
    if result is not None and hasattr(result, "content"):
        latency.response_bytes = len(result.content)
    return latency


@dataclass
class LoadResult:
    seconds: float
    completed: dict[str, int]
    errors: int
    first_errors: list[str]

    @property
    def ops_per_second(self) -> float:
        return sum(self.completed.values()) / self.seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "ops_per_s": round(self.ops_per_second, 1),
            "completed": self.completed,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "first_errors": self.first_errors,
        }


@dataclass(frozen=True)
class Mix:
    """The weighted operations one load thread picks from: name -> (weight, action(thread_state, rng))."""

    actions: dict[str, tuple[int, Callable[[Any, random.Random], Any]]]

    def pick(self, rng: random.Random) -> str:
        names = list(self.actions)
        return rng.choices(names, [self.actions[n][0] for n in names])[0]


def run_load(mix: Mix, thread_states: list[Any], seconds: float, seed: int) -> LoadResult:
    """One thread per state, each doing `mix` back to back until `seconds` have passed."""
    completed: dict[str, int] = {name: 0 for name in mix.actions}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(thread_states) + 1)
    deadline: list[float] = []

    def worker(index: int, state: Any) -> None:
        rng = random.Random(seed * 100 + index)
        start.wait()
        while time.monotonic() < deadline[0]:
            name = mix.pick(rng)
            try:
                mix.actions[name][1](state, rng)
            except Exception as exc:  # a failed request is counted, whatever its kind
                with lock:
                    errors.append(f"{name}: {exc}"[:300])
                continue
            with lock:
                completed[name] += 1

    threads = [
        threading.Thread(target=worker, args=(i, s), daemon=True)
        for i, s in enumerate(thread_states)
    ]
    for thread in threads:
        thread.start()
    deadline.append(time.monotonic() + seconds)
    clock = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    return LoadResult(time.perf_counter() - clock, completed, len(errors), errors[:5])


class OtherWork:
    """How many cores processes outside this benchmark kept busy while a stage ran.

    Busy CPU time of the whole machine (/proc/stat) minus the CPU time of this process,
    its finished children and the live server processes `pids()` names.
    """

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self._tick = os.sysconf("SC_CLK_TCK")
        self._start = self._snapshot()

    def _snapshot(self) -> tuple[float, float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
        busy = (sum(fields) - fields[3] - fields[4]) / self._tick  # all but idle and iowait
        times = os.times()
        own = times.user + times.system + times.children_user + times.children_system
        for pid in self._pids():
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                    parts = stat.read().rsplit(")", 1)[1].split()
                own += (int(parts[11]) + int(parts[12])) / self._tick  # utime, stime
            except (FileNotFoundError, ProcessLookupError):
                pass
        return time.monotonic(), busy, own

    def cores(self) -> float:
        (t0, busy0, own0), (t1, busy1, own1) = self._start, self._snapshot()
        return max(0.0, ((busy1 - busy0) - (own1 - own0)) / max(t1 - t0, 1e-9))
