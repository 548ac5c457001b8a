"""The applications' periodic work: deadline alerts (nearing, overdue), each sent once; abandoned drafts
discarded; and the stored files no document refers to any more swept away."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import service
from birtereze.applications.documents import DocumentStore
from birtereze.core.clock import Clock
from birtereze.core.settings import Settings

log = structlog.get_logger(__name__)

# The document store's 256 folders (the hashes' first two hex digits), swept a sixteenth a run: the whole
# store every sixteen runs, and no run that lists millions of files.
PREFIXES: Final = tuple(f"{n:02x}" for n in range(256))
SWEEP_SHARDS: Final = 16
SWEEP_INTERVAL_S: Final = 3600.0


async def check_deadlines(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``applications.deadlines``: applications with the body nearing or past their deadline."""
    await service.check_deadlines(
        session, now=clock.now(), near=timedelta(seconds=settings.application_deadline_near_s)
    )


async def purge_drafts(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``applications.purge_drafts``: drafts never submitted, left a day in the hall or a month at home."""
    discarded = await service.purge_drafts(
        session,
        now=clock.now(),
        hall_after=timedelta(seconds=settings.application_draft_hall_ttl_s),
        after=timedelta(seconds=settings.application_draft_ttl_s),
    )
    if discarded:
        log.info("applications.drafts_discarded", count=discarded)


def sweep_shard(now_s: float) -> tuple[str, ...]:
    """The sixteenth of the store's folders whose turn it is in the hour ``now_s`` falls in."""
    shard = int(now_s // SWEEP_INTERVAL_S) % SWEEP_SHARDS
    return PREFIXES[shard::SWEEP_SHARDS]


async def sweep_documents(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``applications.sweep_documents``: files of discarded drafts and replaced uploads deleted."""
    now = clock.now()
    removed = await service.sweep_documents(
        session,
        DocumentStore.from_settings(settings),
        prefixes=sweep_shard(now.timestamp()),
        older_than=now - timedelta(seconds=settings.document_orphan_grace_s),
    )
    if removed:
        log.info("applications.documents_swept", count=removed)
