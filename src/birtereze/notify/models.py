"""Tables of the notifications service: the outbox of messages, the provider's ids of their parts, and the
citizens' web push subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from birtereze.core.db import Base, UTCDateTime
from birtereze.core.types import BigId


class Notification(Base):
    """One message to one recipient by one channel, from the moment it is queued to its delivery report.

    ``next_attempt_at`` is when the sender next looks at it: a queued message's next try, a sending
    one's lease (a sender that died mid-send leaves it to be tried again then), a sent SMS's next look
    for its delivery receipt; null when nothing more will happen.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_branch_created", "branch_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email | push
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    # Null once a message carrying a secret (a one-time code) is sent or has failed.
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued → sending → sent → delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the message is about, for the staff page: kept when the centre or the visit goes.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"), index=True)


class NotificationPart(Base):
    """The provider's id of one part of a sent message (an SMS in parts has one per part; an e-mail its
    Message-ID), and that part's delivery report."""

    __tablename__ = "notification_parts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[int] = mapped_column(SmallInteger)
    provider_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))  # sent | delivered | failed
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushSubscription(Base):
    """One browser's web push subscription (the ``PushSubscription`` its push service gave it): where to
    POST (``endpoint``, the push service's URL for this browser) and the keys the message is encrypted
    for. A citizen has one per phone or browser; the push service's 404/410 answer deletes it.

    ``failures`` counts the tries in a row that the push service refused (reset by a success): a
    subscription refused too often is deleted.
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
