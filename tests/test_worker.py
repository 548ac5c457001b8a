"""The background worker: periodic jobs run once at a time and publish what they change."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text

from birtereze.core.clock import ManualClock
from birtereze.core.live import Hub
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
from birtereze.queue.models import Alert
from birtereze.worker import Worker, schedule
from tests.builders import World
from tests.conftest import Database


def normatives_job():  # type: ignore[no-untyped-def]
    return next(job for job in schedule() if job.name == "queue.check_normatives")


async def test_it_raises_an_alert_and_publishes_it(db: Database, world: World, clock: ManualClock) -> None:
    async with db.sessions() as session:
        await queue_service.issue_ticket(
            session, branch_id=world.branch.id, service_id=world.services["certificate"].id, now=clock.now()
        )
        await session.commit()
    clock.advance(16 * 60)
    hub = Hub()
    worker = Worker(db.sessions, hub, clock, Settings(database_url=db.url))
    async with hub.subscribe(world.branch.id) as events:
        assert await worker.run_once(normatives_job())
        published = events.get_nowait()
    assert published is not None and published["type"] == "alert.raised" and published["kind"] == "wait"
    async with db.sessions() as session:
        kinds = (await session.execute(select(Alert.kind).where(Alert.cleared_at.is_(None)))).scalars().all()
    assert kinds == ["wait"]


async def test_it_skips_a_job_another_process_is_running(
    db: Database, world: World, clock: ManualClock
) -> None:
    worker = Worker(db.sessions, Hub(), clock, Settings(database_url=db.url))
    if db.name != "postgresql":
        assert await worker.run_once(normatives_job())
        return
    key = int.from_bytes(hashlib.sha256(b"queue.check_normatives").digest()[:8], "big", signed=True)
    async with db.engine.connect() as other:
        await other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            assert not await worker.run_once(normatives_job())
        finally:
            await other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    assert await worker.run_once(normatives_job())
