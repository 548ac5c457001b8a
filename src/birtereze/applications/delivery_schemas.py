"""API shapes of the bodies' callback and inbox, and of the staff's view of the deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from birtereze.applications.delivery_models import Delivery
from birtereze.core.schemas import Input, Output

AnswerKind = Literal["accepted", "in_progress", "refused", "returned", "result_ready"]
MAX_DOCUMENT_BASE64 = 14_000_000  # about 10 MB of document


class BodyDocument(Input):
    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=1, max_length=100)
    content_base64: str = Field(min_length=1, max_length=MAX_DOCUMENT_BASE64)


class BodyAnswer(Input):
    """What a body says of an application it received: accepted, in progress, refused (with its
    grounds), returned for correction, or its result ready (data and documents)."""

    # Below 2**53, where a JSON number is an exact integer: a client (or a fuzzer) comparing as floats
    # cannot send one just over the bound that it takes for within it.
    application_id: int = Field(ge=1, le=2**52)
    kind: AnswerKind
    grounds: list[str] | None = Field(default=None, max_length=20)
    result: dict[str, Any] | None = None
    documents: list[BodyDocument] | None = Field(default=None, max_length=10)


class BodyAnswerRecorded(Output):
    application_id: int
    kind: AnswerKind
    recorded: bool = True


class Acknowledgement(Input):
    reference: str = Field(min_length=1, max_length=200)


class InboxItem(Output):
    delivery_id: int
    application_id: int
    authority: str
    idempotency_key: str
    callback_url: str | None
    application: dict[str, Any]


class InboxRead(Output):
    items: list[InboxItem]


class DeliveryRead(Output):
    id: int
    application_id: int
    branch_id: int | None
    authority: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    acknowledgement: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryRead:
        return cls(
            id=row.id,
            application_id=row.application_id,
            branch_id=row.branch_id,
            authority=row.authority_code,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            acknowledgement=row.acknowledgement,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            dead_at=row.dead_at,
        )


class DeliveryList(Output):
    counts: dict[str, int]
    items: list[DeliveryRead]
