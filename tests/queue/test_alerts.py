"""Normatives: each breach raises one live alert, and it clears when the breach ends (both DBs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.queue import service as queue_service
from birtereze.queue.models import Alert, Queue, Visit
from birtereze.queue.service import alerts
from tests.builders import World


async def issue(session: AsyncSession, world: World, now: datetime, service: str = "certificate") -> Visit:
    return await queue_service.issue_ticket(
        session, branch_id=world.branch.id, service_id=world.services[service].id, now=now
    )


async def open_window(session: AsyncSession, world: World, number: int, now: datetime) -> int:
    window_id = world.windows[number].id
    await queue_service.open_window(
        session,
        window_id=window_id,
        staff_id=world.staff["operator"],
        work_profile_id=world.profiles["all"].id,
        now=now,
    )
    return window_id


async def check(session: AsyncSession, world: World, clock: ManualClock) -> tuple[list[str], list[str]]:
    """One run of the normatives job for branch A: the subjects raised and cleared, as kind@subject."""
    raised, cleared = await alerts.check_normatives(session, now=clock.now(), branch_ids=[world.branch.id])
    return [f"{a.kind}@{a.subject}" for a in raised], [f"{a.kind}@{a.subject}" for a in cleared]


async def alert_events(session: AsyncSession, world: World) -> list[tuple[str, str, str]]:
    rows = (
        await session.execute(
            select(Event.type, Event.data)
            .where(Event.branch_id == world.branch.id, Event.type.like("alert.%"))
            .order_by(Event.id)
        )
    ).all()
    return [(row.type, row.data["kind"], row.data["subject"]) for row in rows]


async def stored(session: AsyncSession, world: World) -> list[tuple[str, str, bool]]:
    rows = (
        await session.execute(select(Alert).where(Alert.branch_id == world.branch.id).order_by(Alert.id))
    ).scalars()
    return [(a.kind, a.subject, a.cleared_at is None) for a in rows]


async def test_it_raises_a_wait_alert_once_and_clears_it_when_the_ticket_is_called(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    queue_a = f"queue:{world.queues['A'].id}"
    await issue(session, world, clock.now())
    clock.advance(15 * 60)
    assert await check(session, world, clock) == ([], [])  # at the norm, not over it
    clock.advance(1)
    assert await check(session, world, clock) == ([f"wait@{queue_a}"], [])
    clock.advance(60)
    assert await check(session, world, clock) == ([], [])
    open_alert = (await alerts.list_alerts(session, branch_id=world.branch.id))[0]
    assert open_alert.value == 16 * 60 + 1 and open_alert.limit == 15 * 60
    window = await open_window(session, world, 2, clock.now())
    await queue_service.call_next(session, window_id=window, now=clock.now())
    assert await check(session, world, clock) == ([], [f"wait@{queue_a}"])
    assert await check(session, world, clock) == ([], [])
    assert await alert_events(session, world) == [
        ("alert.raised", "wait", queue_a),
        ("alert.cleared", "wait", queue_a),
    ]
    assert await stored(session, world) == [("wait", queue_a, False)]
    assert await alerts.list_alerts(session, branch_id=world.branch.id) == []
    assert len(await alerts.list_alerts(session, branch_id=world.branch.id, open_only=False)) == 1


async def test_it_uses_the_queues_own_wait_norm_and_raises_anew_after_a_clear(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    queue_b = world.queues["B"]
    await session.execute(update(Queue).where(Queue.id == queue_b.id).values(max_wait_s=120))
    first = await issue(session, world, clock.now(), "benefit")
    clock.advance(121)
    assert await check(session, world, clock) == ([f"wait@queue:{queue_b.id}"], [])
    await queue_service.cancel(session, visit_id=first.id, now=clock.now())
    assert await check(session, world, clock) == ([], [f"wait@queue:{queue_b.id}"])
    await issue(session, world, clock.now(), "benefit")
    clock.advance(121)
    assert await check(session, world, clock) == ([f"wait@queue:{queue_b.id}"], [])
    assert [open_ for *_, open_ in await stored(session, world)] == [False, True]


async def test_it_raises_a_service_time_alert_and_clears_it_at_the_finish(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await issue(session, world, clock.now())
    window = await open_window(session, world, 2, clock.now())
    await queue_service.call_next(session, window_id=window, now=clock.now())
    await queue_service.confirm(session, window_id=window, now=clock.now())
    subject = f"window:{window}"
    clock.advance(15 * 60 + 1)
    assert await check(session, world, clock) == ([f"service_time@{subject}"], [])
    clock.advance(60)
    assert await check(session, world, clock) == ([], [])
    await queue_service.finish(session, window_id=window, now=clock.now())
    assert await check(session, world, clock) == ([], [f"service_time@{subject}"])
    assert await alert_events(session, world) == [
        ("alert.raised", "service_time", subject),
        ("alert.cleared", "service_time", subject),
    ]


async def test_it_raises_an_idle_alert_for_an_open_window_while_its_queues_wait(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    window = await open_window(session, world, 2, clock.now())
    subject = f"window:{window}"
    # Idle for an hour with nobody waiting: no breach.
    clock.advance(3600)
    assert await check(session, world, clock) == ([], [])
    await issue(session, world, clock.now())
    # The idle time while people wait counts from the ticket's arrival, not from the window's opening.
    clock.advance(5 * 60)
    assert await check(session, world, clock) == ([], [])
    clock.advance(1)
    assert await check(session, world, clock) == ([f"idle_window@{subject}"], [])
    assert await check(session, world, clock) == ([], [])
    await queue_service.call_next(session, window_id=window, now=clock.now())
    assert await check(session, world, clock) == ([], [f"idle_window@{subject}"])
    assert await alert_events(session, world) == [
        ("alert.raised", "idle_window", subject),
        ("alert.cleared", "idle_window", subject),
    ]


async def test_it_counts_a_windows_own_pool_but_not_queues_outside_its_profile(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    social = world.windows[3].id
    await queue_service.open_window(
        session,
        window_id=social,
        staff_id=world.staff["operator2"],
        work_profile_id=world.profiles["social"].id,  # queue B only
        now=clock.now(),
    )
    await issue(session, world, clock.now())  # queue A: not this window's to call
    clock.advance(6 * 60)
    assert await check(session, world, clock) == ([], [])
    pooled = await issue(session, world, clock.now())
    other = await open_window(session, world, 2, clock.now())
    await queue_service.call_visit(session, window_id=other, visit_id=pooled.id, now=clock.now())
    await queue_service.transfer(session, window_id=other, to_window_id=social, now=clock.now())
    await queue_service.close_window(session, window_id=other, now=clock.now())
    clock.advance(5 * 60 + 1)
    assert await check(session, world, clock) == ([f"idle_window@window:{social}"], [])


async def test_it_raises_a_queue_length_alert_and_clears_it_when_the_line_shortens(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    queue_a = world.queues["A"]
    await session.execute(update(Queue).where(Queue.id == queue_a.id).values(max_length=2))
    tickets = [await issue(session, world, clock.now()) for _ in range(2)]
    assert await check(session, world, clock) == ([], [])
    tickets.append(await issue(session, world, clock.now()))
    subject = f"queue:{queue_a.id}"
    assert await check(session, world, clock) == ([f"queue_length@{subject}"], [])
    tickets.append(await issue(session, world, clock.now()))
    assert await check(session, world, clock) == ([], [])
    assert (await alerts.list_alerts(session, branch_id=world.branch.id))[0].value == 4
    for ticket in tickets[:2]:
        await queue_service.cancel(session, visit_id=ticket.id, now=clock.now())
    assert await check(session, world, clock) == ([], [f"queue_length@{subject}"])
    assert await alert_events(session, world) == [
        ("alert.raised", "queue_length", subject),
        ("alert.cleared", "queue_length", subject),
    ]
