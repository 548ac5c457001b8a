"""The applications' housekeeping: drafts never submitted are discarded (a day after their last change
in the hall, a month from home), and the stored files no document refers to any more are swept away
once old enough, never one that a new upload has just stored again (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import jobs, service
from birtereze.applications.errors import ApplicationNotFound
from birtereze.applications.models import Application, ApplicationDocument
from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.core.settings import Settings
from birtereze.worker import schedule
from tests.applications.support import PDF, PNG, store
from tests.applications.test_service import submitted, take
from tests.builders import World
from tests.conftest import Database

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


def test_a_file_stored_again_while_being_swept_is_kept(tmp_path: Path) -> None:
    """The sweep moves a file aside before deleting it: an upload of the same bytes that touched it just
    before keeps it (moved back), and one that comes after the move writes it afresh."""
    documents = store(tmp_path)
    sha256 = documents.put(PDF, content_type="application/pdf").sha256
    _age(documents.path(sha256))
    cutoff = os.stat(documents.path(sha256)).st_mtime + 3600

    documents.put(PDF, content_type="application/pdf")  # stored again after the sweep listed it
    assert documents.remove_if_before(sha256, cutoff) is False
    assert documents.read(sha256) == PDF

    _age(documents.path(sha256))
    assert documents.remove_if_before(sha256, cutoff) is True
    assert not documents.path(sha256).exists()
    assert not list(documents.path(sha256).parent.glob(".sweep-*"))
    assert documents.remove_if_before(sha256, cutoff) is False  # gone already: nothing to do
    documents.put(PDF, content_type="application/pdf")  # the upload after the move writes it afresh
    assert documents.read(sha256) == PDF


async def test_an_empty_database_never_sweeps_a_used_folder(
    session: AsyncSession, ready: World, tmp_path: Path
) -> None:
    documents = store(tmp_path)
    sha256 = documents.put(PDF, content_type="application/pdf").sha256
    _age(documents.path(sha256))
    every = [f"{n:02x}" for n in range(256)]
    later = datetime.now(UTC) + 2 * DAY
    assert await service.sweep_documents(session, documents, prefixes=every, older_than=later) == 0
    assert documents.path(sha256).exists()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_draft_being_changed_is_passed_by_and_one_discarded_is_not_found(
    db: Database, ready: World, clock: ManualClock, tmp_path: Path
) -> None:
    async with db.sessions() as setup:
        editing = await take(setup, ready, clock, tmp_path, channel="kiosk", staff_id=None)
        idle = await take(setup, ready, clock, tmp_path, channel="kiosk", staff_id=None)
        await setup.commit()
    clock.advance(2 * DAY)
    async with db.sessions() as editor, db.sessions() as purger:
        application = await editor.get(Application, editing.id)
        assert application is not None
        await service.update(editor, application, now=clock.now(), form={"child_name": "Aigerim"})
        # The editor holds the draft's row: the purge passes it by and discards the other one.
        assert await service.purge_drafts(purger, now=clock.now(), hall_after=DAY, after=30 * DAY) == 1
        await purger.commit()
        await editor.commit()
    async with db.sessions() as check:
        assert await check.get(Application, editing.id) is not None
        assert await check.get(Application, idle.id) is None
        gone = Application(id=idle.id, status="draft")
        with pytest.raises(ApplicationNotFound):
            await service.update(check, gone, now=clock.now(), form={})
