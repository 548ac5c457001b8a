"""The deliveries outbox: one row per application handed to its authorised body, from the moment the
application is submitted to the body's acknowledgement (or the dead letter)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId


class Delivery(Base):
    """One application on its way to one authorised body.

    How it goes is the body's configuration at the time (``applications.adapters``): POSTed to the body,
    signed, with the row's ``Idempotency-Key``, or taken from its inbox by the body. ``status``: queued →
    sending → delivered, or dead (the dead letter, after the last try or a permanent refusal; an alert
    is raised, and staff may queue it again). ``next_attempt_at`` is a queued row's next try or a sending
    row's lease (a worker that died mid-delivery leaves the row to be tried again then, with the same
    key); null when nothing more will happen. ``acknowledgement`` is the body's own reference for what
    it received.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_application", "application_id"),
        Index("ix_deliveries_authority_status", "authority_code", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    # Where the application was taken: the branch of the dead-letter alert and of the events.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    authority_code: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # queued → sending → delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    acknowledgement: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
