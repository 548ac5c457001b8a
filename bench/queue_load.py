"""Load benchmark of the electronic queue: the real server under a centre network's working day.

    python bench/queue_load.py --database postgresql://postgres@127.0.0.1:5432/birtereze_bench --seconds 20
    python bench/queue_load.py --database sqlite:///var/bench.sqlite3 --seconds 20

It prepares a fresh database (PostgreSQL: the named database, which must be a benchmark's own — its name
contains "bench", else ``birtereze_bench`` on the same server is used — dropped and created again; SQLite:
a new file), runs the migrations and builds 50 centres through the domain services. On PostgreSQL it then
measures the database's own ceiling with pgbench (TPC-B-like, 16 clients, 10 s, on a scale-10 pgbench
database of its own). It starts the real server (``birtereze serve``: 2 worker processes with Redis fan-out
and the background worker as its own ``birtereze worker`` process on PostgreSQL; one process with the
embedded worker on SQLite), connects 500 event-stream subscribers (10 per centre) from a listener process,
and drives the operation mix from ``--clients`` concurrent clients (32 by default; each sends its next
operation when the last one is answered, or, with ``--rate``, operations are offered at that rate), after
a warm-up of ``--warmup`` seconds. docs/benchmarks.md defines every figure. Progress goes to stderr; the
last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time as clock_time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import URL

from birtereze.core.clock import SystemClock
from birtereze.core.db import create_engine, normalise_url, session_factory, unit_of_work
from birtereze.core.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
BRANCHES = 50
WINDOWS_PER_BRANCH = 6
SUBSCRIBERS_PER_BRANCH = 10
TICKETS_AT_START = 10
PGBENCH_DATABASE = "birtereze_pgbench"
PGBENCH_SCALE = 10
PGBENCH_CLIENTS = 16
PGBENCH_SECONDS = 10
# The mix: issue 40 %, a window's next step (call next → confirm → finish) 50 %, reads 10 %.
MIX: tuple[tuple[str, int], ...] = (("issue", 40), ("window", 50), ("load", 5), ("status", 5))
PRIORITY_MIX: tuple[tuple[str | None, int], ...] = ((None, 90), ("elderly", 6), ("disability", 4))


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The database the server uses, as a plain URL, and what kind it is."""

    url: str
    backend: str  # sqlite | postgresql
    sync_url: URL


def prepare_database(requested: str) -> Target:
    """A fresh, migrated database: never one that is not the benchmark's own."""
    sync_url = normalise_url(requested, async_driver=False)
    if sync_url.get_backend_name() == "sqlite":
        path = Path(sync_url.database or "")
        if not sync_url.database or sync_url.database == ":memory:":
            raise SystemExit("give the SQLite database as a file: sqlite:///path/to/bench.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        backend = "sqlite"
    else:
        name = sync_url.database or ""
        if "bench" not in name:
            log(f"database {name or '(none)'} is not a benchmark database: using birtereze_bench instead")
            name = "birtereze_bench"
        sync_url = sync_url.set(database=name)
        admin = create_sync_engine(sync_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sync_url.set(drivername="postgresql").render_as_string(hide_password=False)
        backend = "postgresql"
    upgrade(url)
    return Target(url=url, backend=backend, sync_url=sync_url)


# --- the centres ----------------------------------------------------------------------------------


@dataclass
class WindowFixture:
    window_id: int
    token: str


@dataclass
class BranchFixture:
    branch_id: int
    kiosk_token: str
    manager_token: str
    service_ids: list[int]
    windows: list[WindowFixture] = field(default_factory=list)


def _names(text_en: str, n: int) -> dict[str, str]:
    return {"kk": f"{text_en} {n} (kk)", "ru": f"{text_en} {n} (ru)", "en": f"{text_en} {n}"}


async def build_centres(url: str, count: int) -> list[BranchFixture]:
    """The centres, through the domain services: what an administrator would set up."""
    from birtereze.branches import service as branches_service
    from birtereze.catalog import service as catalog_service
    from birtereze.queue import service as queue_service
    from birtereze.staff import service as staff_service

    now = SystemClock().now()
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    centres: list[BranchFixture] = []
    try:
        async with unit_of_work(sessions) as session:
            services = [
                await catalog_service.create(session, code=f"9000000{n}", names=_names("Service", n))
                for n in range(1, 5)
            ]
            await queue_service.create_priority(
                session,
                code="disability",
                level=3,
                names=_names("Disability", 0),
                legal_basis=_names("Law", 0),
                prefers_accessible=True,
            )
            await queue_service.create_priority(
                session, code="elderly", level=1, names=_names("Elderly", 0), legal_basis=_names("Law", 0)
            )
        for n in range(1, count + 1):
            async with unit_of_work(sessions) as session:
                branch = await branches_service.create(
                    session,
                    code=f"BENCH{n:03d}",
                    type="standard",
                    name_kk=f"ХҚО {n}",
                    name_ru=f"ЦОН {n}",
                    name_en=f"PSC {n}",
                    timezone="Asia/Almaty",
                )
                await branches_service.set_hours(
                    session,
                    branch_id=branch.id,
                    weekly={day: (clock_time(0), clock_time(0)) for day in range(1, 8)},  # around the clock
                )
                zone = await branches_service.create_zone(
                    session, branch_id=branch.id, code="reception", names=_names("Reception", n)
                )
                queues = {
                    prefix: await queue_service.create_queue(
                        session, branch_id=branch.id, zone_id=zone.id, prefix=prefix, names=_names(prefix, n)
                    )
                    for prefix in ("A", "B", "P")
                }
                for service, prefix in zip(services, ("A", "A", "B", "B"), strict=True):
                    await queue_service.offer_service(
                        session, branch_id=branch.id, service_id=service.id, queue_id=queues[prefix].id
                    )
                await queue_service.add_rule(
                    session,
                    branch_id=branch.id,
                    queue_id=queues["P"].id,
                    position=1,
                    priority_code="disability",
                )
                profiles = {}
                for code, rule, served in (("all", "longest_wait", "PAB"), ("social", "strict_order", "BAP")):
                    profile = await queue_service.create_profile(
                        session, branch_id=branch.id, code=code, names=_names(code, n), rule=rule
                    )
                    for position, prefix in enumerate(served):
                        await queue_service.add_profile_queue(
                            session, profile_id=profile.id, queue_id=queues[prefix].id, position=position
                        )
                    profiles[code] = profile

                async def token(username: str, role: str, branch_id: int = branch.id) -> tuple[int, str]:
                    staff = await staff_service.create(
                        session,
                        username=username,
                        full_name=username,
                        role=role,
                        password=None,
                        branch_ids=[branch_id],
                        now=now,
                    )
                    issued = await staff_service.issue_token(
                        session, staff_id=staff.id, name="bench", now=now
                    )
                    return staff.id, issued

                _, kiosk = await token(f"kiosk{n}", "kiosk")
                _, manager = await token(f"manager{n}", "branch_manager")
                centre = BranchFixture(
                    branch_id=branch.id,
                    kiosk_token=kiosk,
                    manager_token=manager,
                    service_ids=[s.id for s in services],
                )
                for number in range(1, WINDOWS_PER_BRANCH + 1):
                    window = await branches_service.create_window(
                        session, branch_id=branch.id, zone_id=zone.id, number=number, accessible=number == 1
                    )
                    operator_id, operator = await token(f"operator{n}-{number}", "operator")
                    await queue_service.open_window(
                        session,
                        window_id=window.id,
                        staff_id=operator_id,
                        work_profile_id=profiles["all" if number <= 4 else "social"].id,
                        now=now,
                    )
                    centre.windows.append(WindowFixture(window.id, operator))
                for k in range(TICKETS_AT_START):
                    await queue_service.issue_ticket(
                        session, branch_id=branch.id, service_id=services[k % 4].id, now=now
                    )
                centres.append(centre)
    finally:
        await engine.dispose()
    return centres


# --- pgbench: the database's own ceiling ---------------------------------------------------------


def run_pgbench(target: Target) -> float:
    """TPC-B-like, 16 clients, 10 s, against the same PostgreSQL server; returns transactions/s."""
    url = target.sync_url
    admin = create_sync_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PGBENCH_DATABASE}
        ).first()
        if exists is None:
            connection.execute(text(f"CREATE DATABASE {PGBENCH_DATABASE}"))
    admin.dispose()
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise SystemExit("pgbench is not installed (Debian: postgresql-client)")
    connection_args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or ""]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    subprocess.run(
        [pgbench, *connection_args, "-i", "-q", "-s", str(PGBENCH_SCALE), PGBENCH_DATABASE],
        check=True,
        env=env,
        capture_output=True,
    )
    result = subprocess.run(
        [
            pgbench,
            *connection_args,
            "-c",
            str(PGBENCH_CLIENTS),
            "-j",
            "2",
            "-T",
            str(PGBENCH_SECONDS),
            PGBENCH_DATABASE,
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    found = re.search(r"tps = ([0-9.]+)", result.stdout)
    if found is None:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(found.group(1))


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base_url: str
    processes: list[subprocess.Popen[bytes]]
    log_path: Path

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes and their children (Linux)."""
        pids = [process.pid for process in self.processes]
        pids += [int(child) for pid in pids for child in _children(pid)]
        return sum(_cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime and stime, the 14th and 15th fields of the line
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(target: Target, redis_url: str, log_path: Path) -> Server:
    port = free_port()
    birtereze = str(Path(sys.executable).with_name("birtereze"))
    env = {
        **os.environ,
        "BIRTEREZE_DATABASE_URL": target.url,
        "BIRTEREZE_LOG_LEVEL": "WARNING",
        "BIRTEREZE_SECRET_KEY": "bench-" + uuid.uuid4().hex,
    }
    env.pop("BIRTEREZE_REDIS_URL", None)
    if target.backend == "postgresql":
        # Production's shape: stateless web workers fanning events out through Redis, and the background
        # worker (normative alerts) in its own process.
        env["BIRTEREZE_REDIS_URL"] = redis_url
        # Channels of this run alone: no other process on the same Redis reaches its subscribers.
        env["BIRTEREZE_LIVE_CHANNEL_PREFIX"] = f"birtereze-bench-{uuid.uuid4().hex[:12]}:"
        env["BIRTEREZE_EMBEDDED_WORKER"] = "0"
        commands = [[birtereze, "serve", "--port", str(port), "--workers", "2"], [birtereze, "worker"]]
    else:
        # The embedded set-up: one process, the background worker inside it. SQLite takes its write lock
        # at BEGIN IMMEDIATE, so a second pooled connection would only wait in SQLite's busy handler
        # (sleep and retry); with one, requests wait their turn in order.
        env["BIRTEREZE_EMBEDDED_WORKER"] = "1"
        env["BIRTEREZE_DB_POOL_SIZE"] = "1"
        commands = [[birtereze, "serve", "--port", str(port), "--workers", "1"]]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    output = log_path.open("wb")
    processes = [
        subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT) for command in commands
    ]
    server = Server(f"http://127.0.0.1:{port}", processes, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            server.stop()
            raise SystemExit(f"the server stopped while starting; see {log_path}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return server
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"the server did not start in 60 s; see {log_path}")


# --- the subscribers (a process of their own) ------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    branch_id: int
    token: str


@dataclass
class ListenerReport:
    connected: int
    failures: int
    # (event id, delivery latency in ms) of every frame received
    deliveries: list[tuple[int, float]]
    # per subscription: branch id and the ids of the events it received, in order of arrival
    received: list[tuple[int, list[int]]]


async def _subscribe(
    http: aiohttp.ClientSession,
    base_url: str,
    subscription: Subscription,
    ids: list[int],
    deliveries: list[tuple[int, float]],
    connected: asyncio.Event,
    count: Synchronized[int],
) -> None:
    url = f"{base_url}/api/v1/branches/{subscription.branch_id}/events"
    async with http.get(url, params={"access_token": subscription.token}) as response:
        response.raise_for_status()
        buffer = b""
        async for chunk in response.content.iter_any():
            arrived = time.time()
            buffer += chunk
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                if frame.startswith(b":"):
                    connected.set()
                    continue
                start = frame.find(b"\ndata: ")
                if start < 0:
                    continue
                payload = orjson.loads(frame[start + 7 :])
                event_id = int(payload["id"])
                ids.append(event_id)
                deliveries.append((event_id, (arrived - float(payload["published_at"])) * 1000))
                count.value += 1


async def _listen(
    base_url: str,
    subscriptions: Sequence[Subscription],
    control: multiprocessing.connection.Connection,
    count: Synchronized[int],
) -> ListenerReport:
    deliveries: list[tuple[int, float]] = []
    received: list[list[int]] = [[] for _ in subscriptions]
    connected = [asyncio.Event() for _ in subscriptions]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        tasks = [
            asyncio.create_task(_subscribe(http, base_url, s, received[i], deliveries, connected[i], count))
            for i, s in enumerate(subscriptions)
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(event.wait() for event in connected)), timeout=60)
        control.send(sum(event.is_set() for event in connected))
        await asyncio.to_thread(control.recv)  # the driver says stop
        failures = sum(task.done() for task in tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return ListenerReport(
        connected=sum(event.is_set() for event in connected),
        failures=failures,
        deliveries=deliveries,
        received=[(s.branch_id, ids) for s, ids in zip(subscriptions, received, strict=True)],
    )


def listener_main(
    base_url: str,
    subscriptions: list[Subscription],
    control: multiprocessing.connection.Connection,
    count: Synchronized[int],
) -> None:
    import uvloop

    report = uvloop.run(_listen(base_url, subscriptions, control, count))
    control.send(report)


# --- the clients ----------------------------------------------------------------------------------


@dataclass
class WindowState:
    fixture: WindowFixture
    step: str = "call-next"  # call-next -> confirm -> finish -> call-next


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ops: int = 0
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    nothing_to_call: int = 0
    # (branch id, queue id, service day, number) -> visit ids handed out with it
    issued: dict[tuple[int, int, str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    status_tokens: deque[str] = field(default_factory=lambda: deque(maxlen=2000))


class Driver:
    def __init__(self, base_url: str, centres: list[BranchFixture], seed: int) -> None:
        self.base_url = base_url
        self.centres = centres
        self.random = random.Random(seed)
        self.results = Results()
        windows = [WindowState(w) for c in centres for w in c.windows]
        self.random.shuffle(windows)
        self.idle_windows: deque[WindowState] = deque(windows)
        self.kinds = [kind for kind, _ in MIX]
        self.kind_weights = [weight for _, weight in MIX]
        self.priorities = [code for code, _ in PRIORITY_MIX]
        self.priority_weights = [weight for _, weight in PRIORITY_MIX]

    def start_measuring(self) -> None:
        """Forget the warm-up's timings; its tickets are still checked, and its errors still count."""
        results = self.results
        results.latencies_ms.clear()
        results.by_kind.clear()
        results.ops = 0
        results.nothing_to_call = 0

    def next_kind(self) -> str:
        return self.random.choices(self.kinds, self.kind_weights)[0]

    async def perform(self, http: aiohttp.ClientSession, kind: str, scheduled: float) -> None:
        try:
            outcome = await getattr(self, f"_{kind}")(http)
        except (aiohttp.ClientError, TimeoutError) as error:
            outcome = f"{kind}:{type(error).__name__}"
        elapsed_ms = (time.perf_counter() - scheduled) * 1000
        results = self.results
        results.ops += 1
        results.latencies_ms.append(elapsed_ms)
        results.by_kind[kind].append(elapsed_ms)
        if outcome is not None:
            results.errors += 1
            results.error_kinds[outcome] += 1

    async def _issue(self, http: aiohttp.ClientSession) -> str | None:
        centre = self.random.choice(self.centres)
        body: dict[str, Any] = {"service_id": self.random.choice(centre.service_ids)}
        priority = self.random.choices(self.priorities, self.priority_weights)[0]
        if priority is not None:
            body["priority"] = priority
        headers = {
            "Authorization": f"Bearer {centre.kiosk_token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        url = f"{self.base_url}/api/v1/branches/{centre.branch_id}/tickets"
        async with http.post(url, data=orjson.dumps(body), headers=headers) as response:
            payload = orjson.loads(await response.read())
            if response.status != 201:
                return f"issue:{response.status}:{payload.get('code')}"
        ticket = payload["ticket"]
        key = (ticket["branch_id"], ticket["issued_queue_id"], ticket["service_day"], ticket["number"])
        self.results.issued[key].append(ticket["id"])
        self.results.status_tokens.append(payload["status_token"])
        return None

    async def _window(self, http: aiohttp.ClientSession) -> str | None:
        window = self.idle_windows.popleft()
        try:
            url = f"{self.base_url}/api/v1/windows/{window.fixture.window_id}/{window.step}"
            headers = {"Authorization": f"Bearer {window.fixture.token}"}
            async with http.post(url, headers=headers) as response:
                payload = orjson.loads(await response.read())
            if (
                response.status == 409
                and window.step == "call-next"
                and payload.get("code") == "no_ticket_waiting"
            ):
                # An open window with nobody waiting: a normal answer, not an error.
                self.results.nothing_to_call += 1
                return None
            if response.status != 200:
                return f"{window.step}:{response.status}:{payload.get('code')}"
            window.step = {"call-next": "confirm", "confirm": "finish", "finish": "call-next"}[window.step]
            return None
        finally:
            self.idle_windows.append(window)

    async def _load(self, http: aiohttp.ClientSession) -> str | None:
        centre = self.random.choice(self.centres)
        async with http.get(f"{self.base_url}/api/v1/branches/{centre.branch_id}/load") as response:
            await response.read()
            return None if response.status == 200 else f"load:{response.status}"

    async def _status(self, http: aiohttp.ClientSession) -> str | None:
        if not self.results.status_tokens:
            return await self._load(http)
        token = self.random.choice(self.results.status_tokens)
        async with http.get(f"{self.base_url}/api/v1/ticket-status/{token}") as response:
            await response.read()
            return None if response.status == 200 else f"status:{response.status}"

    async def run(self, seconds: float, clients: int, rate: float) -> float:
        """Drive the mix; returns the measured duration. With a rate, operations are scheduled at that
        rate and each one's latency counts from its scheduled instant (no coordinated omission)."""
        connector = aiohttp.TCPConnector(limit=clients, force_close=False)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            started = time.perf_counter()
            deadline = started + seconds
            pending: asyncio.Queue[tuple[str, float] | None] = asyncio.Queue()

            async def client() -> None:
                while True:
                    if rate > 0:
                        item = await pending.get()
                        if item is None:
                            return
                        kind, scheduled = item
                    else:
                        if time.perf_counter() >= deadline:
                            return
                        kind, scheduled = self.next_kind(), time.perf_counter()
                    await self.perform(http, kind, scheduled)

            async def schedule() -> None:
                sent = 0
                while True:
                    now = time.perf_counter()
                    if now >= deadline:
                        break
                    due = int((now - started) * rate) + 1  # the operations whose instant has come
                    while sent < due:
                        pending.put_nowait((self.next_kind(), started + sent / rate))
                        sent += 1
                    await asyncio.sleep(0.002)
                for _ in range(clients):
                    pending.put_nowait(None)

            async def progress() -> None:
                last_ops, last_at = 0, started
                while True:
                    await asyncio.sleep(2)
                    now = time.perf_counter()
                    window = self.results.latencies_ms[last_ops:]
                    p99 = percentile(window, 99)
                    log(
                        f"t={now - started:5.1f}s ops/s={len(window) / (now - last_at):6.0f} "
                        f"p99={p99:6.1f}ms errors={self.results.errors} backlog={pending.qsize()}"
                    )
                    last_ops, last_at = len(self.results.latencies_ms), now

            reporter = asyncio.create_task(progress())
            workers = [asyncio.create_task(client()) for _ in range(clients)]
            if rate > 0:
                await schedule()
            await asyncio.gather(*workers)
            reporter.cancel()
            return time.perf_counter() - started


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(round(q / 100 * len(ordered) + 0.5) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


# --- checks after the run -------------------------------------------------------------------------


@dataclass
class Checks:
    duplicate_numbers_db: int
    duplicate_numbers_handed_out: int
    called_twice: int
    tickets_lost: int
    events_lost: int
    events_received_twice: int


def check(
    target: Target, results: Results, report: ListenerReport, first_event_id: int, last_driven_id: int
) -> tuple[Checks, dict[int, set[int]]]:
    engine = create_sync_engine(target.sync_url)
    with engine.connect() as connection:
        duplicate_numbers_db = connection.execute(
            text(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM visits "
                "GROUP BY branch_id, issued_queue_id, service_day, number HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
        called_twice = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT visit_id FROM events WHERE type = 'ticket.called' "
                "GROUP BY visit_id HAVING count(*) > 1) AS c"
            )
        ).scalar_one()
        handed_out = {visit_id for ids in results.issued.values() for visit_id in ids}
        found: set[tuple[int, int, str, str, int]] = set()
        rows = connection.execute(
            text("SELECT id, branch_id, issued_queue_id, service_day, number FROM visits")
        )
        for visit_id, branch_id, queue_id, day, number in rows:
            if visit_id in handed_out:
                found.add((branch_id, queue_id, str(day), number, visit_id))
        tickets_lost = sum(
            1
            for (branch_id, queue_id, day, number), ids in results.issued.items()
            for visit_id in ids
            if (branch_id, queue_id, day, number, visit_id) not in found
        )
        expected: dict[int, set[int]] = defaultdict(set)
        # Every event committed from the subscribers' start to the clients' last answer; one the background
        # worker commits while the listener is being stopped may arrive or not, and is not counted.
        types: dict[int, str] = {}
        for event_id, branch_id, event_type in connection.execute(
            text("SELECT id, branch_id, type FROM events WHERE id > :first AND id <= :last"),
            {"first": first_event_id, "last": last_driven_id},
        ):
            expected[branch_id].add(event_id)
            types[event_id] = event_type
    engine.dispose()
    events_lost = 0
    received_twice = 0
    missing: Counter[str] = Counter()
    for branch_id, ids in report.received:
        got = set(ids)
        received_twice += len(ids) - len(got)
        lost = expected.get(branch_id, set()) - got
        events_lost += len(lost)
        missing.update(f"{types[event_id]}#{event_id}" for event_id in lost)
    if missing:
        log(f"events never received (event: subscribers missing it): {dict(missing.most_common(10))}")
    checks = Checks(
        duplicate_numbers_db=int(duplicate_numbers_db),
        duplicate_numbers_handed_out=sum(len(ids) - 1 for ids in results.issued.values() if len(ids) > 1),
        called_twice=int(called_twice),
        tickets_lost=tickets_lost,
        events_lost=events_lost,
        events_received_twice=received_twice,
    )
    return checks, expected


def last_event_id(target: Target) -> int:
    engine = create_sync_engine(target.sync_url)
    with engine.connect() as connection:
        value = connection.execute(text("SELECT coalesce(max(id), 0) FROM events")).scalar_one()
    engine.dispose()
    return int(value)


def database_backends(target: Target) -> list[int]:
    """Process ids of the PostgreSQL backends serving the benchmark's database (none for SQLite)."""
    if target.backend != "postgresql":
        return []
    engine = create_sync_engine(target.sync_url)
    with engine.connect() as connection:
        pids = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        result = [int(pid) for pid in pids]
    engine.dispose()
    return result


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True, help="sqlite:///FILE or postgresql://user@host:port/db")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the measured run")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (at least 32)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="operations per second to offer; 0 (the default): a closed loop, each client sends its next "
        "operation when the last one is answered",
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of the same mix before measuring (caches, pools)"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="Redis for the fan-out")
    parser.add_argument(
        "--subscribers",
        type=int,
        default=SUBSCRIBERS_PER_BRANCH,
        help="event-stream subscribers per centre (10 in the benchmark proper; fewer to see what they cost)",
    )
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--no-pgbench", action="store_true", help="skip the pgbench ceiling")
    args = parser.parse_args(argv)
    if args.clients < 32:
        parser.error("--clients must be at least 32")
    if not 0 <= args.subscribers <= SUBSCRIBERS_PER_BRANCH:
        parser.error(f"--subscribers must be between 0 and {SUBSCRIBERS_PER_BRANCH}")

    log(f"preparing a fresh database from {args.database}")
    target = prepare_database(args.database)
    rate = args.rate
    started = time.monotonic()
    centres = asyncio.run(build_centres(target.url, BRANCHES))
    log(f"{len(centres)} centres built in {time.monotonic() - started:.1f} s")

    pgbench_tps: float | None = None
    if target.backend == "postgresql" and not args.no_pgbench:
        log(f"pgbench TPC-B-like, {PGBENCH_CLIENTS} clients, {PGBENCH_SECONDS} s (scale {PGBENCH_SCALE})")
        pgbench_tps = run_pgbench(target)
        log(f"pgbench: {pgbench_tps:.0f} tps")

    server = start_server(target, args.redis, ROOT / "var" / "bench-server.log")
    log(f"server up at {server.base_url} ({target.backend})")
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    received_count: Synchronized[int] = context.Value("q", 0)
    subscriptions = [
        Subscription(centre.branch_id, token)
        for centre in centres
        for token in (
            *(window.token for window in centre.windows),
            centre.kiosk_token,
            centre.kiosk_token,
            centre.manager_token,
            centre.manager_token,
        )[: args.subscribers]
    ]
    listener = context.Process(
        target=listener_main, args=(server.base_url, subscriptions, theirs, received_count), daemon=True
    )
    try:
        listener.start()
        connected = ours.recv()
        log(f"{connected} event-stream subscribers connected")
        first_event_id = last_event_id(target)
        driver = Driver(server.base_url, centres, args.seed)
        pace = "as fast as they go" if rate <= 0 else f"at {rate:.0f} ops/s"
        import uvloop

        if args.warmup > 0:
            log(f"warming up for {args.warmup:.0f} s")
            uvloop.run(driver.run(args.warmup, args.clients, rate))
            driver.start_measuring()
        measured_event_id = last_event_id(target)
        log(f"driving the mix from {args.clients} clients {pace} for {args.seconds:.0f} s")
        backends = database_backends(target)  # the pools are filled by the warm-up
        cpu_before = server.cpu_seconds()
        own_before = time.process_time() + _cpu_seconds(listener.pid or 0)
        database_before = sum(_cpu_seconds(pid) for pid in backends)
        duration = uvloop.run(driver.run(args.seconds, args.clients, rate))
        last_driven_id = last_event_id(target)
        server_cpu_ms = (server.cpu_seconds() - cpu_before) * 1000
        own_cpu_ms = (time.process_time() + _cpu_seconds(listener.pid or 0) - own_before) * 1000
        database_cpu_ms = (sum(_cpu_seconds(pid) for pid in backends) - database_before) * 1000
        # Let the last events arrive: stop once a second passes with none, or after 10 s.
        drain_deadline = time.monotonic() + 10
        previous = -1
        while time.monotonic() < drain_deadline:
            current = received_count.value
            if current == previous:
                break
            previous = current
            time.sleep(1.0)
        ours.send("stop")
        report: ListenerReport = ours.recv()
        listener.join(timeout=10)
    finally:
        if listener.is_alive():
            listener.terminate()
        server.stop()

    results = driver.results
    checks, expected = check(target, results, report, first_event_id, last_driven_id)
    # Delivery latency of the events committed in the measured run (the warm-up's are checked, not timed).
    delivery_ms = [latency for event_id, latency in report.deliveries if event_id > measured_event_id]
    events_published = sum(len(ids) for ids in expected.values())
    for kind, values in sorted(results.by_kind.items()):
        log(
            f"{kind:>7}: {len(values):6d} ops  p50 {percentile(values, 50):6.1f} ms  "
            f"p99 {percentile(values, 99):6.1f} ms"
        )
    log(
        f"events: {events_published} committed, {len(report.deliveries)} deliveries to "
        f"{report.connected} subscribers ({report.failures} streams ended early); "
        f"{results.nothing_to_call} call-next answered 'no ticket waiting'"
    )
    log(
        f"server CPU: {server_cpu_ms / max(results.ops, 1):.2f} ms per operation "
        f"({server_cpu_ms / duration / 10:.0f} % of one core); the load generator and the subscribers: "
        f"{own_cpu_ms / duration / 10:.0f} % of one core"
        + (
            f"; PostgreSQL's backends: {database_cpu_ms / max(results.ops, 1):.2f} ms per operation "
            f"({database_cpu_ms / duration / 10:.0f} % of one core)"
            if target.backend == "postgresql"
            else ""
        )
    )
    log(f"checks: {checks}")
    if results.error_kinds:
        log(f"errors by kind: {dict(results.error_kinds.most_common(10))}")
    ops_per_s = results.ops / duration
    errors = results.errors + report.failures
    summary = {
        "db": target.backend,
        "seconds": round(duration, 1),
        "ops_per_s": round(ops_per_s, 1),
        "p50_ms": round(percentile(results.latencies_ms, 50), 1),
        "p99_ms": round(percentile(results.latencies_ms, 99), 1),
        "errors": errors,
        "sse_subscribers": report.connected,
        "event_delivery_p99_ms": round(percentile(delivery_ms, 99), 1),
        "duplicates": checks.duplicate_numbers_db + checks.duplicate_numbers_handed_out + checks.called_twice,
        "lost": checks.tickets_lost + checks.events_lost,
        "pgbench_tps": round(pgbench_tps, 1) if pgbench_tps is not None else None,
        "ratio": round(ops_per_s / pgbench_tps, 3) if pgbench_tps else None,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
