"""Remote tickets and the citizens' SMS about their tickets, through the services (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.notify.models import Notification
from birtereze.queue import load as queue_load
from birtereze.queue import service as queue_service
from birtereze.queue.errors import (
    ArrivalKeyInvalid,
    CentreClosed,
    CheckInByLocationOff,
    NoTicketWaiting,
    PhoneNotVerified,
    RemoteTicketActive,
    RemoteTicketsOff,
    ServiceNotOffered,
    TicketNotArrived,
    TooFarToCheckIn,
)
from birtereze.queue.service import notices, remote, tickets
from birtereze.queue.service.rows import VisitRow
from tests.appointments.conftest import create_citizen
from tests.builders import World
from tests.conftest import ALMATY

SECRET = "test-secret"
# Branch A of the test world stands here; a phone 150 m north of it, and one 2 km away.
CENTRE = (43.2380, 76.9450)
NEAR = remote.Position(43.2380 + 150 / 111_195, 76.9450, 30.0)
FAR = remote.Position(43.2380 + 2000 / 111_195, 76.9450, 30.0)


async def set_branch(session: AsyncSession, world: World, **fields: object) -> None:
    await branches_service.update(session, await branches_service.get(session, world.branch.id), **fields)


async def walk_in(session: AsyncSession, world: World, now: datetime) -> VisitRow:
    return await queue_service.issue_ticket(
        session, branch_id=world.branch.id, service_id=world.services["certificate"].id, now=now
    )


async def take(session: AsyncSession, world: World, citizen_id: int, now: datetime) -> VisitRow:
    return await remote.take(
        session,
        citizen_id=citizen_id,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        language="ru",
        now=now,
    )


async def open_window(session: AsyncSession, world: World, number: int, persona: str, now: datetime) -> None:
    await queue_service.open_window(
        session,
        window_id=world.windows[number].id,
        staff_id=world.staff[persona],
        work_profile_id=world.profiles["all"].id,
        now=now,
    )


async def call(session: AsyncSession, world: World, number: int, now: datetime) -> VisitRow:
    desk = await queue_service.call_next(session, window_id=world.windows[number].id, now=now)
    assert desk.visit is not None
    return desk.visit


async def sms(session: AsyncSession, template: str) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.template == template).order_by(Notification.id)
    )
    return list(rows.all())


async def test_a_remote_ticket_keeps_its_place_but_is_called_only_after_check_in(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now)
    first = await walk_in(session, world, now)
    phone = await take(session, world, citizen.id, now + timedelta(minutes=1))
    last = await walk_in(session, world, now + timedelta(minutes=2))
    assert phone.channel == "remote" and phone.arrived_at is None and phone.citizen_id == citizen.id
    assert first.arrived_at == first.issued_at
    assert await tickets.position_of(session, last) == 2  # the remote ticket is counted ahead
    later = now + timedelta(minutes=5)
    await open_window(session, world, 2, "operator", later)
    await open_window(session, world, 3, "operator2", later)
    assert (await call(session, world, 2, later)).id == first.id
    assert (await call(session, world, 3, later)).id == last.id  # passed over, not called
    assert await tickets.position_of(session, await queue_service.get_visit(session, phone.id)) == 0
    await open_window(session, world, 1, "manager", later)
    with pytest.raises(NoTicketWaiting):
        await call(session, world, 1, later)
    with pytest.raises(TicketNotArrived):
        await queue_service.call_visit(session, window_id=world.windows[1].id, visit_id=phone.id, now=later)
    arrived_at = now + timedelta(minutes=7)
    arrived = await remote.arrive(session, visit_id=phone.id, now=arrived_at, how="kiosk_code")
    assert arrived.arrived_at == arrived_at and arrived.queued_at == arrived_at
    assert arrived.line_at == phone.line_at  # its place is kept
    again = await remote.arrive(session, visit_id=phone.id, now=arrived_at + timedelta(minutes=1), how="x")
    assert again.arrived_at == arrived_at
    assert (await call(session, world, 1, arrived_at)).id == phone.id
    events = (await session.scalars(select(Event.type).where(Event.visit_id == phone.id))).all()
    assert events.count("ticket.arrived") == 1


async def test_it_refuses_a_remote_ticket_without_phone_twice_when_off_or_closed(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now)
    no_phone = await create_citizen(session, 1, now)
    no_phone.phone = None
    await session.flush()
    with pytest.raises(PhoneNotVerified):
        await take(session, world, no_phone.id, now)
    held = await take(session, world, citizen.id, now)
    with pytest.raises(RemoteTicketActive) as refused:
        await take(session, world, citizen.id, now)
    assert held.number in refused.value.detail("en")
    other = await remote.take(
        session,
        citizen_id=citizen.id,
        branch_id=world.other_branch.id,
        service_id=world.services["certificate"].id,
        language="kk",
        now=now,
    )  # one per centre: another centre's is fine
    assert other.branch_id == world.other_branch.id
    with pytest.raises(ServiceNotOffered):
        await remote.take(
            session,
            citizen_id=(await create_citizen(session, 2, now)).id,
            branch_id=world.other_branch.id,
            service_id=world.services["benefit"].id,
            language="kk",
            now=now,
        )
    await queue_service.cancel(session, visit_id=held.id, now=now)
    assert (await take(session, world, citizen.id, now)).id != held.id  # a cancelled ticket frees the place
    third = await create_citizen(session, 3, now)
    with pytest.raises(CentreClosed):
        await take(session, world, third.id, datetime(2026, 11, 27, 21, 0, tzinfo=ALMATY))
    await set_branch(session, world, remote_tickets=False)
    with pytest.raises(RemoteTicketsOff):
        await take(session, world, third.id, now)


async def test_it_checks_in_by_the_kiosks_current_code_or_by_location(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    await set_branch(session, world, latitude=CENTRE[0], longitude=CENTRE[1])
    first = await create_citizen(session, 0, now)
    second = await create_citizen(session, 1, now)
    by_code = await take(session, world, first.id, now)
    by_place = await take(session, world, second.id, now)
    # The kiosk's code of 20 minutes ago is no longer taken; that of 10 minutes ago still is.
    stale = remote.arrival_key(SECRET, world.branch.id, now - timedelta(seconds=2 * remote.ARRIVAL_KEY_S))
    with pytest.raises(ArrivalKeyInvalid):
        await remote.arrive_by_key(
            session, citizen_id=first.id, branch_id=world.branch.id, key=stale, secret=SECRET, now=now
        )
    recent = remote.arrival_key(SECRET, world.branch.id, now - timedelta(seconds=remote.ARRIVAL_KEY_S))
    assert recent != remote.arrival_key(SECRET, world.branch.id, now)
    arrived = await remote.arrive_by_key(
        session, citizen_id=first.id, branch_id=world.branch.id, key=recent, secret=SECRET, now=now
    )
    assert arrived.id == by_code.id and arrived.arrived_at == now
    with pytest.raises(TooFarToCheckIn) as far:
        await remote.arrive_by_location(session, visit=by_place, position=FAR, now=now)
    assert "2000" in far.value.detail("en")
    arrived = await remote.arrive_by_location(session, visit=by_place, position=NEAR, now=now)
    assert arrived.arrived_at == now
    await set_branch(session, world, check_in_radius_m=None)
    third = await take(session, world, (await create_citizen(session, 2, now)).id, now)
    with pytest.raises(CheckInByLocationOff):
        await remote.arrive_by_location(session, visit=third, position=NEAR, now=now)


async def test_it_sends_each_citizen_notice_once_and_cancels_a_ticket_not_checked_in(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    first = await create_citizen(session, 0, now, language="ru")
    second = await create_citizen(session, 1, now, language="en")
    await walk_in(session, world, now)
    held = await take(session, world, first.id, now + timedelta(seconds=1))
    behind = await remote.take(
        session,
        citizen_id=second.id,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        language="en",
        now=now + timedelta(seconds=2),
    )
    done = await notices.notify_citizens(session, now=now + timedelta(seconds=3))
    assert (done.position, done.called, done.cancelled) == (1, 0, 0)
    told = await sms(session, "ticket_position_remote")
    assert [n.recipient for n in told] == [first.phone] and told[0].language == "ru"
    assert held.number in (told[0].body or "") and "2" in (told[0].body or "")
    again = await notices.notify_citizens(session, now=now + timedelta(seconds=5))
    assert (again.position, again.called, again.cancelled) == (0, 0, 0)
    # The hold (20 min by default) passes without a check-in: the ticket is cancelled, its holder told,
    # and the one behind moves up to second and is told in turn.
    hold_over = now + timedelta(seconds=3 + 1200)
    done = await notices.notify_citizens(session, now=hold_over)
    assert (done.position, done.cancelled) == (1, 1)
    cancelled = await queue_service.get_visit(session, held.id)
    assert cancelled.status == "cancelled" and cancelled.ended_at == hold_over
    reasons = (
        await session.scalars(
            select(Event.data).where(Event.visit_id == held.id, Event.type == "ticket.cancelled")
        )
    ).all()
    assert reasons == [{"number": held.number, "reason": "not_arrived"}]
    assert [n.recipient for n in await sms(session, "ticket_not_arrived")] == [first.phone]
    told = await sms(session, "ticket_position_remote")
    assert [n.recipient for n in told] == [first.phone, second.phone]
    assert "you are number 2 in line" in (told[1].body or "")
    # The second checks in in time and is called: "go to window 2", once.
    await remote.arrive(session, visit_id=behind.id, now=hold_over, how="location")
    await open_window(session, world, 2, "operator", hold_over)
    await open_window(session, world, 3, "operator2", hold_over)
    await call(session, world, 2, hold_over)
    assert (await call(session, world, 3, hold_over)).id == behind.id
    done = await notices.notify_citizens(session, now=hold_over + timedelta(seconds=2))
    assert (done.position, done.called, done.cancelled) == (0, 1, 0)
    called = await sms(session, "ticket_called")
    assert [n.recipient for n in called] == [second.phone] and "window 3" in (called[0].body or "")
    await queue_service.recall(session, window_id=world.windows[3].id, now=hold_over + timedelta(seconds=30))
    await notices.notify_citizens(session, now=hold_over + timedelta(seconds=32))
    assert len(await sms(session, "ticket_called")) == 1
    # Nothing is sent about tickets without a citizen.
    assert {n.recipient for n in await session.scalars(select(Notification))} == {first.phone, second.phone}


async def test_it_tells_an_arrived_citizen_ticket_its_place_and_respects_the_centres_setting(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now, language="kk")
    booked = await queue_service.issue_ticket(
        session,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        appointment=True,
        citizen_id=citizen.id,
        language="kk",
        now=now,
    )
    await set_branch(session, world, remote_notify_position=0)
    assert (await notices.notify_citizens(session, now=now)).position == 0
    await set_branch(session, world, remote_notify_position=2)
    assert (await notices.notify_citizens(session, now=now)).position == 1
    told = await sms(session, "ticket_position")
    assert [n.language for n in told] == ["kk"] and booked.number in (told[0].body or "")


async def test_where_the_centre_sends_no_place_message_a_remote_ticket_is_still_told_to_come(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now, language="en")
    await set_branch(session, world, remote_notify_position=0)
    await walk_in(session, world, now)
    held = await take(session, world, citizen.id, now)
    assert (await notices.notify_citizens(session, now=now)).position == 0  # second: not yet
    await open_window(session, world, 2, "operator", now)
    await call(session, world, 2, now)
    assert (await notices.notify_citizens(session, now=now)).position == 1  # first in line: come now
    told = await sms(session, "ticket_position_remote")
    assert [n.recipient for n in told] == [citizen.phone] and held.number in (told[0].body or "")


async def test_a_transferred_ticket_waits_afresh_and_its_holder_is_told_again(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now, language="en")
    booked = await queue_service.issue_ticket(
        session,
        branch_id=world.branch.id,
        service_id=world.services["certificate"].id,
        appointment=True,
        citizen_id=citizen.id,
        language="en",
        now=now,
    )
    await open_window(session, world, 2, "operator", now)
    assert (await call(session, world, 2, now)).id == booked.id
    await notices.notify_citizens(session, now=now)
    await queue_service.confirm(session, window_id=world.windows[2].id, now=now)
    later = now + timedelta(minutes=5)
    waiting = await walk_in(session, world, later - timedelta(minutes=1))
    moved = await queue_service.transfer(
        session, window_id=world.windows[2].id, to_queue_id=world.queues["A"].id, now=later
    )
    assert moved.visit is not None and not moved.visit.appointment  # its booked time was honoured
    # Now it waits like anyone: the walk-in who came first is called first.
    await open_window(session, world, 3, "operator2", later)
    assert (await call(session, world, 3, later + timedelta(minutes=1))).id == waiting.id
    assert (await call(session, world, 2, later + timedelta(minutes=1))).id == booked.id
    await notices.notify_citizens(session, now=later + timedelta(minutes=1))
    called = await sms(session, "ticket_called")
    assert [n.recipient for n in called] == [citizen.phone, citizen.phone]
    assert "window 2" in (called[1].body or "")


async def test_the_load_counts_a_remote_ticket_in_the_line_but_not_its_time_away_as_waiting(
    session: AsyncSession, world: World, clock: ManualClock
) -> None:
    now = clock.now()
    citizen = await create_citizen(session, 0, now)
    held = await take(session, world, citizen.id, now)
    await walk_in(session, world, now + timedelta(minutes=20))
    later = now + timedelta(minutes=25)
    for load in (
        await queue_load.branch_load(session, branch_id=world.branch.id, now=later),
        (await queue_load.branch_loads(session, branch_ids=[world.branch.id], now=later))[world.branch.id],
    ):
        line = load.queues[held.queue_id]
        assert line.waiting == 2 and line.longest_wait_s == 300.0  # the walk-in's 5 minutes, not 25
    await remote.arrive(session, visit_id=held.id, now=later, how="kiosk_code")
    load = await queue_load.branch_load(session, branch_id=world.branch.id, now=later + timedelta(minutes=1))
    assert load.queues[held.queue_id].longest_wait_s == 360.0  # waits at the centre since its check-in
