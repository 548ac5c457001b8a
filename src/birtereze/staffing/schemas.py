"""API shapes of the staffing domain: forecast, windows needed, the twin's what-if, and rosters."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from birtereze.core.schemas import Input, IsoDate, LocalTime, Output

Clock = str  # "HH:MM", the branch's local time


class QueueForecastRead(Output):
    queue_id: int
    prefix: str
    name: str
    arrivals: list[float] = Field(description="Expected tickets in each half hour of `slots`")
    total: float


class ForecastRead(Output):
    branch_id: int
    day: date
    opens: Clock | None = Field(description="Opening time that day; null when closed")
    closes: Clock | None
    slots: list[Clock] = Field(description="Start of each half hour the centre is open")
    queues: list[QueueForecastRead]
    total: list[float]
    history_days: int = Field(description="Days of history read (before the day, never after today)")
    history_tickets: int


class IntervalRead(Output):
    start: Clock
    arrivals: float
    raw_agents: int = Field(description="Windows open needed for the service level (Erlang)")
    scheduled_agents: int = Field(description="People to schedule after shrinkage")
    windows_needed: int = Field(description="raw_agents, at most the zone's windows")
    service_level: float
    occupancy: float
    p_wait: float
    average_wait_s: float
    p_abandon: float


class ZoneRequirementRead(Output):
    zone_id: int
    name: str
    windows: int
    handling_s: float = Field(description="Mean service time of the zone's tickets")
    handling_measured: bool = Field(description="False: too little history, a default service time is used")
    intervals: list[IntervalRead]


class RequirementRead(Output):
    branch_id: int
    day: date
    target_service_level: float
    answer_within_s: float
    shrinkage: float
    max_occupancy: float
    patience_s: float | None
    zones: list[ZoneRequirementRead]


class WhatIfCreate(Input):
    day: IsoDate
    opens_at: LocalTime = Field(description="When the extra window opens; it stays open until closing")
    zone_id: int | None = Field(default=None, description="The extra window's zone; default the busiest")


class TwinFiguresRead(Output):
    arrivals: int
    served: int
    abandoned: int
    no_shows: int
    unserved: int
    mean_wait_s: float | None
    p90_wait_s: float | None
    over_norm: float | None = Field(description="Share of tickets that waited longer than the norm")
    service_level: float | None
    abandonment: float | None
    utilisation: float | None
    window_hours: float


class HalfHourWhatIfRead(Output):
    start: Clock
    arrivals: float = Field(description="Simulated tickets per replication")
    base_open_windows: float
    alternative_open_windows: float
    base_mean_wait_s: float | None
    alternative_mean_wait_s: float | None


class WhatIfRead(Output):
    branch_id: int
    day: date
    zone_id: int
    zone: str
    opens_at: Clock
    closes_at: Clock
    plan_source: str = Field(description="roster: the week's roster; requirement: the windows needed")
    replications: int
    base: TwinFiguresRead
    alternative: TwinFiguresRead
    half_hours: list[HalfHourWhatIfRead]


class RosterCreate(Input):
    week: IsoDate = Field(description="Any day of the week; the roster starts on its Monday")
    time_limit_s: int = Field(default=5, ge=1, le=60, description="The solver's time limit, seconds")


class ShiftUpdate(Input):
    """One cell of the roster: a person's shift on a day, or a day off when ``zone_id`` is null."""

    week: IsoDate
    staff_id: int
    day: IsoDate
    zone_id: int | None = None
    start: LocalTime | None = None
    end: LocalTime | None = None
    lunch_start: LocalTime | None = Field(default=None, description="A one-hour lunch from this time")


class RosterStaffRead(Output):
    id: int
    full_name: str


class ShiftRead(Output):
    staff_id: int
    day: date
    zone_id: int
    zone: str
    window: int | None = Field(description="The zone's window number the person keeps all day")
    start: Clock
    end: Clock
    lunch_start: Clock | None
    lunch_end: Clock | None


class ViolationRead(Output):
    rule: str
    title: str
    day: date
    staff_id: int | None
    detail: str


class ReplacementRead(Output):
    day: date
    zone_id: int
    window: int
    absent_staff_id: int
    replacement_staff_ids: list[int]


class LunchReliefRead(Output):
    day: date
    zone_id: int
    window: int
    staff_id: int
    lunch_start: Clock
    lunch_end: Clock
    relief_staff_id: int | None


class RosterRead(Output):
    branch_id: int
    week_start: date
    updated_at: datetime
    shortfall: int = Field(description="Person-half-hours below the need when the roster was made")
    opens: Clock
    closes: Clock
    skills_recorded: bool = Field(description="False: everyone counts as qualified for every zone")
    staff: list[RosterStaffRead]
    shifts: list[ShiftRead]
    violations: list[ViolationRead]
    replacements: list[ReplacementRead]
    lunch_reliefs: list[LunchReliefRead]
