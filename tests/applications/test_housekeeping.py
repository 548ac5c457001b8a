"""The applications' housekeeping: drafts never submitted are discarded (a day after their last change
in the hall, a month from home), and the stored files no document refers to any more are swept away
once old enough, never one that a new upload has just stored again (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import jobs, service
from birtereze.applications.models import Application, ApplicationDocument
from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.core.settings import Settings
from birtereze.worker import schedule
from tests.applications.support import PDF, PNG, store
from tests.applications.test_service import submitted, take
from tests.builders import World

DAY = timedelta(days=1)


async def test_stale_drafts_are_discarded_by_where_they_were_begun(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    kiosk = await take(session, ready, clock, tmp_path, channel="kiosk", staff_id=None)
    at_home = await take(session, ready, clock, tmp_path, channel="portal", staff_id=None)
    sent = await submitted(session, ready, clock, tmp_path)
    clock.advance(DAY - timedelta(minutes=1))
    edited = await take(session, ready, clock, tmp_path)  # an operator's, changed a minute ago
    clock.advance(timedelta(minutes=2))

    discarded = await service.purge_drafts(session, now=clock.now(), hall_after=DAY, after=30 * DAY)

    assert discarded == 1
    left = set(await session.scalars(select(Application.id)))
    assert left == {at_home.id, sent.id, edited.id}
    assert not (await session.scalars(select(ApplicationDocument).filter_by(application_id=kiosk.id))).all()
    events = (await session.scalars(select(Event).where(Event.type == "application.discarded"))).all()
    assert [event.data["number"] for event in events] == [kiosk.number]

    clock.advance(30 * DAY)
    assert await service.purge_drafts(session, now=clock.now(), hall_after=DAY, after=30 * DAY) == 2
    # A submitted application is never a draft to discard, however old.
    assert set(await session.scalars(select(Application.id))) == {sent.id}


async def test_the_files_no_document_refers_to_are_swept_once_old(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    documents = store(tmp_path)
    kept = await take(session, ready, clock, tmp_path)  # the PDF, still referred to
    dropped = await take(session, ready, clock, tmp_path)
    await service.add_document(
        session, dropped, code="application_scan", content=PNG, store=documents, now=clock.now()
    )
    png = documents.put(PNG, content_type="image/png").sha256
    pdf = documents.put(PDF, content_type="application/pdf").sha256
    orphan = documents.put(b"%PDF-1.4 never referred to", content_type="application/pdf").sha256
    await session.execute(ApplicationDocument.__table__.delete().where(ApplicationDocument.sha256 == png))
    assert kept.id != dropped.id

    every = [f"{n:02x}" for n in range(256)]
    removed = await service.sweep_documents(session, documents, prefixes=every, older_than=clock.now() - DAY)
    assert removed == 0  # the files were stored just now, however the clock runs

    later = clock.now() + 2 * DAY
    _age(documents.path(png), documents.path(pdf), documents.path(orphan))
    documents.put(PNG, content_type="image/png")  # stored again: a new upload is about to refer to it
    removed = await service.sweep_documents(session, documents, prefixes=every, older_than=later - DAY)

    assert removed == 1
    assert not documents.path(orphan).exists()
    assert documents.read(pdf) == PDF and documents.read(png) == PNG


def _age(*paths: Path) -> None:
    old = os.stat(paths[0]).st_mtime - 3 * 24 * 3600
    for path in paths:
        os.utime(path, (old, old))


def test_the_sweep_takes_every_folder_in_sixteen_hours() -> None:
    hours = [jobs.sweep_shard(hour * jobs.SWEEP_INTERVAL_S + 5.0) for hour in range(16)]
    assert sorted(prefix for shard in hours for prefix in shard) == list(jobs.PREFIXES)
    assert jobs.sweep_shard(16 * jobs.SWEEP_INTERVAL_S) == hours[0]


@pytest.mark.parametrize("name", ["applications.purge_drafts", "applications.sweep_documents"])
async def test_the_jobs_run_with_the_settings(
    session: AsyncSession, ready: World, clock: ManualClock, tmp_path: Path, name: str
) -> None:
    draft = await take(session, ready, clock, tmp_path, channel="kiosk", staff_id=None)
    clock.advance(2 * DAY)
    settings = Settings(documents_dir=tmp_path / "documents", application_draft_hall_ttl_s=86400)
    job = next(job for job in schedule() if job.name == name)
    await job.run(session, clock, settings)
    gone = await session.get(Application, draft.id) is None
    assert gone is (name == "applications.purge_drafts")
