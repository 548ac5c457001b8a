"""Booked visitors in the line: checked in at the kiosk, their wait counted from the slot's time, and called
within the norm even behind a long walk-in line (issue 4's fairness acceptance), through the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.appointments import service
from birtereze.core.clock import ManualClock
from birtereze.queue import service as queue_service
from birtereze.queue.service import notices
from birtereze.queue.service.rows import VisitRow
from tests.appointments.conftest import create_citizen, outbox
from tests.builders import World, names
from tests.conftest import ALMATY

SLOT = datetime(2026, 11, 27, 11, 0, tzinfo=ALMATY)
SERVICE_TIME = timedelta(minutes=8)
NORM = timedelta(minutes=15)  # the centre's max_wait_s


async def demo_profile(session: AsyncSession, world: World) -> int:
    """As the demo centre's windows work: longest wait first, any ticket over 15 minutes first."""
    profile = await queue_service.create_profile(
        session, branch_id=world.branch.id, code="demo", names=names("Demo"), overdue_after_s=900
    )
    for position, key in enumerate(("P", "A", "B")):
        await queue_service.add_profile_queue(
            session, profile_id=profile.id, queue_id=world.queues[key].id, position=position
        )
    return profile.id


async def test_a_booked_visitor_on_time_is_called_within_the_norm_behind_thirty_walk_ins(
    session: AsyncSession, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    profile_id = await demo_profile(session, world)
    citizen = await create_citizen(session, 0, clock.now())
    booking = await service.book(
        session,
        citizen_id=citizen.id,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        slot_start=SLOT,
        language="ru",
        now=clock.now(),
        policy=policy,
    )
    # Thirty walk-ins from the opening at 09:00, long before the slot: all overdue by 11:00.
    for minute in range(30):
        await queue_service.issue_ticket(
            session,
            branch_id=world.branch.id,
            service_id=world.services["certificate"].id,
            now=datetime(2026, 11, 27, 9, minute, tzinfo=ALMATY),
        )
    start = datetime(2026, 11, 27, 10, 50, tzinfo=ALMATY)
    free_at: dict[int, datetime] = {}
    for number, persona in ((2, "operator"), (3, "operator2")):
        await queue_service.open_window(
            session,
            window_id=world.windows[number].id,
            staff_id=world.staff[persona],
            work_profile_id=profile_id,
            now=start,
        )
        free_at[number] = start
    arrival = SLOT - timedelta(minutes=2)
    booked: VisitRow | None = None
    called_at: datetime | None = None
    while called_at is None:
        number = min(free_at, key=lambda n: (free_at[n], n))
        now = free_at[number]
        assert now < SLOT + timedelta(hours=2), "the booked visitor was never called"
        if booked is None and now >= arrival:
            clock.set(arrival)
            checked_in = await service.check_in(
                session,
                branch_id=world.branch.id,
                code=booking.code,
                channel="kiosk",
                now=arrival,
                policy=policy,
            )
            booked = checked_in.visit
            assert booked is not None and booked.appointment and booked.citizen_id == citizen.id
            # The wait counts from the slot's time (the visitor came two minutes early).
            assert booked.queued_at == SLOT and booked.line_at == SLOT
        clock.set(now)
        desk = await queue_service.call_next(session, window_id=world.windows[number].id, now=now)
        assert desk.visit is not None
        if booked is not None and desk.visit.id == booked.id:
            called_at = now
            break
        await queue_service.confirm(session, window_id=world.windows[number].id, now=now)
        await queue_service.finish(session, window_id=world.windows[number].id, now=now + SERVICE_TIME)
        free_at[number] = now + SERVICE_TIME
    assert SLOT <= called_at <= SLOT + NORM
    # The visitor signed in to book: the "called" SMS goes to their phone.
    await notices.notify_citizens(session, now=called_at + timedelta(seconds=2))
    called = await outbox(session, "ticket_called")
    assert [n.recipient for n in called] == [citizen.phone]


async def test_a_booked_visitor_arriving_late_counts_the_wait_from_the_arrival(
    session: AsyncSession, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    citizen = await create_citizen(session, 0, clock.now())
    booking = await service.book(
        session,
        citizen_id=citizen.id,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        slot_start=SLOT,
        language="ru",
        now=clock.now(),
        policy=policy,
    )
    late = SLOT + timedelta(minutes=5)
    checked_in = await service.check_in(
        session, branch_id=world.branch.id, code=booking.code, channel="kiosk", now=late, policy=policy
    )
    assert checked_in.visit is not None and checked_in.visit.queued_at == late
