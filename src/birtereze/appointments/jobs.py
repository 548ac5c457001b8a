"""The appointments' periodic work: reminders that are due, and bookings whose arrival window closed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.appointments import service
from birtereze.core.clock import Clock
from birtereze.core.settings import Settings


async def remind(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    """``appointments.remind``: the day-before and hour-before SMS, each once, then the missed sweep."""
    policy = service.Policy.from_settings(settings)
    now = clock.now()
    await service.send_reminders(session, now=now, policy=policy)
    await service.mark_missed(session, now=now, policy=policy)
