"""Tables of the staffing domain: a branch's weekly rosters and their shifts.

A roster keeps what it was made for (the centre's hours, the people needed per zone and half hour, the
windows per zone) beside its shifts, so that a manager's edit weeks later is checked against the need the
roster was built to meet, not against a forecast that has moved on since.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId


class Roster(Base):
    __tablename__ = "rosters"
    __table_args__ = (UniqueConstraint("branch_id", "week_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)  # a Monday, in the branch's calendar
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # person-half-hours below the need when the roster was made (0: the cover was met)
    shortfall: Mapped[int] = mapped_column(Integer, default=0)
    # {"opens": min, "closes": min, "windows": {zone_id: n}, "need": {zone_id: [[n per slot] per day]}}
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RosterShift(Base):
    """One person's working day in a roster; times in minutes after the branch's local midnight."""

    __tablename__ = "roster_shifts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(SmallInteger)  # 0 = the roster's Monday
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    starts: Mapped[int] = mapped_column(SmallInteger)
    ends: Mapped[int] = mapped_column(SmallInteger)
    lunch_starts: Mapped[int | None] = mapped_column(SmallInteger)
    lunch_ends: Mapped[int | None] = mapped_column(SmallInteger)
