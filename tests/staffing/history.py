"""A branch with a past: tickets issued over the last weeks, and enough operators for a roster.

Branch A of ``create_world`` is open 09:00–20:00 from Monday to Saturday. Its history here: one ticket of
queue A every half hour from 10:00 to 15:30 on the weekdays of the three weeks before the test's Friday
(so the forecast expects about one ticket per half hour then, and nothing on Saturday), and four
operators in all, enough to cover the need of every weekday with lunches.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from birtereze.queue import service as queue_service
from birtereze.staff import service as staff_service
from tests.builders import World
from tests.conftest import ALMATY, START, Database

FIRST_SLOT = time(10, 0)
SLOTS_A_DAY = 12
WEEKS = 3
NEXT_MONDAY = date(2026, 11, 30)
EXTRA_OPERATORS = ("operator3", "operator4")


def history_days(today: date = START.date(), weeks: int = WEEKS) -> list[date]:
    first = today - timedelta(days=7 * weeks)
    return [first + timedelta(days=i) for i in range(7 * weeks) if (first + timedelta(days=i)).weekday() < 5]


async def add_history(db: Database, world: World) -> int:
    """Issue the past tickets through the queue engine; returns how many."""
    issued = 0
    async with db.sessions() as session:
        for day in history_days():
            for slot in range(SLOTS_A_DAY):
                at = datetime.combine(day, FIRST_SLOT, ALMATY) + timedelta(minutes=30 * slot)
                await queue_service.issue_ticket(
                    session, branch_id=world.branch.id, service_id=world.services["certificate"].id, now=at
                )
                issued += 1
        for username in EXTRA_OPERATORS:
            created = await staff_service.create(
                session,
                username=username,
                full_name=username.title(),
                role="operator",
                password=None,
                branch_ids=[world.branch.id],
                now=START,
            )
            world.staff[username] = created.id
        await session.commit()
    return issued
