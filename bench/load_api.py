"""Benchmark of the public load API: many readers of 300 centres whose queues keep changing.

    .venv/bin/python bench/load_api.py --seconds 20 [--database postgresql://…/birtereze_bench]

It builds 300 centres (bench.queue_load's set-up: three queues, six windows open, ten tickets each),
starts the real server (``birtereze serve --workers 2``, PostgreSQL and Redis as in production), and keeps
the queues moving through the REST API (tickets issued, windows calling, serving and finishing, about 40
changes a second). Then the same 32 keep-alive clients read, as fast as the server answers:

1. the server's ``/healthz`` for ``--ceiling-seconds``: the ceiling of this stack on this machine;
2. ``/api/v1/branches/{id}/load`` of a random centre for ``--seconds``.

It prints progress lines on stderr and, as its last line, one JSON object: ``req_per_s, p50_ms, p99_ms,
errors, max_staleness_s, ceiling_req_per_s, ratio`` (``req_per_s / ceiling_req_per_s``), with the
machine's details. ``max_staleness_s`` is the largest age of an answer when it arrived: the time of
arrival less the ``at`` (the time the load was computed) that every answer carries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queue_load import (
    BranchFixture,
    build_centres,
    log,
    percentile,
    prepare_database,
    start_server,
)

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/birtereze_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
CENTRES = 300
CLIENTS = 32
CHANGES_PER_S = 40
CHANGERS = 4
# One answer in this many is parsed for its ``at`` (parsing them all would load the clients).
STALENESS_SAMPLE = 8


# --- the readers: a lean HTTP/1.1 client on keep-alive connections ------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    staleness: list[float] = field(default_factory=list)


class Reader(asyncio.Protocol):
    """One keep-alive connection sending one GET at a time and reading the answer by Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0 or self.waiter is None:
            return
        head = bytes(self.buffer[:head_end]).lower()
        start = head.find(b"content-length:")
        length = int(head[start + 15 : head.find(b"\r\n", start)].strip()) if start >= 0 else 0
        if len(self.buffer) < head_end + 4 + length:
            return
        status = int(head[9:12])
        body = bytes(self.buffer[head_end + 4 : head_end + 4 + length])
        del self.buffer[: head_end + 4 + length]
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def get(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


def _request(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()


async def read_for(
    host: str, port: int, paths: Callable[[], bytes], seconds: float, *, sample_at: bool
) -> tuple[Tally, float]:
    """``CLIENTS`` connections reading as fast as answered for ``seconds``: the tally and the time."""
    loop = asyncio.get_running_loop()
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def connect() -> Reader:
        reader = Reader()
        await loop.create_connection(lambda: reader, host, port)
        return reader

    async def client() -> None:
        reader = await connect()
        count = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, body = await reader.get(paths())
            except ConnectionError:
                tally.errors += 1
                reader = await connect()
                continue
            tally.latencies.append(time.perf_counter() - started)
            if status != 200:
                tally.errors += 1
            elif sample_at:
                count += 1
                if count % STALENESS_SAMPLE == 0:
                    at = datetime.fromisoformat(json.loads(body)["at"]).timestamp()
                    tally.staleness.append(time.time() - at)
        assert reader.transport is not None
        reader.transport.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return tally, time.perf_counter() - started


# --- the changes: queues that keep moving --------------------------------------------------------


async def keep_changing(base_url: str, centres: Sequence[BranchFixture], stop: Callable[[], bool]) -> int:
    """Tickets issued and windows stepping (call next → confirm → finish), ``CHANGES_PER_S`` in all from
    four concurrent changers."""
    steps = ("call-next", "confirm", "finish")
    state: dict[int, int] = {}
    changes = 0

    async def changer(seed: int, http: aiohttp.ClientSession) -> None:
        nonlocal changes
        rng = random.Random(seed)
        while not stop():
            tick = time.perf_counter()
            centre = rng.choice(centres)
            if rng.random() < 0.5 or not centre.windows:
                async with http.post(
                    f"/api/v1/branches/{centre.branch_id}/tickets",
                    json={"service_id": rng.choice(centre.service_ids)},
                    headers={"Authorization": f"Bearer {centre.kiosk_token}"},
                ):
                    pass
            else:
                window = rng.choice(centre.windows)
                step = state.get(window.window_id, 0)
                async with http.post(
                    f"/api/v1/windows/{window.window_id}/{steps[step]}",
                    headers={"Authorization": f"Bearer {window.token}"},
                ) as response:
                    # A window with nobody to call stays where it is; otherwise it moves on.
                    state[window.window_id] = (step + 1) % len(steps) if response.status == 200 else 0
            changes += 1
            await asyncio.sleep(max(0.0, CHANGERS / CHANGES_PER_S - (time.perf_counter() - tick)))

    async with aiohttp.ClientSession(base_url) as http:
        await asyncio.gather(*(changer(seed, http) for seed in range(CHANGERS)))
    return changes


def changing_process(
    base_url: str, centres: Sequence[BranchFixture], stop: EventType, done: Connection
) -> None:
    """The changes, in a process of their own: the readers' process is kept busy by the readers."""
    done.send(asyncio.run(keep_changing(base_url, centres, stop.is_set)))


# --- the run ------------------------------------------------------------------------------------------


async def measure(
    base_url: str, centres: Sequence[BranchFixture], args: argparse.Namespace
) -> dict[str, object]:
    host, port = base_url.removeprefix("http://").split(":")
    address = f"{host}:{port}"
    rng = random.Random(11)
    health = _request("/healthz", address)
    loads = [_request(f"/api/v1/branches/{c.branch_id}/load", address) for c in centres]
    stop = multiprocessing.Event()
    results, done = multiprocessing.Pipe(duplex=False)
    changing = multiprocessing.Process(target=changing_process, args=(base_url, centres, stop, done))
    changing.start()
    try:
        log("warming up (every centre's load read once)")
        await read_for(host, int(port), lambda: rng.choice(loads), 3.0, sample_at=False)
        log(f"the ceiling: /healthz for {args.ceiling_seconds} s with {CLIENTS} clients")
        ceiling, ceiling_time = await read_for(
            host, int(port), lambda: health, args.ceiling_seconds, sample_at=False
        )
        ceiling_rate = len(ceiling.latencies) / ceiling_time
        log(f"  {ceiling_rate:,.0f} req/s, p99 {percentile(ceiling.latencies, 99) * 1000:.1f} ms")
        log(f"the public load of {len(centres)} centres for {args.seconds} s with {CLIENTS} clients")
        tally, elapsed = await read_for(
            host, int(port), lambda: rng.choice(loads), args.seconds, sample_at=True
        )
    finally:
        stop.set()
        changes = results.recv() if results.poll(30) else 0
        changing.join(30)
    rate = len(tally.latencies) / elapsed
    log(f"  {rate:,.0f} req/s; {changes} changes to the queues meanwhile")
    return {
        "req_per_s": round(rate),
        "p50_ms": round(statistics.median(tally.latencies) * 1000, 2),
        "p99_ms": round(percentile(tally.latencies, 99) * 1000, 2),
        "errors": tally.errors + ceiling.errors,
        "max_staleness_s": round(max(tally.staleness, default=0.0), 3),
        "ceiling_req_per_s": round(ceiling_rate),
        "ratio": round(rate / ceiling_rate, 3) if ceiling_rate else 0.0,
        "requests": len(tally.latencies),
        "centres": len(centres),
        "clients": CLIENTS,
        "workers": 2,
        "changes_per_s": round(changes / (elapsed + args.ceiling_seconds + 3.0), 1),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the load is read")
    parser.add_argument("--ceiling-seconds", type=float, default=10.0, help="how long /healthz is read")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL (a *bench* database)")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--centres", type=int, default=CENTRES)
    args = parser.parse_args(argv)

    log(f"preparing {args.database}")
    target = prepare_database(args.database)
    if target.backend != "postgresql":
        raise SystemExit("the public load benchmark runs on PostgreSQL, as production does")
    log(f"building {args.centres} centres")
    centres = asyncio.run(build_centres(target.url, args.centres))
    server = start_server(target, args.redis, Path("var/bench/load_api-server.log"))
    try:
        result = asyncio.run(measure(server.base_url, centres, args))
    finally:
        server.stop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
