"""API shapes of the queue domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from birtereze.core.schemas import Input, Names, Output
from birtereze.queue.models import Counter, Visit
from birtereze.queue.service.desk import Desk
from birtereze.queue.service.rows import CounterRow, VisitRow


class TicketCreate(Input):
    service_id: int = Field(gt=0, description="The service the citizen asks for")
    extra_service_ids: list[int] = Field(default_factory=list, max_length=5)
    priority: str | None = Field(
        default=None, max_length=32, description="Priority category code, e.g. disability"
    )
    appointment: bool = False
    language: Literal["kk", "ru", "en"] = "kk"
    channel: Literal["kiosk", "operator", "phone", "web"] = "kiosk"


class VisitRead(Output):
    id: int
    branch_id: int
    number: str
    status: str
    queue_id: int
    issued_queue_id: int
    service_day: str
    language: str
    priority: str | None
    appointment: bool
    window_id: int | None
    issued_at: datetime
    queued_at: datetime
    available_at: datetime
    called_at: datetime | None
    calls: int
    serving_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, visit: Visit | VisitRow) -> VisitRead:
        return cls(
            id=visit.id,
            branch_id=visit.branch_id,
            number=visit.number,
            status=visit.status,
            queue_id=visit.queue_id,
            issued_queue_id=visit.issued_queue_id,
            service_day=visit.service_day.isoformat(),
            language=visit.language,
            priority=visit.priority_code,
            appointment=visit.appointment,
            window_id=visit.window_id,
            issued_at=visit.issued_at,
            queued_at=visit.queued_at,
            available_at=visit.available_at,
            called_at=visit.called_at,
            calls=visit.calls,
            serving_at=visit.serving_at,
            ended_at=visit.ended_at,
        )


class TicketIssued(Output):
    ticket: VisitRead
    people_ahead: int
    estimated_wait_s: int
    status_token: str = Field(description="Signed token for the citizen's live status page (the QR)")
    status_url: str


class TicketStatus(Output):
    number: str
    status: str
    branch_id: int
    queue: Names
    people_ahead: int
    estimated_wait_s: int
    window_number: int | None
    called_at: datetime | None
    issued_at: datetime
    remote: bool = Field(default=False, description="Taken on the phone: checked in on arrival")
    arrived: bool = Field(default=True, description="The holder has checked in at the centre")


class RemoteTicketCreate(Input):
    branch_id: int = Field(gt=0, le=2**62)
    service_id: int = Field(gt=0, le=2**62)
    language: Literal["kk", "ru", "en"] | None = Field(
        default=None, description="Of the ticket's SMS; the citizen's language when left out"
    )


class RemoteTicketRead(Output):
    id: int
    branch_id: int
    number: str
    status: str
    arrived: bool = Field(description="Checked in at the centre; a ticket not checked in is not called")
    people_ahead: int
    estimated_wait_s: int
    issued_at: datetime
    status_token: str = Field(description="Signed token of the ticket (its QR code and live status)")
    status_url: str = Field(description="The ticket's page")


class RemoteTicketList(Output):
    items: list[RemoteTicketRead]


class ArrivalPosition(Input):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(default=0.0, ge=0, le=100_000, description="The phone's reported accuracy")


class CounterRead(Output):
    window_id: int
    number: int
    zone_id: int
    accessible: bool
    state: str
    since: datetime | None
    break_reason: str | None
    staff_id: int | None
    work_profile_id: int | None
    visit: VisitRead | None

    @classmethod
    def of(cls, desk: Desk) -> CounterRead:
        return cls.build(desk.window, desk.counter, desk.visit)

    @classmethod
    def build(
        cls, window: object, counter: Counter | CounterRow | None, visit: VisitRow | None = None
    ) -> CounterRead:
        return cls(
            window_id=window.id,  # type: ignore[attr-defined]
            number=window.number,  # type: ignore[attr-defined]
            zone_id=window.zone_id,  # type: ignore[attr-defined]
            accessible=window.accessible,  # type: ignore[attr-defined]
            state=counter.state if counter else "closed",
            since=counter.since if counter and counter.state != "closed" else None,
            break_reason=counter.break_reason if counter else None,
            staff_id=counter.staff_id if counter else None,
            work_profile_id=counter.work_profile_id if counter else None,
            visit=VisitRead.of(visit) if visit is not None else None,
        )


class WindowOpen(Input):
    work_profile_id: int = Field(gt=0)


class WindowBreak(Input):
    reason: Literal["lunch", "rest", "training", "technical", "consultation", "other"]


class WindowProfile(Input):
    work_profile_id: int = Field(gt=0)


class CallTicket(Input):
    visit_id: int = Field(gt=0)


class ServiceRecord(Input):
    service_id: int = Field(gt=0)
    outcome: str | None = Field(default=None, max_length=48)


class Transfer(Input):
    queue_id: int | None = Field(default=None, gt=0)
    window_id: int | None = Field(default=None, gt=0)
    staff_id: int | None = Field(default=None, gt=0)
    position: Literal["first", "last"] = "last"
    delay_s: int = Field(default=0, ge=0, le=4 * 3600, description="Come back after this many seconds")

    @model_validator(mode="after")
    def one_target(self) -> Transfer:
        if sum(t is not None for t in (self.queue_id, self.window_id, self.staff_id)) != 1:
            raise ValueError("give exactly one of queue_id, window_id, staff_id")
        return self


class QueueRead(Output):
    id: int
    prefix: str
    zone_id: int
    name: Names
    waiting: int
    longest_wait_s: int
    max_wait_s: int | None


class WaitingTicket(Output):
    id: int
    number: str
    queue_id: int
    priority: str | None
    first_in_line: bool
    appointment: bool
    waited_s: int
    available_at: datetime
