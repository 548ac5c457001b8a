"""The queue's domain services on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core.clock import ManualClock
from birtereze.core.errors import DomainError, InvalidTransition
from birtereze.core.events import Event
from birtereze.core.sql import Tx
from birtereze.queue import service as queue_service
from birtereze.queue.errors import (
    CentreClosed,
    NoShowTooEarly,
    NoTicketWaiting,
    OperatorAtAnotherWindow,
    OutcomeRequired,
    ParkedTicketsWaiting,
    RecallLimitReached,
    ServiceNotOffered,
)
from birtereze.queue.models import TicketCounter
from birtereze.queue.service import tickets
from birtereze.queue.service.rows import VisitRow
from tests.builders import World, open_around_the_clock
from tests.conftest import ALMATY, Database


async def issue(
    session: AsyncSession, world: World, now: datetime, service: str = "certificate", **extra: object
):  # type: ignore[no-untyped-def]
    return await queue_service.issue_ticket(
        session,
        branch_id=world.branch.id,
        service_id=world.services[service].id,
        now=now,
        **extra,  # type: ignore[arg-type]
    )


async def open_window(session: AsyncSession, world: World, number: int, profile: str, now: datetime) -> None:
    await queue_service.open_window(
        session,
        window_id=world.windows[number].id,
        staff_id=world.staff["operator"],
        work_profile_id=world.profiles[profile].id,
        now=now,
    )


async def test_it_numbers_tickets_per_queue_with_the_prefix(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    first = await issue(session, world, clock.now())
    second = await issue(session, world, clock.now(), "consultation")
    social = await issue(session, world, clock.now(), "benefit")
    assert [first.number, second.number, social.number] == ["A001", "A002", "B001"]


async def test_it_restarts_numbers_at_local_midnight_not_utc(session: AsyncSession, world: World) -> None:
    await open_around_the_clock(session, world.branch.id)
    # 23:50 and 23:59 in Almaty are the same local day; 00:01 is the next one, though UTC is still 18:01.
    late = datetime(2026, 11, 27, 23, 50, tzinfo=ALMATY)
    assert (await issue(session, world, late)).number == "A001"
    assert (await issue(session, world, late + timedelta(minutes=9))).number == "A002"
    after_midnight = datetime(2026, 11, 28, 0, 1, tzinfo=ALMATY)
    ticket = await issue(session, world, after_midnight)
    assert ticket.number == "A001"
    assert ticket.service_day.isoformat() == "2026-11-28"


async def test_it_refuses_a_service_not_offered(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    with pytest.raises(ServiceNotOffered):
        await queue_service.issue_ticket(
            session, branch_id=world.other_branch.id, service_id=world.services["benefit"].id, now=clock.now()
        )


async def test_it_routes_disability_tickets_to_the_priority_queue(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    ticket = await issue(session, world, clock.now(), priority_code="disability")
    assert ticket.queue_id == world.queues["P"].id and ticket.number == "P001"
    assert ticket.prefers_accessible


async def test_it_walks_a_ticket_through_call_serve_finish(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    ticket = await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    clock.advance(120)
    desk = await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    assert desk.visit is not None and desk.visit.id == ticket.id and desk.counter.state == "calling"
    clock.advance(30)
    desk = await queue_service.confirm(session, window_id=world.windows[2].id, now=clock.now())
    assert desk.counter.state == "serving" and desk.visit is not None and desk.visit.status == "serving"
    await queue_service.record_service(
        session,
        window_id=world.windows[2].id,
        service_id=world.services["certificate"].id,
        outcome_code="accepted",
        now=clock.now(),
    )
    clock.advance(300)
    desk = await queue_service.finish(session, window_id=world.windows[2].id, now=clock.now())
    assert desk.visit is not None and desk.visit.status == "finished" and desk.counter.state == "open"
    types = (
        (await session.execute(select(Event.type).where(Event.visit_id == ticket.id).order_by(Event.id)))
        .scalars()
        .all()
    )
    assert types == [
        "ticket.issued",
        "ticket.called",
        "ticket.confirmed",
        "service.recorded",
        "ticket.finished",
    ]


async def test_it_refuses_illegal_transitions(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    assert refused.value.detail("en") == "Cannot call a ticket while the window is closed."
    await open_window(session, world, 2, "all", clock.now())
    with pytest.raises(InvalidTransition):
        await queue_service.finish(session, window_id=world.windows[2].id, now=clock.now())
    with pytest.raises(NoTicketWaiting):
        await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())


async def test_it_limits_recalls_and_allows_no_show_after_them(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    window = world.windows[2].id
    await queue_service.call_next(session, window_id=window, now=clock.now())
    with pytest.raises(NoShowTooEarly):
        await queue_service.mark_no_show(session, window_id=window, now=clock.now())
    await queue_service.recall(session, window_id=window, now=clock.now())
    await queue_service.recall(session, window_id=window, now=clock.now())
    with pytest.raises(RecallLimitReached):
        await queue_service.recall(session, window_id=window, now=clock.now())
    desk = await queue_service.mark_no_show(session, window_id=window, now=clock.now())
    assert desk.visit is not None and desk.visit.status == "no_show" and desk.counter.state == "open"


async def test_it_allows_no_show_after_the_timeout(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    clock.advance(world.branch.no_show_after_s)
    desk = await queue_service.mark_no_show(session, window_id=world.windows[2].id, now=clock.now())
    assert desk.visit is not None and desk.visit.status == "no_show"


async def test_it_requires_the_outcome_when_the_service_says_so(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await issue(session, world, clock.now(), "benefit")
    await open_window(session, world, 2, "all", clock.now())
    window = world.windows[2].id
    await queue_service.call_next(session, window_id=window, now=clock.now())
    await queue_service.confirm(session, window_id=window, now=clock.now())
    with pytest.raises(OutcomeRequired):
        await queue_service.finish(session, window_id=window, now=clock.now())
    with pytest.raises(OutcomeRequired):
        await queue_service.record_service(
            session,
            window_id=window,
            service_id=world.services["benefit"].id,
            outcome_code=None,
            now=clock.now(),
        )
    await queue_service.record_service(
        session,
        window_id=window,
        service_id=world.services["benefit"].id,
        outcome_code="refused",
        now=clock.now(),
    )
    desk = await queue_service.finish(session, window_id=window, now=clock.now())
    assert desk.visit is not None and desk.visit.status == "finished"


async def test_it_transfers_with_a_delay_and_first_in_line(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    moved = await issue(session, world, clock.now())
    clock.advance(60)
    waiting = await issue(session, world, clock.now(), "benefit")
    await open_window(session, world, 2, "all", clock.now())
    window = world.windows[2].id
    await queue_service.call_next(session, window_id=window, now=clock.now())
    await queue_service.confirm(session, window_id=window, now=clock.now())
    desk = await queue_service.transfer(
        session,
        window_id=window,
        to_queue_id=world.queues["B"].id,
        first_in_line=True,
        delay_s=600,
        now=clock.now(),
    )
    assert desk.visit is not None and desk.visit.status == "waiting" and desk.counter.state == "open"
    # Not callable before the delay ends: the other ticket comes first.
    called = await queue_service.call_next(session, window_id=window, now=clock.now())
    assert called.visit is not None and called.visit.id == waiting.id
    await queue_service.confirm(session, window_id=window, now=clock.now())
    await queue_service.record_service(
        session,
        window_id=window,
        service_id=world.services["benefit"].id,
        outcome_code="accepted",
        now=clock.now(),
    )
    await queue_service.finish(session, window_id=window, now=clock.now())
    clock.advance(601)
    called = await queue_service.call_next(session, window_id=window, now=clock.now())
    assert called.visit is not None and called.visit.id == moved.id and called.visit.number == "A001"


async def test_it_transfers_to_a_window_pool_that_only_that_window_calls(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    ticket = await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    await queue_service.open_window(
        session,
        window_id=world.windows[3].id,
        staff_id=world.staff["operator2"],
        work_profile_id=world.profiles["all"].id,
        now=clock.now(),
    )
    await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    await queue_service.transfer(
        session, window_id=world.windows[2].id, to_window_id=world.windows[3].id, now=clock.now()
    )
    with pytest.raises(NoTicketWaiting):
        await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    desk = await queue_service.call_next(session, window_id=world.windows[3].id, now=clock.now())
    assert desk.visit is not None and desk.visit.id == ticket.id


async def test_it_parks_and_resumes_at_the_same_window(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    ticket = await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    window = world.windows[2].id
    await queue_service.call_next(session, window_id=window, now=clock.now())
    await queue_service.confirm(session, window_id=window, now=clock.now())
    desk = await queue_service.park(session, window_id=window, now=clock.now())
    assert desk.visit is not None and desk.visit.status == "parked" and desk.counter.state == "open"
    desk = await queue_service.call_visit(session, window_id=window, visit_id=ticket.id, now=clock.now())
    assert desk.counter.state == "serving" and desk.visit is not None and desk.visit.status == "serving"


async def test_it_lets_the_citizen_cancel_and_frees_the_calling_window(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    ticket = await issue(session, world, clock.now())
    await open_window(session, world, 2, "all", clock.now())
    await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    cancelled = await queue_service.cancel(session, visit_id=ticket.id, now=clock.now())
    assert cancelled.status == "cancelled"
    desk = await queue_service.get_counter(session, world.windows[2].id)
    assert desk.counter.state == "open" and desk.counter.visit_id is None
    last = (await session.execute(select(Event).order_by(Event.id.desc()).limit(1))).scalar_one()
    assert last.type == "ticket.cancelled" and last.window_id == world.windows[2].id
    assert last.data["state"] == "open"


async def test_it_sends_disability_tickets_to_the_open_accessible_window(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await issue(session, world, clock.now())
    disabled = await issue(session, world, clock.now(), priority_code="disability")
    await open_window(session, world, 2, "all", clock.now())
    await queue_service.open_window(
        session,
        window_id=world.windows[1].id,
        staff_id=world.staff["operator2"],
        work_profile_id=world.profiles["all"].id,
        now=clock.now(),
    )
    desk = await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
    assert desk.visit is not None and desk.visit.id != disabled.id
    desk = await queue_service.call_next(session, window_id=world.windows[1].id, now=clock.now())
    assert desk.visit is not None and desk.visit.id == disabled.id


async def test_it_counts_the_people_ahead(session: AsyncSession, world: World, clock: ManualClock) -> None:
    tickets = [await issue(session, world, clock.now() + timedelta(seconds=i)) for i in range(3)]
    elderly = await issue(session, world, clock.now() + timedelta(seconds=5), priority_code="elderly")
    assert [await queue_service.position_of(session, t) for t in tickets] == [1, 2, 3]
    assert await queue_service.position_of(session, elderly) == 0


async def test_it_numbers_by_each_branchs_own_time_zone(session: AsyncSession, world: World) -> None:
    branch = await branches_service.get(session, world.branch.id)
    await branches_service.update(session, branch, timezone="Europe/Moscow")  # UTC+3
    await open_around_the_clock(session, world.branch.id)
    # 22:30 in Almaty is 20:30 in Moscow: still the same Moscow day as 23:30 Moscow (01:30 Almaty next day).
    before = datetime(2026, 11, 27, 22, 30, tzinfo=ALMATY)
    after = datetime(2026, 11, 28, 1, 30, tzinfo=ALMATY)
    assert (await issue(session, world, before)).number == "A001"
    second = await issue(session, world, after)
    assert second.number == "A002"
    assert second.service_day.isoformat() == "2026-11-27"
    assert (await issue(session, world, datetime(2026, 11, 28, 3, 1, tzinfo=ALMATY))).number == "A001"


async def test_it_tells_subscribers_a_closed_window_is_closed(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await open_window(session, world, 2, "all", clock.now())
    await queue_service.close_window(session, window_id=world.windows[2].id, now=clock.now())
    closed = (
        await session.execute(
            select(Event).where(Event.window_id == world.windows[2].id, Event.type == "window.closed")
        )
    ).scalar_one()
    assert closed.data["state"] == "closed" and closed.staff_id == world.staff["operator"]


async def test_it_cancels_a_ticket_called_meanwhile_without_a_deadlock(
    db: Database, world: World, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The citizen's cancel reads the ticket while it waits; before the cancel locks it, a window calls it and
    # the operator confirms. Taking the window's counter after the ticket (the reverse of every window
    # operation's order) let PostgreSQL find a deadlock there.
    async with db.sessions() as setup:
        await open_window(setup, world, 2, "all", clock.now())
        ticket = await issue(setup, world, clock.now())
        await setup.commit()
    read, called, locked = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def unit(operation: Callable[[AsyncSession], Awaitable[object]]) -> str:
        async with db.sessions() as session:
            try:
                await operation(session)
            except DomainError as refusal:
                await session.rollback()
                return type(refusal).__name__
            await session.commit()
            return "done"

    load_visit = tickets.load_visit

    async def lock_once_called(tx: Tx, visit_id: int, *, lock: bool = False) -> VisitRow | None:
        if not lock:
            return await load_visit(tx, visit_id)
        read.set()
        with contextlib.suppress(TimeoutError):  # the call waits if the cancel holds the counters
            await asyncio.wait_for(called.wait(), 1.0)
        visit = await load_visit(tx, visit_id, lock=True)
        locked.set()
        await asyncio.sleep(0.3)  # the operator confirms meanwhile
        return visit

    async def cancel(session: AsyncSession) -> None:
        monkeypatch.setattr(tickets, "load_visit", lock_once_called)
        await queue_service.cancel(session, visit_id=ticket.id, now=clock.now())

    async def call() -> str:
        await read.wait()
        outcome = await unit(
            lambda s: queue_service.call_next(s, window_id=world.windows[2].id, now=clock.now())
        )
        called.set()
        return outcome

    async def confirm() -> str:
        await locked.wait()
        return await unit(lambda s: queue_service.confirm(s, window_id=world.windows[2].id, now=clock.now()))

    outcomes = await asyncio.gather(unit(cancel), call(), confirm())
    assert outcomes == ["done", "NoTicketWaiting", "InvalidTransition"]
    async with db.sessions() as check:
        assert (await queue_service.get_visit(check, ticket.id)).status == "cancelled"
        desk = await queue_service.get_counter(check, world.windows[2].id)
        assert desk.counter.state == "open" and desk.counter.visit_id is None


async def test_a_window_holding_parked_tickets_cannot_close_until_they_are_resumed(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    window_id = world.windows[2].id
    await open_window(session, world, 2, "all", clock.now())
    ticket = await issue(session, world, clock.now())
    await queue_service.call_next(session, window_id=window_id, now=clock.now())
    await queue_service.confirm(session, window_id=window_id, now=clock.now())
    await queue_service.park(session, window_id=window_id, now=clock.now())
    with pytest.raises(ParkedTicketsWaiting) as refused:
        await queue_service.close_window(session, window_id=window_id, now=clock.now())
    assert ticket.number in refused.value.detail("en")
    assert ticket.number in refused.value.detail("kk") and "талон" in refused.value.detail("kk")
    await queue_service.call_visit(session, window_id=window_id, visit_id=ticket.id, now=clock.now())
    await queue_service.finish(session, window_id=window_id, now=clock.now())
    desk = await queue_service.close_window(session, window_id=window_id, now=clock.now())
    assert desk.counter.state == "closed"


async def test_a_kiosk_gets_no_ticket_outside_opening_hours(session: AsyncSession, world: World) -> None:
    # Friday 27 November, 20:00 in Almaty: closed (09:00–20:00 Monday to Saturday), open again at 09:00.
    evening = datetime(2026, 11, 27, 20, 0, tzinfo=ALMATY)
    with pytest.raises(CentreClosed) as refused:
        await issue(session, world, evening)
    assert refused.value.detail("ru") == "Центр сейчас закрыт; талоны снова выдаются с 28.11.2026 09:00."
    with pytest.raises(CentreClosed):
        await issue(session, world, datetime(2026, 11, 28, 8, 59, tzinfo=ALMATY), channel="phone")
    # Staff on site may still register a visitor they are about to serve.
    assert (await issue(session, world, evening, channel="operator")).number == "A001"
    assert (await issue(session, world, datetime(2026, 11, 28, 9, 0, tzinfo=ALMATY))).number == "A001"


async def test_holidays_and_exception_days_set_the_hours(session: AsyncSession, world: World) -> None:
    # Sunday 29 November is normally a day off, opened 10:00–14:00 this once; Monday 30 is a holiday.
    branch_id = world.branch.id
    await branches_service.add_special_day(
        session,
        branch_id=branch_id,
        day=date(2026, 11, 29),
        kind="exception",
        opens=time(10),
        closes=time(14),
    )
    await branches_service.add_special_day(
        session, branch_id=branch_id, day=date(2026, 11, 30), kind="holiday"
    )
    assert (await issue(session, world, datetime(2026, 11, 29, 13, 59, tzinfo=ALMATY))).number == "A001"
    for closed in (
        datetime(2026, 11, 29, 14, 0, tzinfo=ALMATY),
        datetime(2026, 11, 30, 11, 0, tzinfo=ALMATY),
    ):
        with pytest.raises(CentreClosed) as refused:
            await issue(session, world, closed)
        assert "01.12.2026 09:00" in refused.value.detail("en")


async def test_new_hours_apply_to_the_next_ticket(session: AsyncSession, world: World) -> None:
    night = datetime(2026, 11, 27, 23, 0, tzinfo=ALMATY)
    with pytest.raises(CentreClosed):
        await issue(session, world, night)
    await open_around_the_clock(session, world.branch.id)
    assert (await issue(session, world, night)).number == "A001"


async def test_an_operator_works_at_one_window_at_a_time(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    await open_window(session, world, 2, "all", clock.now())
    with pytest.raises(OperatorAtAnotherWindow) as refused:
        await open_window(session, world, 3, "all", clock.now())
    assert (
        refused.value.detail("kk") == "Сіз 2-терезеде жұмыс істеп отырсыз: басқасын ашпас бұрын оны жабыңыз."
    )
    # On a break the operator is still at that window; once it is closed, another may be opened.
    await queue_service.start_break(session, window_id=world.windows[2].id, reason="lunch", now=clock.now())
    with pytest.raises(OperatorAtAnotherWindow):
        await open_window(session, world, 3, "all", clock.now())
    await queue_service.end_break(session, window_id=world.windows[2].id, now=clock.now())
    await queue_service.close_window(session, window_id=world.windows[2].id, now=clock.now())
    await open_window(session, world, 3, "all", clock.now())


async def test_numbers_grow_past_three_digits(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    first = await issue(session, world, clock.now())
    await session.execute(
        update(TicketCounter).where(TicketCounter.queue_id == first.queue_id).values(last=998)
    )
    numbers = [(await issue(session, world, clock.now())).number for _ in range(2)]
    assert numbers == ["A999", "A1000"]
