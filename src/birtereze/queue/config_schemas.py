"""API shapes of the queue's configuration: queues, offers, routing rules, work profiles, priorities."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from birtereze.core.schemas import Input, Names, NamesIn, Output


class QueueCreate(Input):
    prefix: str = Field(pattern=r"^[A-ZА-ЯӘҒҚҢӨҰҮҺІ]{1,2}$", description="Ticket number prefix, e.g. A")
    zone_id: int = Field(gt=0)
    name: NamesIn
    max_wait_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    max_length: int | None = Field(default=None, ge=1, le=100_000)


class QueueUpdate(Input):
    zone_id: int | None = Field(default=None, gt=0)
    name: NamesIn | None = None
    max_wait_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    max_length: int | None = Field(default=None, ge=1, le=100_000)


class QueueConfig(Output):
    id: int
    prefix: str
    zone_id: int
    name: Names
    max_wait_s: int | None
    max_length: int | None


class OfferIn(Input):
    queue_id: int = Field(gt=0)


class OfferRead(Output):
    service_id: int
    queue_id: int


class RuleCreate(Input):
    queue_id: int = Field(gt=0)
    position: int = Field(default=0, ge=0, le=10_000)
    service_id: int | None = Field(default=None, gt=0)
    priority: str | None = Field(default=None, max_length=32)
    appointment: bool | None = None
    language: Literal["kk", "ru", "en"] | None = None


class RuleRead(Output):
    id: int
    queue_id: int
    position: int
    service_id: int | None
    priority: str | None
    appointment: bool | None
    language: str | None


class ProfileQueueIn(Input):
    queue_id: int = Field(gt=0)
    weight: float = Field(default=1.0, gt=0, le=100)


class ProfileCreate(Input):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: NamesIn
    rule: Literal["longest_wait", "strict_order", "weighted"] = "longest_wait"
    overdue_after_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    wrap_up_s: int = Field(default=0, ge=0, le=3600)
    queues: list[ProfileQueueIn] = Field(min_length=1, max_length=50)


class ProfileUpdate(Input):
    name: NamesIn | None = None
    rule: Literal["longest_wait", "strict_order", "weighted"] | None = None
    overdue_after_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    wrap_up_s: int | None = Field(default=None, ge=0, le=3600)
    queues: list[ProfileQueueIn] | None = Field(default=None, min_length=1, max_length=50)


class ProfileQueueRead(Output):
    queue_id: int
    position: int
    weight: float


class ProfileRead(Output):
    id: int
    code: str
    name: Names
    rule: str
    overdue_after_s: int | None
    wrap_up_s: int
    queues: list[ProfileQueueRead]


class PriorityRead(Output):
    code: str
    level: int
    prefers_accessible: bool
    name: Names
    legal_basis: Names


class ServiceRead(Output):
    id: int
    code: str
    name: Names
    life_situation: str
    max_wait_s: int | None
    max_service_s: int | None
    outcome_required: bool
