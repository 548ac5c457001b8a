"""Appointments domain logic: the only writer of the bookings.

A booking holds one seat of one slot; the seat's unique constraint is the last word when two citizens
race for the last place. Every change is an event and, where the citizen should know, an SMS in the
outbox, both in the caller's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.appointments import slots as slot_grid
from birtereze.appointments.errors import (
    BookingCodeUnknown,
    NotBooked,
    ServiceBookedThatDay,
    SlotFull,
    SlotNotOffered,
    TooEarly,
    TooManyActive,
    TooManyThisMonth,
)
from birtereze.appointments.models import Booking
from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.citizens import service as citizens_service
from birtereze.core import events
from birtereze.core.errors import NotFound
from birtereze.core.settings import Settings
from birtereze.notify import service as notify_service
from birtereze.queue import service as queue_service
from birtereze.queue.service.rows import VisitRow

log = structlog.get_logger(__name__)

# Booking codes: no 0/O, 1/I/L, so that a code read aloud or typed at the kiosk is not mistaken.
CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 6
SEAT_TRIES: Final = 5


@dataclass(frozen=True, slots=True)
class Policy:
    horizon_days: int
    capacity_share: float
    slot_s: int
    max_active: int
    max_per_service_day: int
    max_per_30_days: int
    early_s: int
    late_s: int
    reminder_day_s: int
    reminder_hour_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            horizon_days=settings.appointment_horizon_days,
            capacity_share=settings.appointment_capacity_share,
            slot_s=settings.appointment_slot_s,
            max_active=settings.appointment_max_active,
            max_per_service_day=settings.appointment_max_per_service_day,
            max_per_30_days=settings.appointment_max_per_30_days,
            early_s=settings.appointment_early_s,
            late_s=settings.appointment_late_s,
            reminder_day_s=settings.appointment_reminder_day_s,
            reminder_hour_s=settings.appointment_reminder_hour_s,
        )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed: case and spaces do not matter."""
    return "".join(text.split()).upper()


# --- the slot grid -------------------------------------------------------------------------------


async def serving_windows(session: AsyncSession, *, branch_id: int, queue_id: int) -> int:
    """Windows that serve ``queue_id``: those whose work profile (the one they last opened with) lists
    the queue; a window never opened yet counts when it stands in the queue's zone."""
    queue = await queue_service.get_queue(session, queue_id, branch_id=branch_id)
    serving = set()
    for profile in await queue_service.list_profiles(session, branch_id=branch_id):
        served = await queue_service.list_profile_queues(session, profile_id=profile.id)
        if any(line.queue_id == queue_id for line in served):
            serving.add(profile.id)
    windows = 0
    for window, counter in await queue_service.list_counters(session, branch_id=branch_id):
        profile_id = counter.work_profile_id if counter is not None else None
        if profile_id is None:
            windows += window.zone_id == queue.zone_id
        else:
            windows += profile_id in serving
    return windows


def slot_length(service: Service, policy: Policy) -> timedelta:
    return timedelta(seconds=service.max_service_s or policy.slot_s)


async def _queue_of(session: AsyncSession, *, branch_id: int, service_id: int) -> int:
    for offer in await queue_service.list_offered(session, branch_id=branch_id):
        if offer.service_id == service_id:
            return offer.queue_id
    raise NotFound("Service")


async def _booked(
    session: AsyncSession, *, branch_id: int, service_id: int, day: date
) -> dict[datetime, int]:
    rows = await session.execute(
        select(Booking.slot_start, func.count())
        .where(
            Booking.branch_id == branch_id,
            Booking.service_id == service_id,
            Booking.day == day,
            Booking.seat.is_not(None),
        )
        .group_by(Booking.slot_start)
    )
    return {start: int(count) for start, count in rows.all()}


@dataclass(frozen=True, slots=True)
class DaySlots:
    branch: Branch
    service: Service
    day: date
    length: timedelta
    slots: list[slot_grid.Slot]


async def list_slots(
    session: AsyncSession, *, branch_id: int, service_id: int, day: date, now: datetime, policy: Policy
) -> DaySlots:
    """The day's bookable slots of a service at a centre, with their free places."""
    branch = await branches_service.get(session, branch_id)
    if not branch.active:
        raise NotFound("Branch")
    service = await catalog_service.get(session, service_id)
    queue_id = await _queue_of(session, branch_id=branch_id, service_id=service_id)
    hours = branches_service.hours_on(
        day,
        await branches_service.list_hours(session, branch_id=branch_id),
        await branches_service.list_special_days(session, branch_id=branch_id, since=day),
    )
    windows = await serving_windows(session, branch_id=branch_id, queue_id=queue_id)
    length = slot_length(service, policy)
    grid = slot_grid.day_slots(
        day=day,
        timezone=branch.timezone,
        hours=hours,
        length=length,
        places=slot_grid.capacity(windows, policy.capacity_share),
        booked=await _booked(session, branch_id=branch_id, service_id=service_id, day=day),
        now=now,
        horizon_days=policy.horizon_days,
    )
    return DaySlots(branch=branch, service=service, day=day, length=length, slots=grid)


# --- limits --------------------------------------------------------------------------------------


async def _count(session: AsyncSession, *conditions: object) -> int:
    return int(await session.scalar(select(func.count()).select_from(Booking).where(*conditions)) or 0)  # type: ignore[arg-type]


async def _check_limits(
    session: AsyncSession,
    *,
    citizen_id: int,
    service_id: int,
    day: date,
    now: datetime,
    policy: Policy,
    moving: Booking | None = None,
) -> None:
    others = () if moving is None else (Booking.id != moving.id,)
    active = await _count(
        session, Booking.citizen_id == citizen_id, Booking.status == "booked", Booking.slot_end > now, *others
    )
    if moving is None and active >= policy.max_active:
        raise TooManyActive(limit=policy.max_active)
    same_day = await _count(
        session,
        Booking.citizen_id == citizen_id,
        Booking.service_id == service_id,
        Booking.day == day,
        Booking.status.in_(("booked", "checked_in")),
        *others,
    )
    if same_day >= policy.max_per_service_day:
        raise ServiceBookedThatDay()
    if moving is None:
        recent = await _count(
            session, Booking.citizen_id == citizen_id, Booking.created_at > now - timedelta(days=30)
        )
        if recent >= policy.max_per_30_days:
            raise TooManyThisMonth(limit=policy.max_per_30_days)


# --- booking, rescheduling, cancelling -----------------------------------------------------------


async def _free_slot(
    session: AsyncSession, *, branch_id: int, service_id: int, start: datetime, now: datetime, policy: Policy
) -> tuple[DaySlots, slot_grid.Slot]:
    branch = await branches_service.get(session, branch_id)
    day = branches_service.service_day(branch.timezone, start)
    grid = await list_slots(
        session, branch_id=branch_id, service_id=service_id, day=day, now=now, policy=policy
    )
    slot = slot_grid.find(grid.slots, start)
    if slot is None:
        raise SlotNotOffered()
    if slot.free <= 0:
        raise SlotFull()
    return grid, slot


async def _take_seat(session: AsyncSession, booking: Booking, slot: slot_grid.Slot) -> None:
    """Give ``booking`` the lowest free seat of ``slot`` (and a code free that day), retrying when a
    concurrent booking took the same seat or code first; SlotFull when no seat is left."""
    # Read before any try: a failed savepoint expires the row's attributes, which must not be loaded lazily.
    own_id, branch_id, service_id = booking.id or 0, booking.branch_id, booking.service_id
    for attempt in range(SEAT_TRIES):
        taken = set(
            (
                await session.scalars(
                    select(Booking.seat).where(
                        Booking.branch_id == branch_id,
                        Booking.service_id == service_id,
                        Booking.slot_start == slot.start,
                        Booking.seat.is_not(None),
                        Booking.id != own_id,
                    )
                )
            ).all()
        )
        free = [seat for seat in range(slot.capacity) if seat not in taken]
        if not free:
            raise SlotFull()
        try:
            async with session.begin_nested():
                booking.seat = free[0]
                booking.slot_start, booking.slot_end = slot.start, slot.end
                session.add(booking)
                await session.flush()
        except IntegrityError:
            booking.code = new_code()
            continue
        if attempt:
            await session.refresh(booking)
        return
    raise SlotFull()


async def _notify(
    session: AsyncSession, booking: Booking, *, template: str, now: datetime, branch: Branch | None = None
) -> None:
    citizen = await citizens_service.get(session, booking.citizen_id)
    if citizen is None:
        return
    branch = branch or await branches_service.get(session, booking.branch_id)
    service = await catalog_service.get(session, booking.service_id)
    local = booking.slot_start.astimezone(ZoneInfo(branch.timezone))
    language = booking.language
    queued = await notify_service.to_citizen(
        session,
        citizen_id=citizen.id,
        phone=citizen.phone,
        template=template,
        language=language,
        params={
            "centre": getattr(branch, f"name_{language}"),
            "date": local.strftime("%d.%m.%Y"),
            "time": local.strftime("%H:%M"),
            "service": getattr(service, f"name_{language}"),
            "code": booking.code,
        },
        now=now,
        branch_id=booking.branch_id,
    )
    if not queued:
        log.info("appointments.not_notified", booking_id=booking.id, reason="no phone, no push")


async def _event(session: AsyncSession, booking: Booking, type: str, now: datetime, **data: object) -> None:
    await events.append(
        session,
        branch_id=booking.branch_id,
        at=now,
        type=type,
        visit_id=booking.visit_id,
        data={
            "booking_id": booking.id,
            "service_id": booking.service_id,
            "slot_start": booking.slot_start.isoformat(),
            "status": booking.status,
            **data,
        },
    )


async def book(
    session: AsyncSession,
    *,
    citizen_id: int,
    branch_id: int,
    service_id: int,
    slot_start: datetime,
    language: str,
    now: datetime,
    policy: Policy,
) -> Booking:
    """Book a place in a free slot, within the citizen's limits; the SMS confirmation goes in the outbox."""
    grid, slot = await _free_slot(
        session, branch_id=branch_id, service_id=service_id, start=slot_start, now=now, policy=policy
    )
    await _check_limits(
        session, citizen_id=citizen_id, service_id=service_id, day=grid.day, now=now, policy=policy
    )
    booking = Booking(
        citizen_id=citizen_id,
        branch_id=branch_id,
        service_id=service_id,
        day=grid.day,
        code=new_code(),
        status="booked",
        language=language,
        created_at=now,
        changed_at=now,
    )
    await _take_seat(session, booking, slot)
    await _event(session, booking, "appointment.booked", now, code=booking.code)
    await _notify(session, booking, template="appointment_booked", now=now, branch=grid.branch)
    return booking


async def get_mine(session: AsyncSession, booking_id: int, *, citizen_id: int, lock: bool = False) -> Booking:
    """One of the citizen's own bookings; another's does not exist for them."""
    statement = select(Booking).where(Booking.id == booking_id, Booking.citizen_id == citizen_id)
    if lock:
        statement = statement.with_for_update()
    booking = await session.scalar(statement)
    if booking is None:
        raise NotFound("Booking")
    return booking


async def list_mine(session: AsyncSession, *, citizen_id: int, limit: int = 50) -> Sequence[Booking]:
    statement = (
        select(Booking)
        .where(Booking.citizen_id == citizen_id)
        .order_by(Booking.slot_start.desc(), Booking.id.desc())
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def reschedule(
    session: AsyncSession,
    *,
    booking_id: int,
    citizen_id: int,
    slot_start: datetime,
    now: datetime,
    policy: Policy,
) -> Booking:
    """Move an active booking to another free slot of the same service and centre, within the limits."""
    booking = await get_mine(session, booking_id, citizen_id=citizen_id, lock=True)
    if booking.status != "booked" or booking.slot_end <= now:
        raise NotBooked()
    grid, slot = await _free_slot(
        session,
        branch_id=booking.branch_id,
        service_id=booking.service_id,
        start=slot_start,
        now=now,
        policy=policy,
    )
    if slot.start == booking.slot_start:
        return booking
    await _check_limits(
        session,
        citizen_id=citizen_id,
        service_id=booking.service_id,
        day=grid.day,
        now=now,
        policy=policy,
        moving=booking,
    )
    previous = booking.slot_start
    booking.seat = None  # the old seat is given back first, so that the move cannot collide with itself
    await session.flush()
    booking.day = grid.day
    booking.changed_at = now
    booking.reminded_day_at = booking.reminded_hour_at = None
    await _take_seat(session, booking, slot)
    await _event(session, booking, "appointment.rescheduled", now, previous_slot_start=previous.isoformat())
    await _notify(session, booking, template="appointment_booked", now=now, branch=grid.branch)
    return booking


async def cancel(session: AsyncSession, *, booking_id: int, citizen_id: int, now: datetime) -> Booking:
    """Cancel an active booking: its seat is free again at once."""
    booking = await get_mine(session, booking_id, citizen_id=citizen_id, lock=True)
    if booking.status != "booked":
        raise NotBooked()
    booking.status = "cancelled"
    booking.seat = None
    booking.changed_at = now
    await session.flush()
    await _event(session, booking, "appointment.cancelled", now)
    await _notify(session, booking, template="appointment_cancelled", now=now)
    return booking


# --- arrival -------------------------------------------------------------------------------------


def arrival_window(booking: Booking, policy: Policy) -> tuple[datetime, datetime]:
    return (
        booking.slot_start - timedelta(seconds=policy.early_s),
        booking.slot_start + timedelta(seconds=policy.late_s),
    )


@dataclass(frozen=True, slots=True)
class CheckIn:
    booking: Booking
    visit: VisitRow | None  # None: too late, the booking is missed


async def _mark_missed(session: AsyncSession, booking: Booking, now: datetime) -> None:
    booking.status = "missed"
    booking.changed_at = now
    await session.flush()
    await _event(session, booking, "appointment.missed", now)


async def check_in(
    session: AsyncSession, *, branch_id: int, code: str, channel: str, now: datetime, policy: Policy
) -> CheckIn:
    """The visitor has arrived: in the arrival window a ticket is issued as an appointment ticket; too
    early, TooEarly; too late, the booking is marked missed (and the visitor joins the walk-in queue)."""
    branch = await branches_service.get(session, branch_id)
    today = branches_service.service_day(branch.timezone, now)
    booking = await session.scalar(
        select(Booking)
        .where(Booking.branch_id == branch_id, Booking.day == today, Booking.code == normalise_code(code))
        .with_for_update()
    )
    if booking is None:
        raise BookingCodeUnknown()
    if booking.status != "booked":
        raise NotBooked()
    opens, closes = arrival_window(booking, policy)
    if now < opens:
        raise TooEarly(opens=opens.astimezone(ZoneInfo(branch.timezone)).strftime("%H:%M"))
    if now > closes:
        await _mark_missed(session, booking, now)
        return CheckIn(booking=booking, visit=None)
    # The wait counts from the slot's time (or from the arrival, when later): the calling rules serve a
    # booked visitor whose time has come before the walk-in line (queue.calling).
    visit = await queue_service.issue_ticket(
        session,
        branch_id=branch_id,
        service_id=booking.service_id,
        appointment=True,
        language=booking.language,
        channel=channel,
        citizen_id=booking.citizen_id,
        queued_at=max(now, booking.slot_start),
        now=now,
    )
    booking.status = "checked_in"
    booking.visit_id = visit.id
    booking.changed_at = now
    await session.flush()
    await _event(session, booking, "appointment.checked_in", now, number=visit.number)
    return CheckIn(booking=booking, visit=visit)


# --- periodic work -------------------------------------------------------------------------------


async def send_reminders(session: AsyncSession, *, now: datetime, policy: Policy) -> int:
    """The day-before and hour-before reminders that are due, each sent once; a reminder whose moment
    had already passed when the slot was booked (or moved) is not sent."""
    day_before = timedelta(seconds=policy.reminder_day_s)
    hour_before = timedelta(seconds=policy.reminder_hour_s)
    statement = (
        select(Booking)
        .where(
            Booking.status == "booked",
            Booking.slot_start > now,
            Booking.slot_start <= now + max(day_before, hour_before),
        )
        .order_by(Booking.slot_start, Booking.id)
        .with_for_update(skip_locked=True)
    )
    sent = 0
    for booking in (await session.scalars(statement)).all():
        hour_moment = booking.slot_start - hour_before
        day_moment = booking.slot_start - day_before
        if now >= hour_moment:
            if booking.reminded_hour_at is None and booking.changed_at <= hour_moment:
                booking.reminded_hour_at = now
                await _notify(session, booking, template="appointment_reminder", now=now)
                sent += 1
        elif now >= day_moment and booking.reminded_day_at is None and booking.changed_at <= day_moment:
            booking.reminded_day_at = now
            await _notify(session, booking, template="appointment_reminder", now=now)
            sent += 1
    await session.flush()
    return sent


async def mark_missed(session: AsyncSession, *, now: datetime, policy: Policy) -> int:
    """Bookings whose arrival window has closed without a check-in: missed."""
    statement = (
        select(Booking)
        .where(Booking.status == "booked", Booking.slot_start < now - timedelta(seconds=policy.late_s))
        .order_by(Booking.id)
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    missed = (await session.scalars(statement)).all()
    for booking in missed:
        await _mark_missed(session, booking, now)
    return len(missed)
