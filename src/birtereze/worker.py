"""The background worker: periodic jobs, each with a heartbeat in /metrics.

It runs inside the web process by default (the embedded, one-machine set-up) or alone as
``birtereze worker``. Every job is idempotent and safe to run in several processes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from birtereze.core.clock import Clock
from birtereze.core.db import unit_of_work
from birtereze.core.events import collect_live
from birtereze.core.live import Hub
from birtereze.core.metrics import JOB_HEARTBEAT
from birtereze.core.settings import Settings

log = structlog.get_logger(__name__)

JobFunction = Callable[[AsyncSession, Clock, Settings], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    interval_s: Callable[[Settings], float]
    run: JobFunction


CLOSE_DAYS_INTERVAL_S: Final = 300.0
APPOINTMENTS_INTERVAL_S: Final = 60.0
HOURLY_S: Final = 3600.0
CITIZEN_NOTICES_INTERVAL_S: Final = 2.0


def schedule() -> list[PeriodicJob]:
    """Every periodic job, in one place."""
    from birtereze.applications import delivery_jobs
    from birtereze.applications import jobs as applications_jobs
    from birtereze.appointments import jobs as appointments_jobs
    from birtereze.citizens import jobs as citizens_jobs
    from birtereze.notify import jobs as notify_jobs
    from birtereze.queue import jobs as queue_jobs

    return [
        PeriodicJob(
            "queue.check_normatives", lambda s: s.alert_check_interval_s, queue_jobs.check_normatives
        ),
        # Tickets left waiting when a centre's day ends: checked every few minutes, so shortly after
        # each centre's local midnight.
        PeriodicJob("queue.close_past_days", lambda s: CLOSE_DAYS_INTERVAL_S, queue_jobs.close_past_days),
        # The citizens' SMS about their tickets ("N-th in line", "called") and remote tickets whose
        # holder did not come: every 2 s, so that the SMS comes with the call.
        PeriodicJob(
            "queue.notify_citizens", lambda s: CITIZEN_NOTICES_INTERVAL_S, queue_jobs.notify_citizens
        ),
        # The outbox of SMS and e-mails: due messages sent, failed tries retried, delivery receipts read.
        PeriodicJob("notify.send", lambda s: s.notify_send_interval_s, notify_jobs.send),
        # Appointments: reminders the day before and an hour before, and bookings missed after their
        # arrival window; every minute.
        PeriodicJob("appointments.remind", lambda s: APPOINTMENTS_INTERVAL_S, appointments_jobs.remind),
        # The applications' outbox to the authorised bodies: due deliveries POSTed, failed tries retried
        # with back-off, dead letters raised; every second.
        PeriodicJob("applications.deliver", lambda s: s.delivery_interval_s, delivery_jobs.run),
        # Applications nearing or past their deadline with the body: alerted once each, every minute.
        PeriodicJob(
            "applications.deadlines", lambda s: APPOINTMENTS_INTERVAL_S, applications_jobs.check_deadlines
        ),
        # Drafts never submitted, a day old in the hall or a month from home, discarded: hourly; and, in
        # a separate transaction after their deletion is committed, the files no document refers to.
        PeriodicJob("applications.purge_drafts", lambda s: HOURLY_S, applications_jobs.purge_drafts),
        PeriodicJob(
            "applications.sweep_documents",
            lambda s: applications_jobs.SWEEP_INTERVAL_S,
            applications_jobs.sweep_documents,
        ),
        # Citizens' ended sessions and old one-time codes: hourly.
        PeriodicJob("citizens.purge", lambda s: HOURLY_S, citizens_jobs.purge),
    ]


async def _claim(session: AsyncSession, name: str) -> bool:
    """One process at a time runs a periodic job: a transaction-scoped advisory lock on PostgreSQL
    (SQLite's BEGIN IMMEDIATE already serialises every writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    claimed = await session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    return bool(claimed.scalar())


class Worker:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: Hub, clock: Clock, settings: Settings
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.clock = clock
        self.settings = settings
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in schedule():
            self._tasks.append(asyncio.create_task(self._loop(job), name=job.name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def run_once(self, job: PeriodicJob) -> bool:
        """Run a job once; False when another process is running it right now."""
        async with unit_of_work(self.sessions) as session:
            if not await _claim(session, job.name):
                return False
            await job.run(session, self.clock, self.settings)
        live = collect_live(session)
        if live:
            await self.hub.publish(live)
        JOB_HEARTBEAT.labels(job.name).set(time.time())
        return True

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            try:
                await self.run_once(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker.job_failed", job=job.name)
            await asyncio.sleep(job.interval_s(self.settings))
