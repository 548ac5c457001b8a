"""Tables of the branches domain."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base
from birtereze.core.types import BigId

BRANCH_TYPES = ("standard", "digital", "vehicle", "mobile")


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="standard")
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_kk: Mapped[str] = mapped_column(String(300), default="")
    address_ru: Mapped[str] = mapped_column(String(300), default="")
    address_en: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(32), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Almaty")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether the hall has video surveillance: the information stand then shows the notice (M27).
    video_surveillance: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Remote tickets (taken on the phone): offered or not; the SMS "you are N-th in line" at this N (0:
    # none); check-in by the phone's location within this many metres of the centre (null: by the kiosk's
    # QR code only); and how long a remote ticket not checked in keeps its place after that SMS.
    remote_tickets: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    remote_notify_position: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    check_in_radius_m: Mapped[int | None] = mapped_column(Integer, default=200, server_default="200")
    remote_hold_s: Mapped[int] = mapped_column(Integer, default=20 * 60, server_default="1200")
    # Normatives (service-level norms) of the branch, in seconds / tickets.
    max_wait_s: Mapped[int] = mapped_column(Integer, default=15 * 60)
    max_service_s: Mapped[int] = mapped_column(Integer, default=15 * 60)
    max_idle_s: Mapped[int] = mapped_column(Integer, default=5 * 60)
    max_queue_length: Mapped[int] = mapped_column(Integer, default=30)
    max_recalls: Mapped[int] = mapped_column(SmallInteger, default=2)
    no_show_after_s: Mapped[int] = mapped_column(Integer, default=3 * 60)


class OpeningHours(Base):
    """Regular hours per ISO weekday (1 = Monday); a weekday without a row is a day off."""

    __tablename__ = "opening_hours"
    __table_args__ = (UniqueConstraint("branch_id", "weekday"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class SpecialDay(Base):
    """A holiday (closed) or an exception day with its own hours."""

    __tablename__ = "special_days"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | exception
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str] = mapped_column(String(200), default="")


class Zone(Base):
    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("branch_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_kk: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Window(Base):
    """A service point; its live counter state lives here too (see queue.state)."""

    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("branch_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
