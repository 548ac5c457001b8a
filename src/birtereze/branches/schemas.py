"""API shapes of the branches domain."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, model_validator

from birtereze.core.schemas import Input, IsoDate, LocalTime, Names, NamesIn, Output


class HoursRead(Output):
    weekday: int = Field(description="ISO weekday, 1 = Monday")
    opens: LocalTime
    closes: LocalTime


class SpecialDayRead(Output):
    day: date
    kind: str
    opens: LocalTime | None
    closes: LocalTime | None
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


class BranchNormatives(Output):
    max_wait_s: int
    max_service_s: int
    max_idle_s: int
    max_queue_length: int
    max_recalls: int
    no_show_after_s: int


class RemoteTicketSettings(Output):
    remote_tickets: bool = Field(description="The centre issues tickets taken on the phone")
    remote_notify_position: int = Field(description="SMS when this many-th in line (0: none)")
    check_in_radius_m: int | None = Field(
        description="Check-in by the phone's location within this distance (null: by the kiosk's QR only)"
    )
    remote_hold_s: int = Field(
        description="How long a remote ticket not checked in keeps its place after the SMS"
    )


class BranchDetail(BranchSummary):
    normatives: BranchNormatives
    video_surveillance: bool = Field(
        description="The hall has video surveillance (the stand shows the notice)"
    )
    remote: RemoteTicketSettings
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


class Normatives(Input):
    max_wait_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    max_service_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    max_idle_s: int | None = Field(default=None, ge=30, le=24 * 3600)
    max_queue_length: int | None = Field(default=None, ge=1, le=100_000)
    max_recalls: int | None = Field(default=None, ge=0, le=10)
    no_show_after_s: int | None = Field(default=None, ge=10, le=3600)


class BranchCreate(Input):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$")
    type: Literal["standard", "digital", "vehicle", "mobile"] = "standard"
    name: NamesIn
    address: NamesIn
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    phone: str = Field(default="", max_length=32)
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA time zone; BIRTEREZE_TIMEZONE when left out"
    )


class BranchUpdate(Normatives):
    type: Literal["standard", "digital", "vehicle", "mobile"] | None = None
    name: NamesIn | None = None
    address: NamesIn | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    phone: str | None = Field(default=None, max_length=32)
    active: bool | None = None
    video_surveillance: bool | None = Field(
        default=None, description="The hall has video surveillance: the information stand shows the notice"
    )
    remote_tickets: bool | None = Field(default=None, description="Issue tickets taken on the phone")
    remote_notify_position: int | None = Field(
        default=None, ge=0, le=50, description="SMS when this many-th in line (0: none)"
    )
    check_in_radius_m: int | None = Field(
        default=None,
        ge=20,
        le=5000,
        description="Check-in by location within this distance; null (given explicitly) turns it off",
    )
    remote_hold_s: int | None = Field(
        default=None,
        ge=60,
        le=4 * 3600,
        description="How long a remote ticket not checked in keeps its place after the SMS",
    )


class HoursIn(Input):
    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    opens: LocalTime
    closes: LocalTime

    @model_validator(mode="after")
    def closes_after_opening(self) -> HoursIn:
        # 00:00–00:00: open around the clock.
        if self.closes <= self.opens and not self.opens == self.closes == time(0):
            raise ValueError("closes must be after opens (00:00-00:00: open around the clock)")
        return self


class SpecialDayIn(Input):
    day: IsoDate
    kind: Literal["holiday", "exception"]
    opens: LocalTime | None = None
    closes: LocalTime | None = None
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def hours_for_exceptions(self) -> SpecialDayIn:
        if self.kind == "exception" and (
            self.opens is None or self.closes is None or self.closes <= self.opens
        ):
            raise ValueError("an exception day needs opens < closes")
        return self


class ZoneCreate(Input):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: NamesIn


class WindowCreate(Input):
    number: int = Field(ge=1, le=9999)
    zone_id: int = Field(gt=0)
    accessible: bool = False


class WindowUpdate(Input):
    zone_id: int | None = Field(default=None, gt=0)
    accessible: bool | None = None


class NearbyBranch(Output):
    branch_id: int
    code: str
    name: Names
    address: Names
    distance_km: float = Field(description="Straight-line distance from the given point")
    travel_s: int = Field(description="Estimated time to get there, door to door")
    estimated_wait_s: int = Field(description="Estimated wait for the service (or the centre) on arrival")
    total_s: int = Field(description="travel_s + estimated_wait_s")
    light: str
    open_on_arrival: bool


class NearbyBranches(Output):
    branches: list[NearbyBranch] = Field(description="The nearest centres, nearest first")
    recommended: int | None = Field(description="The centre with the least total time, open on arrival")
    reason: str | None = Field(description="Why it is recommended, in the caller's language")
