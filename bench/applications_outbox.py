"""Benchmark of the applications' outbox: N applications delivered to a fake authorised body that fails
a given share of the requests at random.

    python bench/applications_outbox.py --database postgresql://postgres@127.0.0.1:5432/birtereze_bench \\
        --applications 10000 --failure-rate 0.2
    python bench/applications_outbox.py --database sqlite:///var/bench-outbox.sqlite3 --applications 2000

It prepares a fresh database (PostgreSQL: the named database, which must be a benchmark's own — its name
contains "bench", else ``birtereze_bench`` on the same server — dropped and created again; SQLite: a new
file), runs the migrations, creates a centre and a service, and submits the N applications (each an
``applications`` row in status ``submitted`` with its delivery in the outbox, as
``applications.service.submit`` leaves them), all at the start. The fake body
(``birtereze.applications.fake_body``) runs as its own process; it fails ``--failure-rate`` of the
requests, half before keeping the application and half after (the answer lost, so the same key comes
again). ``--workers`` worker processes (one per core up to 4 on PostgreSQL, 1 on SQLite) run the job
``applications.deliver`` in a loop (each round: a claim of ``--batch`` deliveries with a lease, FOR UPDATE
SKIP LOCKED on PostgreSQL, the POSTs ``--concurrency`` at a time, the outcomes recorded), with a back-off
of 0.2 s doubling up to 2 s, until every application is delivered or ``--timeout`` passes.

Figures: ``delivered`` — deliveries acknowledged and applications marked delivered; ``lost`` — applications
not both acknowledged in the database and kept by the body; ``duplicates_at_body`` — applications the body
received under more than one idempotency key (a retry with the same key is a redelivery the body
recognises: counted apart, ``redeliveries``); ``throughput_per_s`` — N over the time from the start of the
workers to the last acknowledgement; ``p99_delivery_s`` — the 99th percentile of submission (the workers'
start) to acknowledgement. Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

if not __package__:  # run as a script: make the repository root importable, for bench.queue_load
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queue_load import prepare_database
from birtereze.applications import adapters, delivery_jobs
from birtereze.applications.delivery_models import Delivery
from birtereze.applications.models import Application
from birtereze.branches import service as branches_service
from birtereze.catalog.models import Service
from birtereze.core.clock import SystemClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
AUTHORITY = "BENCH"
SECRET = "bench-secret"
IIN = "900101300021"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def submit_all(url: str, count: int) -> None:
    """A centre, a service, and ``count`` submitted applications with their deliveries (not yet due)."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await branches_service.create(
                session,
                code="BENCH",
                type="standard",
                name_kk="Бенчмарк ХҚО",
                name_ru="ЦОН Бенчмарк",
                name_en="Benchmark PSC",
                timezone="Asia/Almaty",
            )
            service = Service(code="00000001", name_kk="Қызмет", name_ru="Услуга", name_en="Service")
            session.add(service)
            await session.flush()
            branch_id, service_id = branch.id, service.id
        for start in range(0, count, 1000):
            async with unit_of_work(session_factory(engine)) as session:
                applications = [
                    Application(
                        number=f"B{number:09d}",
                        service_id=service_id,
                        authority_code=AUTHORITY,
                        applicant_iin=IIN,
                        channel="operator",
                        intake_branch_id=branch_id,
                        issuing_branch_id=branch_id,
                        status="submitted",
                        language="kk",
                        form_data={"purpose": "benchmark", "number": number},
                        created_at=now,
                        changed_at=now,
                        submitted_at=now,
                    )
                    for number in range(start, min(start + 1000, count))
                ]
                session.add_all(applications)
                await session.flush()
                session.add_all(
                    Delivery(
                        application_id=application.id,
                        branch_id=branch_id,
                        authority_code=AUTHORITY,
                        idempotency_key=uuid.uuid4().hex,
                        payload={
                            "number": application.number,
                            "applicant_iin": IIN,
                            "form": application.form_data,
                        },
                        status="queued",
                        attempts=0,
                        next_attempt_at=None,  # due when the workers start
                        created_at=now,
                    )
                    for application in applications
                )
    finally:
        await engine.dispose()


async def release_all(url: str) -> datetime:
    """Every delivery due now: the submission instant of the benchmark."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await session.execute(update(Delivery).values(next_attempt_at=now, created_at=now))
    finally:
        await engine.dispose()
    return now


def bench_settings(url: str, body_url: str, args: argparse.Namespace) -> Settings:
    return Settings(
        database_url=url,
        log_json=True,
        log_level="ERROR",
        body_endpoints={AUTHORITY: {"mode": "http", "url": body_url, "secret": SECRET}},
        delivery_batch_size=args.batch,
        delivery_concurrency=args.concurrency,
        delivery_backoff_s=0.2,
        delivery_backoff_max_s=2.0,
        delivery_max_attempts=20,
        delivery_lease_s=30.0,
        delivery_timeout_s=10.0,
        db_pool_size=4,
    )


def worker_main(url: str, body_url: str, args: argparse.Namespace, go: Any, timeout: float) -> None:
    from birtereze.core import logging as birtereze_logging

    settings = bench_settings(url, body_url, args)
    birtereze_logging.configure(level="ERROR")  # a failed try is a warning: 20 % of them here

    async def loop() -> None:
        engine = create_engine(url, pool_size=4)
        sessions = session_factory(engine)
        clock = SystemClock()
        async with sessions() as session:  # connected and imported before the start
            await session.scalar(select(func.count()).select_from(Delivery))
        await asyncio.to_thread(go.wait)
        deadline = time.monotonic() + timeout
        async with adapters.client_session(settings) as client:
            idle = 0
            while time.monotonic() < deadline:
                async with unit_of_work(sessions) as session:
                    tried = await delivery_jobs.deliver(session, clock, settings, client=client)
                if tried:
                    idle = 0
                    continue
                idle += 1
                async with sessions() as session:
                    left = await session.scalar(
                        select(func.count()).where(Delivery.status.in_(("queued", "sending")))
                    )
                if not left:
                    break
                await asyncio.sleep(min(0.02 * idle, 0.2))
        await engine.dispose()

    asyncio.run(loop())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def wait_for(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(url)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    raise SystemExit(f"the fake body did not start at {url}")


async def results(url: str, body_stats: dict[str, Any], count: int, started: datetime) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (
                await session.execute(
                    select(Delivery.application_id, Delivery.delivered_at, Application.status)
                    .join(Application, Application.id == Delivery.application_id)
                    .where(Delivery.status == "delivered")
                )
            ).all()
            statuses = dict(
                (await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
            )
    finally:
        await engine.dispose()
    kept = set(body_stats["application_ids"])
    delivered = [row for row in rows if row.status == "delivered" and row.application_id in kept]
    latencies = sorted((row.delivered_at - started).total_seconds() for row in delivered)
    last = latencies[-1] if latencies else 0.0
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    seen = {key: value for key, value in body_stats.items() if key != "application_ids"}
    log(f"deliveries by status: {statuses}; the body: {seen}")
    return {
        "applications": count,
        "delivered": len(delivered),
        "duplicates_at_body": int(body_stats["duplicates"]),
        "lost": count - len(delivered),
        "throughput_per_s": round(len(delivered) / last, 1) if last else 0.0,
        "p99_delivery_s": round(p99, 3),
        "redeliveries": int(body_stats["redeliveries"]),
        "failures_injected": int(body_stats["failures_injected"]),
        "requests_at_body": int(body_stats["requests"]),
        "dead": int(statuses.get("dead", 0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True)
    parser.add_argument("--applications", type=int, default=10000)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    target = prepare_database(args.database)
    url, backend = target.url, target.backend
    workers = args.workers or (min(4, os.cpu_count() or 1) if backend == "postgresql" else 1)
    log(f"{backend}: submitting {args.applications} applications")
    asyncio.run(submit_all(url, args.applications))

    port = free_port()
    body = subprocess.Popen(
        [
            sys.executable, "-m", "birtereze.applications.fake_body",
            "--authority", AUTHORITY, "--secret", SECRET, "--port", str(port),
            "--failure-rate", str(args.failure_rate), "--no-answers", "--seed", str(args.seed),
        ],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_for(f"{base}/stats"))
        context = multiprocessing.get_context("spawn")
        go = context.Event()
        processes = [
            context.Process(target=worker_main, args=(url, f"{base}/applications", args, go, args.timeout))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        time.sleep(3.0)  # the workers import and connect, then wait for the start
        started = asyncio.run(release_all(url))
        go.set()
        log(f"{workers} workers delivering to the fake body (failure rate {args.failure_rate})")
        for process in processes:
            process.join()
        stats = httpx.get(f"{base}/stats", timeout=30).json()
    finally:
        body.terminate()
        body.wait(timeout=10)
    figures = asyncio.run(results(url, stats, args.applications, started))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
