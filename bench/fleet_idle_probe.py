"""What thousands of idle keep-alive connections do to davserver (cheroot): do they hold
its threads, how many does it keep, and for how long.

    .venv/bin/python bench/fleet_idle_probe.py [--connections 600,1500,3000] [--workers 2]

For each count: that many connections each send one signed-in PROPFIND and then stay
open without a word; while they idle, one more client times 50 requests on a
connection of its own (opened again whenever the server says `Connection: close`) (if idle connections held server threads, 8 per process, these
would wait for the 30 s timeout); it then counts how many of the idle connections the
server told `Connection: close` (cheroot keeps at most `keep_alive_conn_limit` idle
connections per process) and, 35 s later, how many the server has closed (its 30 s
timeout). Before that, `--bursts`: that many connections opened at the same moment, and
how long connecting took. One server on SQLite for everything, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import servers as srv  # noqa: E402
from dav_client import PROPFIND_COLLECTION  # noqa: E402

USERNAME, PASSWORD = "idle", "idle-password-1"
AFTER_TIMEOUT_SECONDS = 35.0
TIMED_REQUESTS = 50


def request_bytes(port: int) -> bytes:
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    body = PROPFIND_COLLECTION.encode()
    head = (
        f"PROPFIND /dav/calendars/{USERNAME}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Basic {token}\r\nDepth: 0\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(reader, writer, message: bytes) -> dict[str, str]:
    writer.write(message)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in head[1:] if line)
    }
    await reader.readexactly(int(headers.get("content-length", "0")))
    if not head[0].startswith("HTTP/1.1 207"):
        raise RuntimeError(f"unexpected answer: {head[0]}")
    return headers


async def closed_by_server(reader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 0.01) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def probe(port: int, count: int) -> dict:
    message = request_bytes(port)
    idle = []
    told_close = 0
    for _ in range(count):  # one after the other: a burst of connects is not the question
        reader, writer = await asyncio.open_connection(srv.HOST, port)
        headers = await exchange(reader, writer, message)
        told_close += headers.get("connection", "").lower() == "close"
        idle.append((reader, writer))
    reader, writer = await asyncio.open_connection(srv.HOST, port)
    timings = []
    timed_told_close = 0
    for _ in range(TIMED_REQUESTS):
        clock = time.perf_counter()
        headers = await exchange(reader, writer, message)
        timings.append((time.perf_counter() - clock) * 1000)
        if headers.get("connection", "").lower() == "close":  # over the keep-alive limit
            timed_told_close += 1
            writer.close()
            reader, writer = await asyncio.open_connection(srv.HOST, port)
    writer.close()
    await asyncio.sleep(0.5)
    closed_now = sum([await closed_by_server(r) for r, _ in idle])
    await asyncio.sleep(AFTER_TIMEOUT_SECONDS)
    closed_later = sum([await closed_by_server(r) for r, _ in idle])
    for _, idle_writer in idle:
        idle_writer.close()
    return {
        "idle_connections": count,
        "told_connection_close": told_close,
        "closed_by_server_at_once": closed_now,
        "closed_by_server_after_35_s": closed_later,
        "timed_requests_told_close": timed_told_close,
        "requests_while_idle_median_ms": round(statistics.median(timings), 2),
        "requests_while_idle_max_ms": round(max(timings), 2),
    }


async def burst(port: int, count: int) -> dict:
    """`count` connections opened at the same moment, each sending one request: how long
    connecting took. A connection the listening socket's backlog had no room for waits
    for the client's SYN retransmission, one second later."""
    message = request_bytes(port)

    async def connect_and_ask() -> float:
        clock = time.perf_counter()
        reader, writer = await asyncio.open_connection(srv.HOST, port)
        connected = time.perf_counter() - clock
        await exchange(reader, writer, message)
        writer.close()
        return connected * 1000

    timings = sorted(await asyncio.gather(*(connect_and_ask() for _ in range(count))))
    return {
        "simultaneous_connects": count,
        "connect_median_ms": round(statistics.median(timings), 2),
        "connect_max_ms": round(timings[-1], 2),
        "connects_over_900_ms": sum(1 for t in timings if t > 900),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="600,1500,3000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bursts", default="50,200", help="simultaneous connects, measured first")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="davserver-idle-"))
    servers = srv.ServerSet(work, davserver_workers=args.workers)
    database = f"sqlite:///{work}/idle.db"
    try:
        srv.add_davserver_login(database, USERNAME, PASSWORD)
        server = srv.start_davserver(servers, database)
        port = int(server.base_url.rsplit(":", 1)[1])
        for count in (int(n) for n in args.bursts.split(",") if n):
            print(asyncio.run(burst(port, count)), flush=True)
        for count in (int(n) for n in args.connections.split(",") if n):
            print(asyncio.run(probe(port, count)), flush=True)
    finally:
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
