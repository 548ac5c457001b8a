"""API shapes of the branches domain."""

from __future__ import annotations

from datetime import date, time

from pydantic import Field

from birtereze.core.schemas import Names, Output


class HoursRead(Output):
    weekday: int = Field(description="ISO weekday, 1 = Monday")
    opens: time
    closes: time


class SpecialDayRead(Output):
    day: date
    kind: str
    opens: time | None
    closes: time | None
    note: str


class ZoneRead(Output):
    id: int
    code: str
    name: Names


class WindowRead(Output):
    id: int
    number: int
    zone_id: int
    accessible: bool


class OfferedService(Output):
    service_id: int
    code: str
    name: Names
    queue_id: int


class BranchSummary(Output):
    id: int
    code: str
    type: str
    name: Names
    address: Names
    latitude: float | None
    longitude: float | None
    phone: str
    timezone: str
    open_now: bool


class BranchDetail(BranchSummary):
    hours: list[HoursRead]
    special_days: list[SpecialDayRead]
    zones: list[ZoneRead]
    windows: list[WindowRead]
    services: list[OfferedService]


class QueueLoadRead(Output):
    queue_id: int
    waiting: int
    windows: int
    mean_wait_s: int
    longest_wait_s: int
    estimated_wait_s: int
    light: str


class ServiceLoadRead(Output):
    service_id: int
    queue_id: int
    waiting: int
    estimated_wait_s: int
    light: str


class BranchLoadRead(Output):
    branch_id: int
    code: str
    at: str
    waiting: int
    windows_open: int
    mean_wait_s: int
    estimated_wait_s: int
    light: str
    queues: list[QueueLoadRead]
    services: list[ServiceLoadRead]
