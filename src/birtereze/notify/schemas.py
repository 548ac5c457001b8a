"""API shapes of the notifications service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from birtereze.core.schemas import Input, Output

Channel = Literal["sms", "email", "push"]
Status = Literal["queued", "sending", "sent", "delivered", "failed"]


class NotificationRead(Output):
    id: int
    channel: Channel
    # Masked: +7 701 *** ** 67, a***@mail.kz.
    recipient: str
    template: str
    language: Literal["kk", "ru", "en"]
    # The text sent; null for one carrying a secret (a one-time code).
    text: str | None
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    visit_id: int | None


class NotificationList(Output):
    items: list[NotificationRead]
    total: int
    page: int
    pages: int


class PushKeyRead(Output):
    # The VAPID public key (base64url of the uncompressed P-256 point): the browser's applicationServerKey.
    public_key: str


class PushKeys(Input):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscriptionIn(Input):
    """The browser's ``PushSubscription.toJSON()``, as it is."""

    endpoint: str = Field(min_length=1, max_length=1000)
    keys: PushKeys
    expiration_time: float | None = Field(default=None, alias="expirationTime")


class PushSubscriptionRead(Output):
    id: int
    created_at: datetime


class PushUnsubscribe(Input):
    endpoint: str = Field(min_length=1, max_length=1000)
