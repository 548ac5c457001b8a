"""Bookings: the slot grid from the centre's data, limits, rescheduling and cancelling with their SMS,
reminders once each, check-in in the arrival window, and the last place under concurrent bookings."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from birtereze.appointments import errors, service
from birtereze.appointments.models import Booking
from birtereze.branches import service as branches_service
from birtereze.core.clock import ManualClock
from birtereze.core.events import Event
from birtereze.core.settings import Settings
from birtereze.queue import service as queue_service
from tests.appointments.conftest import create_citizen, outbox
from tests.builders import World, names
from tests.conftest import ALMATY, Database

SATURDAY = date(2026, 11, 28)


def at(hour: int, minute: int = 0, day: date = SATURDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ALMATY)


async def book(
    db: Database,
    world: World,
    clock: ManualClock,
    policy: service.Policy,
    *,
    citizen: int = 0,
    start: datetime | None = None,
    service_key: str = "certificate",
) -> Booking:
    async with db.sessions() as session:
        person = await create_citizen(session, citizen, clock.now())
        booking = await service.book(
            session,
            citizen_id=person.id,
            branch_id=world.branch.id,
            service_id=world.services[service_key].id,
            slot_start=start or at(11),
            language="ru",
            now=clock.now(),
            policy=policy,
        )
        await session.commit()
        return booking


async def test_it_builds_the_grid_from_hours_holidays_and_serving_windows(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    async with db.sessions() as session:
        args = {"branch_id": world.branch.id, "service_id": world.services["certificate"].id}
        saturday = await service.list_slots(session, day=SATURDAY, now=clock.now(), policy=policy, **args)
        assert len(saturday.slots) == 44 and saturday.length == timedelta(minutes=15)
        # three windows in the queue's zone, half of them for bookings: one place per slot
        assert {slot.capacity for slot in saturday.slots} == {1}
        sunday = await service.list_slots(
            session, day=SATURDAY + timedelta(days=1), now=clock.now(), policy=policy, **args
        )
        assert sunday.slots == []
        await branches_service.add_special_day(
            session, branch_id=world.branch.id, day=SATURDAY, kind="holiday"
        )
        holiday = await service.list_slots(session, day=SATURDAY, now=clock.now(), policy=policy, **args)
        assert holiday.slots == []
        # windows opened with a profile that does not serve queue A stop counting for it
        for number in (1, 2, 3):
            await queue_service.open_window(
                session,
                window_id=world.windows[number].id,
                staff_id=world.staff["operator"]
                if number == 1
                else world.staff["operator2"]
                if number == 2
                else world.staff["manager"],
                work_profile_id=world.profiles["social"].id,
                now=clock.now(),
            )
        assert (
            await service.serving_windows(session, branch_id=world.branch.id, queue_id=world.queues["A"].id)
            == 0
        )
        assert (
            await service.serving_windows(session, branch_id=world.branch.id, queue_id=world.queues["B"].id)
            == 3
        )


async def test_it_books_a_seat_with_a_code_an_event_and_an_sms_and_refuses_a_full_slot(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    first = await book(db, world, clock, policy)
    assert first.status == "booked" and first.seat == 0 and len(first.code) == 6
    assert set(first.code) <= set(service.CODE_ALPHABET)
    with pytest.raises(errors.SlotFull):
        await book(db, world, clock, policy, citizen=1)
    with pytest.raises(errors.SlotNotOffered):
        await book(db, world, clock, policy, citizen=1, start=at(11, 5))
    with pytest.raises(errors.SlotNotOffered):
        await book(db, world, clock, policy, citizen=1, start=at(9, 30, day=date(2026, 11, 27)))  # past
    async with db.sessions() as session:
        sms = await outbox(session, "appointment_booked")
        assert len(sms) == 1 and first.code in sms[0].body and "11:00" in sms[0].body
        assert sms[0].recipient.endswith("0")
        types = (await session.scalars(select(Event.type).where(Event.type.like("appointment.%")))).all()
        assert types == ["appointment.booked"]
        grid = await service.list_slots(
            session,
            branch_id=world.branch.id,
            service_id=world.services["certificate"].id,
            day=SATURDAY,
            now=clock.now(),
            policy=policy,
        )
        taken = [slot for slot in grid.slots if slot.start == at(11)]
        assert taken[0].free == 0


async def test_it_keeps_the_citizens_limits(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    await book(db, world, clock, policy, start=at(10))
    with pytest.raises(errors.ServiceBookedThatDay):
        await book(db, world, clock, policy, start=at(12))
    await book(db, world, clock, policy, start=at(12), service_key="consultation")
    await book(db, world, clock, policy, start=at(12), service_key="benefit")
    with pytest.raises(errors.TooManyActive):
        await book(db, world, clock, policy, start=at(10, day=date(2026, 12, 1)))
    async with db.sessions() as session:
        mine = await service.list_mine(session, citizen_id=(await create_citizen(session, 0, clock.now())).id)
        for booking in mine:
            await service.cancel(
                session, booking_id=booking.id, citizen_id=booking.citizen_id, now=clock.now()
            )
        await session.commit()
    limited = replace(policy, max_per_30_days=4)  # four made in 30 days, cancelled ones included
    await book(db, world, clock, limited, start=at(10, day=date(2026, 12, 1)))
    with pytest.raises(errors.TooManyThisMonth):
        await book(db, world, clock, limited, start=at(10, day=date(2026, 12, 2)))


async def test_it_reschedules_and_cancels_with_the_seat_given_back_and_an_sms_each(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    booking = await book(db, world, clock, policy)
    async with db.sessions() as session:
        moved = await service.reschedule(
            session,
            booking_id=booking.id,
            citizen_id=booking.citizen_id,
            slot_start=at(15),
            now=clock.now(),
            policy=policy,
        )
        await session.commit()
        assert moved.slot_start == at(15) and moved.seat == 0
    other = await book(db, world, clock, policy, citizen=1)  # the old slot is free again
    assert other.slot_start == at(11)
    async with db.sessions() as session:
        with pytest.raises(errors.SlotFull):
            await service.reschedule(
                session,
                booking_id=booking.id,
                citizen_id=booking.citizen_id,
                slot_start=at(11),
                now=clock.now(),
                policy=policy,
            )
        with pytest.raises(Exception, match="not found"):
            await service.cancel(session, booking_id=booking.id, citizen_id=other.citizen_id, now=clock.now())
    async with db.sessions() as session:
        cancelled = await service.cancel(
            session, booking_id=booking.id, citizen_id=booking.citizen_id, now=clock.now()
        )
        await session.commit()
        assert cancelled.status == "cancelled" and cancelled.seat is None
        with pytest.raises(errors.NotBooked):
            await service.cancel(
                session, booking_id=booking.id, citizen_id=booking.citizen_id, now=clock.now()
            )
    async with db.sessions() as session:
        assert len(await outbox(session, "appointment_booked")) == 3  # booked, moved, the other citizen's
        cancelled_sms = await outbox(session, "appointment_cancelled")
        assert len(cancelled_sms) == 1 and "15:00" in cancelled_sms[0].body
        types = (
            await session.scalars(
                select(Event.type).where(Event.type.like("appointment.%")).order_by(Event.id)
            )
        ).all()
        assert types == [
            "appointment.booked",
            "appointment.rescheduled",
            "appointment.booked",
            "appointment.cancelled",
        ]
    await book(db, world, clock, policy, citizen=2, start=at(15))  # the cancelled seat is free


async def test_it_sends_each_reminder_once(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    booking = await book(db, world, clock, policy, start=at(11))

    async def remind() -> int:
        async with db.sessions() as session:
            sent = await service.send_reminders(session, now=clock.now(), policy=policy)
            await session.commit()
            return sent

    assert await remind() == 0  # booked at 10:00 on Friday: the day before is 11:00
    clock.set(at(11, 0, day=date(2026, 11, 27)))
    assert await remind() == 1
    assert await remind() == 0
    clock.set(at(9, 59))
    assert await remind() == 0
    clock.set(at(10, 0))
    assert await remind() == 1
    clock.advance(120)
    assert await remind() == 0
    async with db.sessions() as session:
        sms = await outbox(session, "appointment_reminder")
        assert len(sms) == 2 and all(booking.code in m.body for m in sms)


async def test_a_reminder_whose_moment_passed_before_booking_is_not_sent(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    clock.set(at(10, 30))
    await book(db, world, clock, policy, start=at(11))
    async with db.sessions() as session:
        assert await service.send_reminders(session, now=clock.now(), policy=policy) == 0


async def check_in(
    db: Database, world: World, clock: ManualClock, policy: service.Policy, code: str
) -> service.CheckIn:
    async with db.sessions() as session:
        done = await service.check_in(
            session, branch_id=world.branch.id, code=code, channel="kiosk", now=clock.now(), policy=policy
        )
        await session.commit()
        return done


async def test_it_checks_in_within_the_arrival_window_with_an_appointment_ticket(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    booking = await book(db, world, clock, policy, start=at(11))
    clock.set(at(10, 40))
    with pytest.raises(errors.TooEarly) as early:
        await check_in(db, world, clock, policy, booking.code)
    assert early.value.params["opens"] == "10:45"
    with pytest.raises(errors.BookingCodeUnknown):
        await check_in(db, world, clock, policy, "ZZZZZZ")
    clock.set(at(10, 50))
    done = await check_in(db, world, clock, policy, booking.code.lower())
    assert done.visit is not None and done.visit.appointment and done.visit.language == "ru"
    assert done.booking.status == "checked_in" and done.booking.visit_id == done.visit.id
    with pytest.raises(errors.NotBooked):
        await check_in(db, world, clock, policy, booking.code)


async def test_a_late_visitor_is_missed_and_the_sweep_marks_the_rest(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    late = await book(db, world, clock, policy, start=at(11))
    absent = await book(db, world, clock, policy, citizen=1, start=at(12))
    clock.set(at(11, 11))
    done = await check_in(db, world, clock, policy, late.code)
    assert done.visit is None and done.booking.status == "missed"
    async with db.sessions() as session:
        assert await service.mark_missed(session, now=clock.now(), policy=policy) == 0
        clock.set(at(12, 11))
        assert await service.mark_missed(session, now=clock.now(), policy=policy) == 1
        await session.commit()
        assert (await session.get(Booking, absent.id)) is not None
        status = await session.scalar(select(Booking.status).where(Booking.id == absent.id))
        assert status == "missed"


# SQLite serialises writers: the race is PostgreSQL's.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_only_one_of_two_concurrent_bookings_takes_the_last_place(
    db: Database, world: World, clock: ManualClock, policy: service.Policy
) -> None:
    async with db.sessions() as session:
        ids = [(await create_citizen(session, n, clock.now())).id for n in (1, 2)]
        await session.commit()
    gate = asyncio.Event()

    async def attempt(citizen_id: int) -> str:
        async with db.sessions() as session:
            await session.execute(select(1))
            await gate.wait()
            try:
                await service.book(
                    session,
                    citizen_id=citizen_id,
                    branch_id=world.branch.id,
                    service_id=world.services["certificate"].id,
                    slot_start=at(11),
                    language="kk",
                    now=clock.now(),
                    policy=policy,
                )
                await asyncio.sleep(0.2)  # hold the seat uncommitted while the other tries
                await session.commit()
                return "booked"
            except errors.SlotFull:
                return "full"

    tasks = [asyncio.create_task(attempt(citizen_id)) for citizen_id in ids]
    await asyncio.sleep(0.05)
    gate.set()
    assert sorted(await asyncio.gather(*tasks)) == ["booked", "full"]
    async with db.sessions() as session:
        seats = (await session.scalars(select(Booking.seat).where(Booking.slot_start == at(11)))).all()
        assert seats == [0]


async def test_a_booked_visitor_on_time_is_called_before_a_long_walk_in_queue(
    db: Database, world: World, clock: ManualClock, policy: service.Policy, settings: Settings
) -> None:
    """Fairness by the calling rules: appointment tickets routed to their own queue, which a strict-order
    profile serves first."""
    async with db.sessions() as session:
        zone = (await branches_service.list_zones(session, branch_id=world.branch.id))[0]
        booked_queue = await queue_service.create_queue(
            session, branch_id=world.branch.id, zone_id=zone.id, prefix="Z", names=names("Appointments")
        )
        await queue_service.add_rule(
            session, branch_id=world.branch.id, queue_id=booked_queue.id, position=0, appointment=True
        )
        profile = await queue_service.create_profile(
            session,
            branch_id=world.branch.id,
            code="booked_first",
            names=names("Booked first"),
            rule="strict_order",
        )
        for position, queue_id in enumerate((booked_queue.id, world.queues["A"].id)):
            await queue_service.add_profile_queue(
                session, profile_id=profile.id, queue_id=queue_id, position=position
            )
        await session.commit()
    booking = await book(db, world, clock, policy, start=at(11))
    clock.set(at(10, 0))
    async with db.sessions() as session:
        for _ in range(25):  # a long walk-in queue, all waiting longer than the booked visitor
            await queue_service.issue_ticket(
                session,
                branch_id=world.branch.id,
                service_id=world.services["certificate"].id,
                now=clock.now(),
            )
        await session.commit()
    clock.set(at(10, 55))
    done = await check_in(db, world, clock, policy, booking.code)
    assert done.visit is not None and done.visit.queue_id == booked_queue.id
    clock.advance(60)
    async with db.sessions() as session:
        await queue_service.open_window(
            session,
            window_id=world.windows[2].id,
            staff_id=world.staff["operator"],
            work_profile_id=profile.id,
            now=clock.now(),
        )
        desk = await queue_service.call_next(session, window_id=world.windows[2].id, now=clock.now())
        await session.commit()
    assert desk.visit is not None and desk.visit.id == done.visit.id
    assert desk.visit.called_at is not None
    assert (desk.visit.called_at - done.visit.queued_at).total_seconds() <= world.branch.max_wait_s
