"""The listening socket has room for a burst of new connections: phones that all
reconnect at once (after a restart, or an office's network coming back) are answered
at once, not after the one-second SYN retransmission a full accept queue causes.

cheroot's default backlog is 5: of 50 connections opened at the same moment about 40
waited 1 s, and of 500 some were reset (bench/fleet_idle_probe.py --bursts).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.server_harness import FreshDatabase, start_server_process

BURST = 100
SYN_RETRANSMISSION_SECONDS = 1.0  # Linux's first retransmission of an unanswered SYN


async def connect_and_ask(port: int) -> tuple[float, bytes]:
    clock = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    connected = time.perf_counter() - clock
    writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return connected, status_line


async def burst(port: int) -> list[tuple[float, bytes]]:
    return await asyncio.gather(*(connect_and_ask(port) for _ in range(BURST)))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_burst_of_connections_is_accepted_without_waiting_for_a_retransmission(workers, tmp_path):
    database = FreshDatabase(str(tmp_path))
    server = start_server_process(database.url, tmp_path, "--workers", workers)
    try:
        # In a thread of its own: a browser test's Playwright keeps an event loop
        # running in this thread for the rest of the worker's session.
        with ThreadPoolExecutor(1) as thread:
            answers = thread.submit(asyncio.run, burst(server.port)).result()
    finally:
        server.stop()
        database.drop()
    assert all(status.startswith(b"HTTP/1.1 200") for _, status in answers)
    slowest = max(connected for connected, _ in answers)
    assert slowest < 0.9 * SYN_RETRANSMISSION_SECONDS, (
        f"a connection waited {slowest:.2f} s: the backlog was full"
    )
