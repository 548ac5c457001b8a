"""Staffing of a branch from its own event log: demand forecast, windows needed, the twin, weekly rosters.

The science lives in pure modules (``forecast``, ``erlang``, ``twin``, ``roster``); this module feeds
them the branch's history and settings, and is the only writer of the roster tables:

- **history**: the ``ticket.issued`` events of the last ``HISTORY_DAYS`` local days before the day asked
  (never the day itself, nor days after today), per queue; the mean service time and no-show share per
  queue from the queue's KPIs of the last ``SERVICE_HISTORY_DAYS`` days (``DEFAULT_HANDLING_S`` while
  fewer than ``MIN_TIMED`` services were timed);
- **windows needed**: Erlang C (Erlang A with a patience) per zone and half hour on the zone's pooled
  demand — a zone's windows call its queues, so its queues share its windows — with the branch's norm:
  ``target_service_level`` of the tickets called within the branch's maximum wait; capped at the zone's
  windows (what a roster can staff);
- **twin**: the plan is the roster's people at the windows per zone and half hour when the week has a
  roster, else the requirement; windows call by the engine's own rules (longest wait over the zone's
  queues); "one more window from HH:MM" runs both plans on the same simulated citizens;
- **rosters**: a week of the branch's active operators, each qualified for every zone with windows and
  every service (no skills are recorded yet), on 5-day, 40-hour contracts, solved by CP-SAT; a manager's
  edit is checked by the independent rule checker and refused when it breaks a rule the roster kept.

Heavy computations run in a worker thread, so that one manager's roster does not stall the event loop.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, OpeningHours, SpecialDay, Window, Zone
from birtereze.core.events import Event
from birtereze.kz import calendar as kz_calendar
from birtereze.queue import calling, kpis
from birtereze.queue import service as queue_service
from birtereze.queue.models import Queue
from birtereze.staff import service as staff_service
from birtereze.staff.models import Staff
from birtereze.staffing import erlang, twin
from birtereze.staffing.errors import (
    DayOutOfRange,
    ExtraWindowOutsideHours,
    InvalidShift,
    NoStaffToRoster,
    NotOnRoster,
    RosterNotFound,
    RosterRuleBroken,
    ZoneWithoutWindows,
)
from birtereze.staffing.forecast import SLOT_MINUTES, SLOTS, forecast_demand
from birtereze.staffing.models import Roster, RosterShift
from birtereze.staffing.roster import centre as roster_centre
from birtereze.staffing.roster import rules as roster_rules
from birtereze.staffing.roster import substitution

HISTORY_DAYS: Final = 56
SERVICE_HISTORY_DAYS: Final = 28
DEFAULT_HANDLING_S: Final = 600.0
MIN_TIMED: Final = 20
WEEK: Final = 7
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2100, 12, 31)
TWIN_REPLICATIONS: Final = 3
ROSTER_WORKERS: Final = 2
ALL_SERVICES: Final = "all"


@dataclass(frozen=True, slots=True)
class Norms:
    """The service level a branch staffs for; ``answer_within_s`` None: the branch's maximum wait."""

    target_service_level: float = 0.8
    answer_within_s: float | None = None
    shrinkage: float = 0.1
    max_occupancy: float = 0.85
    patience_s: float | None = None


# --- the branch -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BranchSetup:
    """What the computations need of a branch besides its events."""

    branch: Branch
    queues: Sequence[Queue]
    zones: Sequence[Zone]
    windows: Sequence[Window]
    hours: Sequence[OpeningHours]
    special_days: Sequence[SpecialDay]

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.branch.timezone)

    @property
    def holidays(self) -> frozenset[date]:
        """The branch's own closed days and Kazakhstan's public days off (holidays, carry-overs, decreed
        transfers; ``birtereze.kz.calendar``) - the forecast's holiday effect."""
        return frozenset(s.day for s in self.special_days if s.kind == "holiday") | _public_days_off()

    def hours_on(self, day: date) -> tuple[int, int] | None:
        """Opening and closing minute of ``day``, or None when closed."""
        hours = branches_service.hours_on(day, self.hours, self.special_days)
        if hours is None:
            return None
        return _minute(hours[0]), _minute(hours[1])

    def windows_in(self, zone_id: int) -> int:
        return sum(1 for w in self.windows if w.zone_id == zone_id)

    def staffed_zones(self) -> list[Zone]:
        """Zones that have windows and queues: those a roster and a plan can staff."""
        queued = {q.zone_id for q in self.queues}
        return [z for z in self.zones if z.id in queued and self.windows_in(z.id) > 0]


@cache
def _public_days_off() -> frozenset[date]:
    covered = kz_calendar.covered_years()
    return kz_calendar.public_days_off(range(covered.start - 1, covered.stop + 1))


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def minute_of(moment: time | None) -> int | None:
    """Minutes after local midnight (seconds dropped), or None."""
    return None if moment is None else _minute(moment)


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def load_setup(session: AsyncSession, *, branch_id: int) -> BranchSetup:
    branch = await branches_service.get(session, branch_id)
    return BranchSetup(
        branch=branch,
        queues=await queue_service.list_queues(session, branch_id=branch_id),
        zones=await branches_service.list_zones(session, branch_id=branch_id),
        windows=await branches_service.list_windows(session, branch_id=branch_id),
        hours=await branches_service.list_hours(session, branch_id=branch_id),
        special_days=await branches_service.list_special_days(session, branch_id=branch_id),
    )


def today(setup: BranchSetup, now: datetime) -> date:
    return branches_service.service_day(setup.branch.timezone, now)


def check_day(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange(first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


# --- history --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """Each queue's ticket times (local, naive) on the days ``days`` of the history."""

    days: list[date]
    arrivals: dict[int, list[datetime]]

    @property
    def tickets(self) -> int:
        return sum(len(times) for times in self.arrivals.values())


def history_days(first_target: date, current: date, length: int = HISTORY_DAYS) -> list[date]:
    """The ``length`` days before the first day forecast, and never today (``current``) or later."""
    last = min(first_target, current) - timedelta(days=1)
    return [last - timedelta(days=length - 1 - i) for i in range(length)]


async def load_history(session: AsyncSession, setup: BranchSetup, *, days: Sequence[date]) -> History:
    """The ``ticket.issued`` events of the days, read from the event log (read only)."""
    opens, closes = kpis.day_bounds(setup.branch.timezone, days[0], days[-1])
    statement = select(Event.queue_id, Event.at).where(
        Event.branch_id == setup.branch.id,
        Event.type == "ticket.issued",
        Event.at >= opens,
        Event.at < closes,
    )
    zone = setup.timezone
    arrivals: dict[int, list[datetime]] = {q.id: [] for q in setup.queues}
    for queue_id, at in (await session.execute(statement)).all():
        if queue_id in arrivals:
            arrivals[queue_id].append(at.astimezone(zone).replace(tzinfo=None))
    return History(list(days), arrivals)


@dataclass(frozen=True, slots=True)
class QueueTimes:
    handling_s: float
    measured: bool  # False: too few services timed, DEFAULT_HANDLING_S assumed
    no_show: float


async def queue_times(session: AsyncSession, setup: BranchSetup, *, before: date) -> dict[int, QueueTimes]:
    """Mean service time and no-show share of each queue over the last days, from the queue's KPIs."""
    report = await kpis.branch_kpis(
        session,
        branch_id=setup.branch.id,
        start=before - timedelta(days=SERVICE_HISTORY_DAYS),
        end=before - timedelta(days=1),
        group_by="queue",
    )
    figures = {key: row for key, row in report.table.rows if key is not None}
    times = {}
    for queue in setup.queues:
        row = figures.get(queue.id)
        mean = row.service_mean_s if row is not None else None
        measured = row is not None and row.services_timed >= MIN_TIMED and mean is not None and mean > 0
        no_show = row.no_show / row.issued if row is not None and row.issued else 0.0
        times[queue.id] = QueueTimes(
            float(mean) if measured and mean else DEFAULT_HANDLING_S, measured, no_show
        )
    return times


# --- forecast -------------------------------------------------------------------------------------

Counts = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DayForecast:
    """Expected tickets per queue and half hour (``SLOTS`` from local midnight) of one local day."""

    day: date
    hours: tuple[int, int] | None
    history: History
    queues: dict[int, Counts]

    def total(self) -> Counts:
        return sum(self.queues.values(), np.zeros(SLOTS))


def _slots_open(hours: tuple[int, int] | None) -> range:
    if hours is None:
        return range(0)
    return range(hours[0] // SLOT_MINUTES, math.ceil(hours[1] / SLOT_MINUTES))


def _within_hours(counts: Counts, hours: tuple[int, int] | None) -> Counts:
    """The forecast only inside the day's opening hours: a closed centre meets nobody."""
    kept = np.zeros(SLOTS)
    for slot in _slots_open(hours):
        kept[slot] = counts[slot]
    return kept


def _forecast_days(setup: BranchSetup, history: History, days: Sequence[date]) -> dict[date, DayForecast]:
    forecasts = forecast_demand(history.arrivals, days, history_days=history.days, holidays=setup.holidays)
    result = {}
    for day in days:
        hours = setup.hours_on(day)
        queues = {q: _within_hours(per_day[day], hours) for q, per_day in forecasts.items()}
        result[day] = DayForecast(day, hours, history, queues)
    return result


async def forecast_days(
    session: AsyncSession, setup: BranchSetup, *, days: Sequence[date], current: date
) -> dict[date, DayForecast]:
    for day in days:
        check_day(day)
    history = await load_history(session, setup, days=history_days(days[0], current))
    return await asyncio.to_thread(_forecast_days, setup, history, days)


async def forecast_day(session: AsyncSession, setup: BranchSetup, *, day: date, now: datetime) -> DayForecast:
    return (await forecast_days(session, setup, days=[day], current=today(setup, now)))[day]


# --- windows needed -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneRequirement:
    zone: Zone
    windows: int
    handling_s: float
    handling_measured: bool
    intervals: list[erlang.IntervalStaffing]  # one per half hour from local midnight

    def needed(self, slot: int) -> int:
        """People at the zone's windows in the half hour: the raw requirement, at most its windows."""
        return min(self.intervals[slot].raw_agents, self.windows)


@dataclass(frozen=True, slots=True)
class Requirement:
    forecast: DayForecast
    norms: Norms
    answer_within_s: float
    zones: list[ZoneRequirement]

    def coverage(self) -> dict[int, list[int]]:
        return {z.zone.id: [z.needed(slot) for slot in range(SLOTS)] for z in self.zones}


def _requirement(
    setup: BranchSetup, forecast: DayForecast, times: Mapping[int, QueueTimes], norms: Norms
) -> Requirement:
    within = norms.answer_within_s or float(setup.branch.max_wait_s)
    zones = []
    for zone in setup.staffed_zones():
        queues = [q.id for q in setup.queues if q.zone_id == zone.id]
        arrivals = sum((forecast.queues[q] for q in queues), np.zeros(SLOTS))
        expected = [float(forecast.queues[q].sum()) for q in queues]
        weight = sum(expected)
        # The zone's mean service time, weighted by each queue's expected tickets that day.
        handling = (
            sum(times[q].handling_s * n for q, n in zip(queues, expected, strict=True)) / weight
            if weight > 0
            else sum(times[q].handling_s for q in queues) / len(queues)
        )
        measured = all(times[q].measured for q in queues)
        intervals = erlang.staff_intervals(
            [float(a) for a in arrivals],
            handling,
            target_service_level=norms.target_service_level,
            answer_within_s=within,
            shrinkage=norms.shrinkage,
            max_occupancy=norms.max_occupancy,
            patience_s=norms.patience_s,
        )
        zones.append(ZoneRequirement(zone, setup.windows_in(zone.id), handling, measured, intervals))
    return Requirement(forecast, norms, within, zones)


async def requirement(
    session: AsyncSession, setup: BranchSetup, *, forecast: DayForecast, now: datetime, norms: Norms
) -> Requirement:
    """The windows needed per zone and half hour of a forecast day."""
    times = await queue_times(session, setup, before=min(forecast.day, today(setup, now)))
    return _requirement(setup, forecast, times, norms)


# --- the twin -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhatIf:
    requirement: Requirement
    source: str  # "roster" | "requirement": where the plan's windows per half hour come from
    zone: Zone
    opens: int  # minute the extra window opens
    closes: int
    result: twin.WhatIf


def _zone_plan(
    coverage: Mapping[int, Sequence[int]], setup: BranchSetup, first_id: int = 1
) -> tuple[twin.Plan, dict[int, int]]:
    """Windows per zone as the coverage says, each calling the zone's queues by the longest wait."""
    windows: list[twin.WindowPlan] = []
    like: dict[int, int] = {}  # zone → its first window, whose profile a what-if window copies
    for zone_id, per_slot in coverage.items():
        queues = tuple(
            calling.ProfileQueue(q.id, i) for i, q in enumerate(setup.queues) if q.zone_id == zone_id
        )
        profile = calling.Profile("longest_wait", queues)
        # A zone with no window open all day still lends its profile to a what-if window.
        planned = twin.Plan.from_coverage(list(per_slot), profile).windows or (
            twin.WindowPlan(0, profile, ()),
        )
        like[zone_id] = first_id + len(windows)
        for window in planned:
            windows.append(replace(window, window_id=first_id + len(windows)))
    return twin.Plan(tuple(windows)), like


def _demand(
    setup: BranchSetup, forecast: DayForecast, times: Mapping[int, QueueTimes], norms: Norms
) -> tuple[list[twin.QueueDemand], twin.Settings]:
    demand = [
        twin.QueueDemand(
            queue_id=q.id,
            arrivals=[float(a) for a in forecast.queues[q.id]],
            services={q.id: 1.0},  # the service time is the queue's: the history times queues
            patience_s=norms.patience_s,
            no_show=min(times[q.id].no_show, 0.5),
        )
        for q in setup.queues
    ]
    within = norms.answer_within_s or float(setup.branch.max_wait_s)
    settings = twin.Settings(
        services={q.id: twin.ServiceTime.exponential(times[q.id].handling_s) for q in setup.queues},
        norm_s=float(setup.branch.max_wait_s),
        answer_within_s=within,
        no_show_after_s=float(setup.branch.no_show_after_s),
        accessible_hold_s=float(setup.branch.max_wait_s // 2),
    )
    return demand, settings


async def what_if(
    session: AsyncSession,
    *,
    branch_id: int,
    day: date,
    opens: time,
    zone_id: int | None,
    now: datetime,
    norms: Norms,
    replications: int = TWIN_REPLICATIONS,
) -> WhatIf:
    """The day's plan in the twin, and the same day with one more window from ``opens`` to closing."""
    setup = await load_setup(session, branch_id=branch_id)
    current = today(setup, now)
    forecast = (await forecast_days(session, setup, days=[day], current=current))[day]
    times = await queue_times(session, setup, before=min(day, current))
    needed = _requirement(setup, forecast, times, norms)
    zones = {z.zone.id: z for z in needed.zones}
    if zone_id is None:
        busiest = max(needed.zones, key=lambda z: sum(i.arrivals for i in z.intervals), default=None)
        if busiest is None:
            raise ZoneWithoutWindows()
        zone_id = busiest.zone.id
    if zone_id not in zones:
        raise ZoneWithoutWindows()
    hours = forecast.hours
    start = _minute(opens)
    if hours is None or not hours[0] <= start < hours[1]:
        first, last = hours or (0, 0)
        raise ExtraWindowOutsideHours(opens=clock(first), closes=clock(last))
    closes = hours[1]
    roster = await _roster_row(session, branch_id=branch_id, week_start=week_of(day))
    coverage = needed.coverage()
    source = "requirement"
    if roster is not None:
        source = "roster"
        shifts = await _shift_rows(session, roster.id)
        coverage = _presence(shifts, day=(day - roster.week_start).days, zones=list(zones))
    demand, settings = _demand(setup, forecast, times, norms)
    midnight = datetime.combine(day, time(0))

    def run() -> twin.WhatIf:
        plan, like = _zone_plan(coverage, setup)
        alternative = twin.extra_window(
            plan, opens_s=start * 60.0, closes_s=closes * 60.0, like=like[zone_id]
        )
        return twin.compare(
            plan, alternative, demand, settings, day=midnight, seed=day.toordinal(), replications=replications
        )

    result = await asyncio.to_thread(run)
    return WhatIf(needed, source, zones[zone_id].zone, start, closes, result)


def _presence(shifts: Sequence[RosterShift], *, day: int, zones: Sequence[int]) -> dict[int, list[int]]:
    """People at each zone's windows per half hour of a roster day (lunches excluded)."""
    coverage = {zone: [0] * SLOTS for zone in zones}
    for shift in shifts:
        if shift.day != day or shift.zone_id not in coverage:
            continue
        row = _as_shift(shift)
        for slot in range(SLOTS):
            if row.present(slot * SLOT_MINUTES):
                coverage[shift.zone_id][slot] += 1
    return coverage


# --- rosters --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterView:
    """A stored roster with the people's names, its rule check and substitution scheme."""

    roster: Roster
    branch: Branch
    staff: list[Staff]
    zones: list[Zone]
    shifts: list[RosterShift]
    violations: list[roster_rules.Violation]
    scheme: substitution.Scheme
    # staff id → their window (zone's 1-based window number) per roster day
    seats: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [self.roster.week_start + timedelta(days=i) for i in range(WEEK)]

    def shift_of(self, staff_id: int, day: int) -> RosterShift | None:
        return next((s for s in self.shifts if s.staff_id == staff_id and s.day == day), None)


def _as_shift(row: RosterShift) -> roster_centre.Shift:
    lunch = (
        (row.lunch_starts, row.lunch_ends)
        if row.lunch_starts is not None and row.lunch_ends is not None
        else None
    )
    return roster_centre.Shift(str(row.staff_id), row.day, str(row.zone_id), row.starts, row.ends, lunch)


def _person(staff: Staff, zones: Sequence[int]) -> roster_centre.Staff:
    # No skills are recorded yet: everyone may work in every zone with windows and serve every service.
    return roster_centre.Staff(
        id=str(staff.id), zones=frozenset(str(z) for z in zones), services=frozenset({ALL_SERVICES})
    )


def _centre(basis: Mapping[str, Any], staff: Sequence[Staff]) -> roster_centre.Centre:
    zones = [int(z) for z in basis["windows"]]
    return roster_centre.Centre(
        staff=tuple(_person(s, zones) for s in staff),
        need={str(z): [list(day) for day in basis["need"][str(z)]] for z in zones},
        windows={str(z): int(basis["windows"][str(z)]) for z in zones},
        days=WEEK,
        first_weekday=0,
        rules=roster_centre.Rules(opens=int(basis["opens"]), closes=int(basis["closes"])),
    )


def _basis(setup: BranchSetup, needs: Mapping[date, Requirement], week: Sequence[date]) -> dict[str, Any]:
    """The roster's grid: the widest hours of the week, and each zone's need per day and half hour."""
    open_hours = [h for h in (setup.hours_on(d) for d in week) if h is not None]
    opens = min((h[0] for h in open_hours), default=9 * 60) // SLOT_MINUTES * SLOT_MINUTES
    closes = math.ceil(max((h[1] for h in open_hours), default=20 * 60) / SLOT_MINUTES) * SLOT_MINUTES
    first, last = opens // SLOT_MINUTES, closes // SLOT_MINUTES
    need: dict[str, list[list[int]]] = {}
    windows: dict[str, int] = {}
    for zone in setup.staffed_zones():
        rows = []
        for day in week:
            zone_need = next(z for z in needs[day].zones if z.zone.id == zone.id)
            rows.append([zone_need.needed(slot) for slot in range(first, last)])
        # A zone that needs nobody all week takes nobody: leaving it out keeps the model small.
        if any(any(row) for row in rows):
            windows[str(zone.id)] = setup.windows_in(zone.id)
            need[str(zone.id)] = rows
    return {"opens": opens, "closes": closes, "windows": windows, "need": need}


async def roster_staff(session: AsyncSession, *, branch_id: int) -> list[Staff]:
    """The branch's active operators: the people a roster places."""
    people = await staff_service.list_staff(session, branch_ids=[branch_id])
    return [p for p in people if p.role == "operator" and p.active]


async def _roster_row(session: AsyncSession, *, branch_id: int, week_start: date) -> Roster | None:
    statement = select(Roster).where(Roster.branch_id == branch_id, Roster.week_start == week_start)
    return (await session.execute(statement)).scalar_one_or_none()


async def _shift_rows(session: AsyncSession, roster_id: int) -> list[RosterShift]:
    statement = (
        select(RosterShift)
        .where(RosterShift.roster_id == roster_id)
        .order_by(RosterShift.day, RosterShift.starts, RosterShift.staff_id)
    )
    return list((await session.execute(statement)).scalars().all())


async def create_roster(
    session: AsyncSession,
    *,
    branch_id: int,
    week: date,
    now: datetime,
    norms: Norms,
    time_limit_s: float,
) -> RosterView:
    """Solve the week's roster from the forecast's requirement and store it (replacing any earlier one)."""
    check_day(week)
    week_start = week_of(week)
    setup = await load_setup(session, branch_id=branch_id)
    staff = await roster_staff(session, branch_id=branch_id)
    if not staff:
        raise NoStaffToRoster()
    current = today(setup, now)
    days = [week_start + timedelta(days=i) for i in range(WEEK)]
    forecasts = await forecast_days(session, setup, days=days, current=current)
    times = await queue_times(session, setup, before=min(week_start, current))
    needs = {day: _requirement(setup, forecasts[day], times, norms) for day in days}
    basis = _basis(setup, needs, days)
    centre = _centre(basis, staff)
    shifts: tuple[roster_centre.Shift, ...] = ()
    if any(centre.is_open(day) for day in range(WEEK)):
        solved = await asyncio.to_thread(
            roster_centre.solve_centre, centre, time_limit=time_limit_s, workers=ROSTER_WORKERS
        )
        shifts = solved.shifts
    # Counted here rather than taken from the solver, which reports none when it found no roster at all.
    shortfall = shortfall_of(centre, shifts)
    roster = await _roster_row(session, branch_id=branch_id, week_start=week_start)
    if roster is None:
        roster = Roster(branch_id=branch_id, week_start=week_start, created_at=now)
        session.add(roster)
    roster.updated_at, roster.shortfall, roster.basis = now, shortfall, basis
    await session.flush()
    await session.execute(delete(RosterShift).where(RosterShift.roster_id == roster.id))
    for shift in shifts:
        session.add(_row(roster, branch_id, shift))
    await session.flush()
    return await get_roster(session, branch_id=branch_id, week=week_start)


def shortfall_of(centre: roster_centre.Centre, shifts: Sequence[roster_centre.Shift]) -> int:
    """Person-half-hours below the need: for each zone, day and half hour, the people missing."""
    missing = 0
    for zone, days in centre.need.items():
        for day in range(centre.days):
            here = [s for s in shifts if s.day == day and s.zone == zone]
            for slot, needed in enumerate(days[day]):
                minute = centre.rules.opens + slot * roster_centre.SLOT
                missing += max(0, needed - sum(1 for s in here if s.present(minute)))
    return missing


def _row(roster: Roster, branch_id: int, shift: roster_centre.Shift) -> RosterShift:
    return RosterShift(
        roster_id=roster.id,
        branch_id=branch_id,
        staff_id=int(shift.staff),
        day=shift.day,
        zone_id=int(shift.zone),
        starts=shift.start,
        ends=shift.end,
        lunch_starts=shift.lunch[0] if shift.lunch else None,
        lunch_ends=shift.lunch[1] if shift.lunch else None,
    )


async def get_roster(session: AsyncSession, *, branch_id: int, week: date) -> RosterView:
    check_day(week)
    week_start = week_of(week)
    branch = await branches_service.get(session, branch_id)
    roster = await _roster_row(session, branch_id=branch_id, week_start=week_start)
    if roster is None:
        raise RosterNotFound(week=week_start.isoformat())
    shifts = await _shift_rows(session, roster.id)
    staff = await roster_staff(session, branch_id=branch_id)
    known = {s.id for s in staff}
    # People who left the branch since keep their row while they hold shifts in it.
    for staff_id in sorted({s.staff_id for s in shifts} - known):
        staff.append(await staff_service.get(session, staff_id))
    staff.sort(key=lambda s: (s.full_name, s.id))
    zones = [
        z
        for z in await branches_service.list_zones(session, branch_id=branch_id)
        if str(z.id) in roster.basis.get("windows", {})
    ]
    return _view(roster, branch, staff, zones, shifts)


def _view(
    roster: Roster, branch: Branch, staff: list[Staff], zones: list[Zone], shifts: list[RosterShift]
) -> RosterView:
    active = [s for s in staff if s.role == "operator" and s.active]
    centre = _centre(roster.basis, active)
    plain = [_as_shift(s) for s in shifts]
    violations = roster_rules.check(centre, plain)
    scheme = substitution.scheme(centre, plain)
    seats = {(int(seat.shift.staff), seat.shift.day): seat.window for seat in scheme.seats}
    return RosterView(roster, branch, staff, zones, shifts, violations, scheme, seats)


@dataclass(frozen=True, slots=True)
class PostedSeat:
    """One line of the scheme posted at the entrance: a person at their window and who stands in."""

    zone: Zone
    window: int | None  # the hall's window number; None when no window was free for the whole shift
    staff: str
    starts: int
    ends: int
    lunch: tuple[int, int] | None
    lunch_relief: str | None  # who serves at the window during the lunch; None: it closes for the hour
    replacements: tuple[str, ...]  # whom to call in, in order, when the person is absent


@dataclass(frozen=True, slots=True)
class PostedScheme:
    """The substitution scheme of one day (M26), with the people's names and the hall's window numbers."""

    day: date
    week_start: date
    updated_at: datetime
    seats: list[PostedSeat]


async def posted_scheme(session: AsyncSession, *, branch_id: int, day: date) -> PostedScheme | None:
    """The day's seats, replacements and lunch reliefs from the week's roster; None when it has none.

    A roster numbers each zone's windows from 1; the hall knows them by their own numbers, so the zone's
    n-th window (by number) is the one posted.
    """
    try:
        view = await get_roster(session, branch_id=branch_id, week=day)
    except RosterNotFound:
        return None
    index = (day - view.roster.week_start).days
    names = {str(person.id): person.full_name for person in view.staff}
    zones = {str(zone.id): zone for zone in view.zones}
    numbers: dict[str, list[int]] = {}
    for window in await branches_service.list_windows(session, branch_id=branch_id):
        numbers.setdefault(str(window.zone_id), []).append(window.number)
    reliefs = {r.staff: r.relief for r in view.scheme.reliefs if r.day == index}
    stand_ins = {r.absent: r.replacements for r in view.scheme.replacements if r.day == index}
    seats: list[PostedSeat] = []
    for place in view.scheme.seats:
        shift = place.shift
        if shift.day != index or shift.zone not in zones:
            continue
        in_zone = numbers.get(shift.zone, [])
        relief = reliefs.get(shift.staff)
        seats.append(
            PostedSeat(
                zone=zones[shift.zone],
                window=in_zone[place.window - 1] if 0 < place.window <= len(in_zone) else None,
                staff=names.get(shift.staff, ""),
                starts=shift.start,
                ends=shift.end,
                lunch=shift.lunch,
                lunch_relief=names.get(relief) if relief is not None else None,
                replacements=tuple(names[p] for p in stand_ins.get(shift.staff, ()) if p in names),
            )
        )
    seats.sort(key=lambda seat: (seat.window is None, seat.window or 0, seat.starts, seat.staff))
    return PostedScheme(day, view.roster.week_start, view.roster.updated_at, seats)


@dataclass(frozen=True, slots=True)
class ShiftEdit:
    """A manager's change of one cell: the person's shift that day, or a day off (``zone_id`` None)."""

    staff_id: int
    day: int
    zone_id: int | None = None
    starts: int | None = None
    ends: int | None = None
    lunch_starts: int | None = None


def _key(violation: roster_rules.Violation) -> tuple[str, int, str | None, str]:
    return violation.rule, violation.day, violation.staff, violation.detail


async def edit_shift(
    session: AsyncSession, *, branch_id: int, week: date, edit: ShiftEdit, now: datetime
) -> RosterView:
    """Change one cell when the roster breaks no rule it kept; otherwise refuse, naming the rule."""
    view = await get_roster(session, branch_id=branch_id, week=week)
    if edit.staff_id not in {s.id for s in view.staff if s.role == "operator" and s.active}:
        raise NotOnRoster()
    if not 0 <= edit.day < WEEK:
        raise InvalidShift()
    replaced = RosterShift(
        roster_id=view.roster.id,
        branch_id=branch_id,
        staff_id=edit.staff_id,
        day=edit.day,
        zone_id=0,
        starts=0,
        ends=0,
    )
    if edit.zone_id is not None:
        if str(edit.zone_id) not in view.roster.basis.get("windows", {}):
            raise ZoneWithoutWindows()
        if edit.starts is None or edit.ends is None or edit.ends <= edit.starts:
            raise InvalidShift()
        lunch_minutes = roster_centre.Rules().lunch_minutes
        replaced.zone_id, replaced.starts, replaced.ends = edit.zone_id, edit.starts, edit.ends
        replaced.lunch_starts = edit.lunch_starts
        replaced.lunch_ends = edit.lunch_starts + lunch_minutes if edit.lunch_starts is not None else None
    kept = [s for s in view.shifts if not (s.staff_id == edit.staff_id and s.day == edit.day)]
    proposed = kept + ([replaced] if edit.zone_id is not None else [])
    active = [s for s in view.staff if s.role == "operator" and s.active]
    centre = _centre(view.roster.basis, active)
    before = {_key(v) for v in view.violations}
    broken = [
        v for v in roster_rules.check(centre, [_as_shift(s) for s in proposed]) if _key(v) not in before
    ]
    if broken:
        first = broken[0]
        raise RosterRuleBroken(rule=first.rule, day=view.days[first.day].isoformat())
    await session.execute(
        delete(RosterShift).where(
            RosterShift.roster_id == view.roster.id,
            RosterShift.staff_id == edit.staff_id,
            RosterShift.day == edit.day,
        )
    )
    if edit.zone_id is not None:
        session.add(replaced)
    view.roster.updated_at = now
    await session.flush()
    return await get_roster(session, branch_id=branch_id, week=week)


CSV_COLUMNS: Final = (
    "day",
    "staff_id",
    "staff",
    "zone",
    "window",
    "start",
    "end",
    "lunch_start",
    "lunch_end",
)


def roster_csv(view: RosterView, *, zone_names: Mapping[int, str]) -> str:
    """One row per shift: the roster as a spreadsheet reads it (times local, HH:MM)."""
    names = {s.id: s.full_name for s in view.staff}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for shift in view.shifts:
        writer.writerow(
            (
                view.days[shift.day].isoformat(),
                shift.staff_id,
                names.get(shift.staff_id, ""),
                zone_names.get(shift.zone_id, ""),
                view.seats.get((shift.staff_id, shift.day), 0) or "",
                clock(shift.starts),
                clock(shift.ends),
                clock(shift.lunch_starts) if shift.lunch_starts is not None else "",
                clock(shift.lunch_ends) if shift.lunch_ends is not None else "",
            )
        )
    return buffer.getvalue()
