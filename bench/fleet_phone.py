"""One simulated phone of the phone fleet, polling as iOS and DAVx5 do, and the figures
of one step of the fleet (what every phone's requests measured while the step ran).

A poll: PROPFIND Depth 0 on the login's principal for current-user-principal (the
phone's first poll only), PROPFIND Depth 0 on the calendar home and on the calendar
(getctag, sync-token); when the calendar's token moved since the last poll, a
sync-collection REPORT from the last token and a calendar-multiget of the changed
members; and with a small probability an own change: a new event (If-None-Match: *)
or a new version of one the phone made before (If-Match), which the login's other
devices then see moved on their next poll.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass, field

from dav_client import PROPFIND_COLLECTION, multiget_body, sync_collection_body
from fleet_http import IDLE_REOPEN_SECONDS, Answer, Connection, HttpFailure, ReconnectCounts
from lxml import etree
from synthetic_calendar import EventSpec, new_spec, render_object, revised

DAV = "DAV:"
XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
PROPFIND_PRINCIPAL = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>'
)
MULTIGET_MAX = 50  # hrefs per calendar-multiget, as DAVx5 batches them
_SYNC_TOKEN = re.compile(rb"<(?:[A-Za-z0-9]+:)?sync-token[^>]*>([^<]+)</")
KINDS = ("principal", "home", "calendar", "sync", "multiget", "put")


@dataclass(frozen=True)
class Behaviour:
    interval: float  # nominal seconds between two polls of one phone
    jitter: float  # each pause is interval * uniform(1 - jitter, 1 + jitter)
    put_probability: float  # of an own change, per poll


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class StepStats:
    """Every request that started while one step ran, whatever phone sent it."""

    phones: int
    latencies_ms: list[float] = field(default_factory=list)
    by_kind_ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    connect_ms: list[float] = field(default_factory=list)
    # The first request of each poll: the one that pays the password verification when
    # the server's cache of verified logins has no entry for the login (yet, or any more).
    poll_first_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    polls: int = 0
    reconnects: ReconnectCounts = field(default_factory=ReconnectCounts)
    loop_lag_ms: list[float] = field(default_factory=list)  # the client's own delay

    def record(self, kind: str, answer: Answer, first_of_poll: bool) -> None:
        milliseconds = answer.seconds * 1000
        self.latencies_ms.append(milliseconds)
        if first_of_poll:
            self.poll_first_ms.append(milliseconds)
        self.by_kind_ms[kind].append(milliseconds)
        if answer.connect_seconds:
            self.connect_ms.append(answer.connect_seconds * 1000)

    def error(self, kind: str, message: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 10:
            self.first_errors.append(f"{kind}: {message}"[:400])


class CurrentStep:
    """The step requests count towards now; the fleet moves it on at each step."""

    def __init__(self, stats: StepStats) -> None:
        self.stats = stats


class Phone:
    def __init__(
        self,
        index: int,
        login: dict,
        address: tuple[str, int],
        password: str,
        behaviour: Behaviour,
        rng: random.Random,
    ) -> None:
        self.index = index
        self.username = login["username"]
        self.calendar = login["calendar"]
        self.home = self.calendar.rstrip("/").rsplit("/", 1)[0] + "/"
        self.token = login["token"]  # as synced just before the benchmark began
        self.behaviour = behaviour
        self.rng = rng
        self.connection = Connection(address[0], address[1], self.username, password)
        self.knows_principal = False
        self.made: list[tuple[EventSpec, str]] = []  # own events and their ETags
        self.stats: StepStats | None = None
        self._poll_started = False  # no request of the running poll answered yet

    async def run(self, current: CurrentStep, deadline: float) -> None:
        """Poll from a random moment of the first interval (phones are out of phase, so the
        fleet's poll rate is steady from the start) until `deadline`."""
        interval = self.behaviour.interval
        await _sleep_until(time.monotonic() + self.rng.uniform(0, interval), deadline)
        while time.monotonic() < deadline:
            started = time.monotonic()
            self.stats = current.stats
            self.connection.counts = self.stats.reconnects
            self.stats.polls += 1
            await self.poll()
            jitter = self.behaviour.jitter
            next_poll = started + interval * self.rng.uniform(1 - jitter, 1 + jitter)
            if next_poll - time.monotonic() > IDLE_REOPEN_SECONDS:
                self.connection.close()  # idle past the server's keep-alive: let go now
            await _sleep_until(next_poll, deadline)
        self.connection.close()

    async def poll(self) -> None:
        self._poll_started = True
        if not self.knows_principal:
            answer = await self._call("principal", "PROPFIND", "/dav/", PROPFIND_PRINCIPAL, "0")
            if answer is None:
                return
            self.knows_principal = True
        if await self._call("home", "PROPFIND", self.home, PROPFIND_COLLECTION, "0") is None:
            return
        answer = await self._call("calendar", "PROPFIND", self.calendar, PROPFIND_COLLECTION, "0")
        if answer is None:
            return
        found = _SYNC_TOKEN.search(answer.body)
        if found is None:
            assert self.stats is not None
            self.stats.error("calendar", "no sync-token in the calendar's PROPFIND answer")
            return
        token = found.group(1).decode().strip()
        if token != self.token:
            await self._sync()
        if self.rng.random() < self.behaviour.put_probability:
            await self._put()

    async def _sync(self) -> None:
        answer = await self._call(
            "sync", "REPORT", self.calendar, sync_collection_body(self.token), "0"
        )
        if answer is None:
            return
        root = etree.fromstring(answer.body)
        changed = [
            item.findtext(f"{{{DAV}}}href") or ""
            for item in root.iter(f"{{{DAV}}}response")
            if item.find(f".//{{{DAV}}}getetag") is not None
        ]
        for start in range(0, len(changed), MULTIGET_MAX):
            hrefs = changed[start : start + MULTIGET_MAX]
            if (
                await self._call("multiget", "REPORT", self.calendar, multiget_body(hrefs), "1")
                is None
            ):
                return
        new_token = root.findtext(f"{{{DAV}}}sync-token")
        if new_token:
            self.token = new_token.strip()

    async def _put(self) -> None:
        if self.made and self.rng.random() < 0.5:
            position = self.rng.randrange(len(self.made))
            spec, etag = self.made[position]
            spec = revised(spec)
            headers = {**ICS, "If-Match": etag} if etag else ICS
            expect: tuple[int, ...] = (200, 204)
        else:
            position = len(self.made)
            spec = new_spec(self.index * 100_000 + position, seed=7)
            headers = {**ICS, "If-None-Match": "*"}
            expect = (201,)
        path = self.calendar + spec.href_name
        answer = await self._call("put", "PUT", path, render_object(spec), None, headers, expect)
        if answer is None:
            return
        made = (spec, answer.headers.get("etag", ""))
        if position < len(self.made):
            self.made[position] = made
        else:
            self.made.append(made)

    async def _call(
        self,
        kind: str,
        method: str,
        path: str,
        body: str,
        depth: str | None,
        headers: dict[str, str] = XML,
        expect: tuple[int, ...] = (207,),
    ) -> Answer | None:
        stats = self.stats
        assert stats is not None
        sent = dict(headers, Depth=depth) if depth is not None else headers
        try:
            answer = await self.connection.request(method, path, body.encode("utf-8"), sent)
        except HttpFailure as exc:
            stats.error(kind, str(exc))
            return None
        if answer.status not in expect:
            detail = answer.body[:200].decode("utf-8", "replace")
            stats.error(kind, f"{method} {path} -> {answer.status}: {detail}")
            return None
        stats.record(kind, answer, self._poll_started)
        self._poll_started = False
        return answer


async def _sleep_until(moment: float, deadline: float) -> None:
    pause = min(moment, deadline) - time.monotonic()
    if pause > 0:
        await asyncio.sleep(pause)
