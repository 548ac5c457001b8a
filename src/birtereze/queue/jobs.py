"""Periodic jobs of the queue domain (scheduled in birtereze.worker)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.clock import Clock
from birtereze.core.settings import Settings
from birtereze.queue.service import alerts, notices, tickets


async def check_normatives(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    await alerts.check_normatives(session, now=clock.now())


async def close_past_days(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    await tickets.close_past_days(session, now=clock.now())


async def notify_citizens(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    await notices.notify_citizens(session, now=clock.now())
