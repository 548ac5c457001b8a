"""The applications' periodic work: deadline alerts (nearing, overdue), each sent once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.applications import service
from birtereze.core.clock import Clock
from birtereze.core.settings import Settings


async def check_deadlines(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``applications.deadlines``: applications with the body nearing or past their deadline."""
    await service.check_deadlines(
        session, now=clock.now(), near=timedelta(seconds=settings.application_deadline_near_s)
    )
