"""Tables of the appointments domain: the citizens' bookings of a slot at a centre for a service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId

BOOKING_STATES = ("booked", "checked_in", "cancelled", "missed")
ACTIVE_STATES = ("booked",)


class Booking(Base):
    """One citizen's place in one slot. ``seat`` numbers the places of the slot (0 … capacity − 1): the
    unique (branch, service, slot, seat) lets only one of two concurrent bookings take the last place. A
    cancelled booking gives its seat back (NULL, which the constraint does not count)."""

    __tablename__ = "appointment_bookings"
    __table_args__ = (
        UniqueConstraint("branch_id", "service_id", "slot_start", "seat"),
        UniqueConstraint("branch_id", "day", "code"),
        Index("ix_appointment_bookings_status_slot_start", "status", "slot_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # the slot's day in the branch's calendar
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    seat: Mapped[int | None] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    language: Mapped[str] = mapped_column(String(2))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When each reminder went out: each is sent once.
    reminded_day_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_hour_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
