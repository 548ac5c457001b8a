"""API shapes of the appointments domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from birtereze.appointments import service
from birtereze.appointments.models import Booking
from birtereze.core.schemas import Input, Output
from birtereze.queue.schemas import VisitRead


class SlotRead(Output):
    start: datetime
    end: datetime
    capacity: int
    free: int


class DaySlotsRead(Output):
    branch_id: int
    service_id: int
    day: date
    slot_length_s: int
    slots: list[SlotRead]

    @classmethod
    def of(cls, grid: service.DaySlots) -> DaySlotsRead:
        return cls(
            branch_id=grid.branch.id,
            service_id=grid.service.id,
            day=grid.day,
            slot_length_s=int(grid.length.total_seconds()),
            slots=[SlotRead(start=s.start, end=s.end, capacity=s.capacity, free=s.free) for s in grid.slots],
        )


class BookingCreate(Input):
    branch_id: int = Field(gt=0)
    service_id: int = Field(gt=0)
    slot_start: AwareDatetime = Field(description="The slot's start, as the slots list gives it")
    language: Literal["kk", "ru", "en"] | None = Field(
        default=None, description="Language of the SMS and the ticket; the citizen's own by default"
    )


class BookingMove(Input):
    slot_start: AwareDatetime = Field(description="The new slot's start, as the slots list gives it")


class CheckInRequest(Input):
    code: str = Field(min_length=4, max_length=12, description="The booking code (case and spaces ignored)")


class BookingRead(Output):
    id: int
    code: str
    branch_id: int
    service_id: int
    day: date
    slot_start: datetime
    slot_end: datetime
    status: str
    language: str
    visit_id: int | None
    arrive_from: datetime
    arrive_until: datetime
    created_at: datetime
    changed_at: datetime

    @classmethod
    def of(cls, booking: Booking, policy: service.Policy) -> BookingRead:
        arrive_from, arrive_until = service.arrival_window(booking, policy)
        return cls(
            id=booking.id,
            code=booking.code,
            branch_id=booking.branch_id,
            service_id=booking.service_id,
            day=booking.day,
            slot_start=booking.slot_start,
            slot_end=booking.slot_end,
            status=booking.status,
            language=booking.language,
            visit_id=booking.visit_id,
            arrive_from=arrive_from,
            arrive_until=arrive_until,
            created_at=booking.created_at,
            changed_at=booking.changed_at,
        )


class BookingList(Output):
    items: list[BookingRead]


class CheckedIn(Output):
    booking: BookingRead
    ticket: VisitRead
    status_token: str = Field(description="Signed token for the ticket's live status page (the QR)")
    status_url: str
