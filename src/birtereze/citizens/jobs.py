"""The citizens' periodic work: forgetting ended sessions and old one-time codes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.citizens import service
from birtereze.core.clock import Clock
from birtereze.core.settings import Settings


async def purge(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``citizens.purge``: sessions that ended or idled out, and codes older than two days, deleted."""
    await service.purge_expired(session, policy=service.Policy.from_settings(settings), now=clock.now())
