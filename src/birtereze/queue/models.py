"""Tables of the queue domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("branch_id", "prefix"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(4))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # Normatives of this queue; the branch's apply when null.
    max_wait_s: Mapped[int | None] = mapped_column(Integer)
    max_length: Mapped[int | None] = mapped_column(Integer)


class BranchService(Base):
    """A service offered at a branch, and the queue its tickets go to unless a rule says otherwise."""

    __tablename__ = "branch_services"
    __table_args__ = (UniqueConstraint("branch_id", "service_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))


class PriorityCategory(Base):
    """Who is served out of turn, and the law that says so."""

    __tablename__ = "priority_categories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    prefers_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    legal_basis_kk: Mapped[str] = mapped_column(Text, default="")
    legal_basis_ru: Mapped[str] = mapped_column(Text, default="")
    legal_basis_en: Mapped[str] = mapped_column(Text, default="")


class SegmentationRule(Base):
    """Routes a new ticket to a queue; the first matching rule by position wins. Null means "any"."""

    __tablename__ = "segmentation_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    priority_code: Mapped[str | None] = mapped_column(String(32))
    appointment: Mapped[bool | None] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(2))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))


class WorkProfile(Base):
    """Which queues a window serves, in which order, and by which calling rule."""

    __tablename__ = "work_profiles"
    __table_args__ = (UniqueConstraint("branch_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(16), default="longest_wait")
    overdue_after_s: Mapped[int | None] = mapped_column(Integer)
    wrap_up_s: Mapped[int] = mapped_column(Integer, default=0)


class WorkProfileQueue(Base):
    __tablename__ = "work_profile_queues"
    __table_args__ = (UniqueConstraint("work_profile_id", "queue_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_profile_id: Mapped[int] = mapped_column(
        ForeignKey("work_profiles.id", ondelete="CASCADE"), index=True
    )
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class Counter(Base):
    """The live state of a window: closed, open, calling, serving, wrap_up or break."""

    __tablename__ = "counters"
    # One operator, one window: a staff member is at most at one window that is not closed.
    __table_args__ = (
        Index(
            "uq_counters_staff_at_work",
            "staff_id",
            unique=True,
            postgresql_where=text("state <> 'closed'"),
            sqlite_where=text("state <> 'closed'"),
        ),
    )

    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="closed")
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    break_reason: Mapped[str | None] = mapped_column(String(32))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    work_profile_id: Mapped[int | None] = mapped_column(ForeignKey("work_profiles.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", use_alter=True))
    # The window has been open with nobody to serve (or idle while people wait) since this instant.
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketCounter(Base):
    """The last number given per branch, queue and local day (numbers restart at local midnight)."""

    __tablename__ = "ticket_counters"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Visit(Base):
    """One citizen's trip: one ticket number, one or more services, one current state."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("branch_id", "issued_queue_id", "service_day", "seq"),
        Index("ix_visits_waiting", "branch_id", "status", "queue_id"),
        Index("ix_visits_called", "branch_id", "queue_id", "called_at"),
        # A citizen's tickets (one active remote ticket per centre), and the citizens' tickets that the
        # notifications job (queue.jobs.notify_citizens) looks at every few seconds: few among all visits.
        Index("ix_visits_citizen", "citizen_id", "status"),
        Index(
            "ix_visits_citizen_open",
            "status",
            "branch_id",
            postgresql_where=text("citizen_id IS NOT NULL AND status IN ('waiting', 'called')"),
            sqlite_where=text("citizen_id IS NOT NULL AND status IN ('waiting', 'called')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    # The queue that numbered the ticket; the number never changes on transfer.
    issued_queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    service_day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    channel: Mapped[str] = mapped_column(String(12), default="kiosk")
    language: Mapped[str] = mapped_column(String(2), default="kk")
    priority_code: Mapped[str | None] = mapped_column(String(32))
    priority_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    prefers_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where it waits: a queue (below), or the pool of one window or one staff member.
    pool_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    pool_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    first_in_line: Mapped[bool] = mapped_column(Boolean, default=False)
    line_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calls: Mapped[int] = mapped_column(SmallInteger, default=0)
    serving_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The wait predictors' estimates when the ticket was issued (queue.waits), learnt from at its call.
    wait_estimates: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # The signed-in citizen whose ticket this is (a remote ticket, a booked visit), to notify by SMS.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    # When the holder was at the centre: at issue for a ticket taken there; for a remote ticket (taken on
    # the phone), at check-in. A ticket not arrived keeps its place in the line but is not called.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the "N-th in line" and the "called" SMS were sent: each once.
    notified_position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitService(Base):
    """A service asked for or delivered during a visit, with its typed outcome."""

    __tablename__ = "visit_services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome_code: Mapped[str | None] = mapped_column(String(48))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alert(Base):
    """A breached normative; ``open_key`` is set while it lasts, so one stays open per subject."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(48))
    open_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    value: Mapped[float] = mapped_column(Float)
    limit: Mapped[float] = mapped_column(Float)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AssistCall(Base):
    """A call for help in the hall (M5): from a kiosk's button, a hardware button or an operator; who
    answered it, at which accessible window, and when."""

    __tablename__ = "assist_calls"
    __table_args__ = (Index("ix_assist_calls_branch_raised", "branch_id", "raised_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))
    device: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id", ondelete="SET NULL"))
