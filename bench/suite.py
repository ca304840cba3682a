"""The measured operations, run the same way against any CalDAV server.

A `Workload` is the seeded calendar as the client knows it (object names and specs);
each operation owns different objects, so no operation disturbs another's numbers:
GET reads object 0, PUT update rewrites object 1, the sync delta changes object 2,
and the load threads rewrite their own share of the rest.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dav_client import (
    PROPFIND_COLLECTION,
    PROPFIND_ETAGS,
    CalDavClient,
    Target,
    calendar_query_body,
    member_etags,
    multiget_body,
    response_count,
    sync_collection_body,
    sync_token,
)
from light_client import LightClient
from measure import Budget, Latency, Mix, run_load, time_calls
from synthetic_calendar import (
    QUERY_WEEK_END,
    QUERY_WEEK_START,
    EventSpec,
    new_spec,
    render_object,
    revised,
)

MULTIGET_SIZE = 50
LOAD_THREADS = 8
LOAD_WEIGHTS = {"GET": 70, "PUT": 20, "multiget": 10}
OPERATIONS = (  # key, label: the order they are measured and printed in
    ("put_new", "PUT new"),
    ("put_update", "PUT update (If-Match)"),
    ("propfind_0", "PROPFIND Depth 0"),
    ("propfind_1", "PROPFIND Depth 1 (getetag of all)"),
    ("query_7d", "calendar-query 7 days"),
    ("query_7d_expand", "calendar-query 7 days + expand"),
    ("multiget_50", "calendar-multiget 50"),
    ("sync_delta", "sync-collection after 1 change"),
    ("get_one", "GET one"),
)


@dataclass
class Workload:
    specs: list[EventSpec]

    @property
    def names(self) -> list[str]:
        return [spec.href_name for spec in self.specs]


def check_members(client: CalDavClient, workload: Workload) -> None:
    """Fail loudly when the server does not hold every object under the name the client expects."""
    missing = set(workload.names) - set(member_etags(client.propfind("1", PROPFIND_ETAGS)))
    if missing:
        raise RuntimeError(
            f"{client.target.calendar_path} lacks {len(missing)} objects, e.g. {sorted(missing)[:3]}"
        )


def seed_by_put(client: CalDavClient, workload: Workload) -> float:
    """PUT every object, one after the other; returns the seconds it took."""
    clock = time.perf_counter()
    for spec in workload.specs:
        client.put(spec.href_name, render_object(spec), new=True)
    return time.perf_counter() - clock


def measure_latencies(
    client: CalDavClient, workload: Workload, budget: Budget, heavy: Budget, new_offset: int
) -> dict[str, Latency]:
    """Every operation of OPERATIONS, in order; `heavy` is the budget of whole-calendar requests."""
    results: dict[str, Latency] = {}
    for key, _ in OPERATIONS:
        measure: Callable[..., Latency] = MEASURES[key]
        results[key] = measure(client, workload, heavy if key in HEAVY else budget, new_offset)
    return results


def _get_one(client, workload, budget, _offset) -> Latency:
    name = workload.names[0]
    return time_calls(lambda _: client.get(name), budget)


def _propfind(depth: str, body: str, authenticated: bool = True):
    def measure(client: CalDavClient, workload, budget, _offset) -> Latency:
        target = client if authenticated else CalDavClient(client.target, authenticated=False)
        expect = (207,) if authenticated else (401,)
        latency = time_calls(lambda _: target.propfind(depth, body, expect), budget)
        if authenticated:
            latency.objects = response_count(target.propfind(depth, body))
        return latency

    return measure


def _report(make_body: Callable[[CalDavClient, Workload], str]):
    def measure(client: CalDavClient, workload, budget, _offset) -> Latency:
        body = make_body(client, workload)
        latency = time_calls(lambda _: client.report(body), budget)
        latency.objects = response_count(client.report(body))
        return latency

    return measure


def _multiget_hrefs(client: CalDavClient, workload: Workload) -> list[str]:
    names = random.Random(7).sample(workload.names, min(MULTIGET_SIZE, len(workload.names)))
    return [client.target.href(name) for name in names]


def _put_update(client: CalDavClient, workload: Workload, budget, _offset) -> Latency:
    spec = workload.specs[1]
    etag = [client.get(spec.href_name).headers.get("ETag")]

    def prepare() -> str:
        nonlocal spec
        spec = revised(spec)
        return render_object(spec)

    def run(ics: str):
        response = client.put(spec.href_name, ics, etag=etag[0])
        etag[0] = response.headers.get("ETag") or client.get(spec.href_name).headers.get("ETag")
        return response

    return time_calls(run, budget, prepare)


def _put_new(client: CalDavClient, workload: Workload, budget, new_offset: int) -> Latency:
    counter = [new_offset]

    def prepare() -> EventSpec:
        counter[0] += 1
        return new_spec(counter[0])

    return time_calls(
        lambda spec: client.put(spec.href_name, render_object(spec), new=True), budget, prepare
    )


def _sync_delta(client: CalDavClient, workload: Workload, budget, _offset) -> Latency:
    """Time a sync-collection REPORT with the token from before one changed object."""
    spec = workload.specs[2]
    token = [_initial_token(client)]
    last = {}

    def prepare() -> str:
        nonlocal spec
        spec = revised(spec)
        client.put(spec.href_name, render_object(spec))
        return token[0]

    def run(old_token: str):
        response = client.report(sync_collection_body(old_token), depth="0")
        token[0] = sync_token(response)
        last["response"] = response
        return response

    latency = time_calls(run, budget, prepare)
    latency.objects = response_count(last["response"])
    return latency


def _initial_token(client: CalDavClient) -> str:
    return sync_token(client.report(sync_collection_body(""), depth="0"))


MEASURES: dict[str, Callable[..., Latency]] = {
    "put_new": _put_new,
    "put_update": _put_update,
    "propfind_0": _propfind("0", PROPFIND_COLLECTION),
    "propfind_1": _propfind("1", PROPFIND_ETAGS),
    "query_7d": _report(
        lambda c, w: calendar_query_body(QUERY_WEEK_START, QUERY_WEEK_END, expand=False)
    ),
    "query_7d_expand": _report(
        lambda c, w: calendar_query_body(QUERY_WEEK_START, QUERY_WEEK_END, expand=True)
    ),
    "multiget_50": _report(lambda c, w: multiget_body(_multiget_hrefs(c, w))),
    "sync_delta": _sync_delta,
    "get_one": _get_one,
}
HEAVY = {"propfind_1", "query_7d", "query_7d_expand"}


def measure_unauthenticated(client: CalDavClient, budget: Budget) -> dict[str, Latency]:
    """PROPFIND Depth 0 with credentials and the same request without (answered 401)."""
    return {
        "propfind_0_auth": _propfind("0", PROPFIND_COLLECTION)(client, None, budget, 0),
        "propfind_0_401": _propfind("0", PROPFIND_COLLECTION, authenticated=False)(
            client, None, budget, 0
        ),
    }


@dataclass
class LoadThread:
    """One load thread's own connection and its own objects to rewrite."""

    client: LightClient
    owned: list[EventSpec]
    etags: dict[str, str]
    all_names: list[str]


def measure_load(target: Target, workload: Workload, seconds: float) -> dict[str, Any]:
    """LOAD_THREADS threads doing the GET/PUT/multiget mix for `seconds`."""
    setup = CalDavClient(target)
    etags = member_etags(setup.propfind("1", PROPFIND_ETAGS))
    setup.close()
    shared = workload.specs[10:]
    states = [
        LoadThread(LightClient(target), shared[i::LOAD_THREADS], etags, workload.names)
        for i in range(LOAD_THREADS)
    ]
    mix = Mix(
        {
            "GET": (LOAD_WEIGHTS["GET"], _load_get),
            "PUT": (LOAD_WEIGHTS["PUT"], _load_put),
            "multiget": (LOAD_WEIGHTS["multiget"], _load_multiget),
        }
    )
    try:
        result = run_load(mix, states, seconds, seed=11)
    finally:
        for state in states:
            state.client.close()
    return result.as_dict()


def _load_get(state: LoadThread, rng: random.Random) -> None:
    state.client.get(rng.choice(state.all_names))


def _load_put(state: LoadThread, rng: random.Random) -> None:
    index = rng.randrange(len(state.owned))
    spec = revised(state.owned[index])
    state.owned[index] = spec
    response = state.client.put(
        spec.href_name, render_object(spec), etag=state.etags.get(spec.href_name)
    )
    etag = response.headers.get("etag")
    if etag:
        state.etags[spec.href_name] = etag
    else:
        state.etags.pop(spec.href_name, None)


def _load_multiget(state: LoadThread, rng: random.Random) -> None:
    names = rng.sample(state.all_names, min(MULTIGET_SIZE, len(state.all_names)))
    state.client.report(multiget_body([state.client.target.href(name) for name in names]))
