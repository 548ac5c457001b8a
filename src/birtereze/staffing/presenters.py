"""The staffing service's answers as API shapes, in the caller's language (shared by the API and pages)."""

from __future__ import annotations

from datetime import timedelta

from birtereze.core.schemas import Names
from birtereze.staffing import service
from birtereze.staffing.errors import RULE_TITLES
from birtereze.staffing.forecast import SLOT_MINUTES
from birtereze.staffing.schemas import (
    ForecastRead,
    HalfHourWhatIfRead,
    IntervalRead,
    LunchReliefRead,
    QueueForecastRead,
    ReplacementRead,
    RequirementRead,
    RosterRead,
    RosterStaffRead,
    ShiftRead,
    TwinFiguresRead,
    ViolationRead,
    WhatIfRead,
    ZoneRequirementRead,
)
from birtereze.staffing.twin import Figures

clock = service.clock


def _name(row: object, locale: str) -> str:
    return str(getattr(Names.of(row), locale))


def _slot_clock(slot: int) -> str:
    return clock(slot * SLOT_MINUTES)


def open_slots(forecast: service.DayForecast) -> range:
    if forecast.hours is None:
        return range(0)
    first, last = forecast.hours
    return range(first // SLOT_MINUTES, -(-last // SLOT_MINUTES))


def forecast_read(forecast: service.DayForecast, setup: service.BranchSetup, *, locale: str) -> ForecastRead:
    slots = open_slots(forecast)
    total = forecast.total()
    queues = [
        QueueForecastRead(
            queue_id=queue.id,
            prefix=queue.prefix,
            name=_name(queue, locale),
            arrivals=[round(float(forecast.queues[queue.id][s]), 2) for s in slots],
            total=round(float(forecast.queues[queue.id].sum()), 1),
        )
        for queue in setup.queues
    ]
    return ForecastRead(
        branch_id=setup.branch.id,
        day=forecast.day,
        opens=clock(forecast.hours[0]) if forecast.hours else None,
        closes=clock(forecast.hours[1]) if forecast.hours else None,
        slots=[_slot_clock(s) for s in slots],
        queues=queues,
        total=[round(float(total[s]), 2) for s in slots],
        history_days=len(forecast.history.days),
        history_tickets=forecast.history.tickets,
    )


def requirement_read(needed: service.Requirement, *, branch_id: int, locale: str) -> RequirementRead:
    slots = open_slots(needed.forecast)
    zones = []
    for zone in needed.zones:
        intervals = []
        for slot in slots:
            interval = zone.intervals[slot]
            intervals.append(
                IntervalRead(
                    start=_slot_clock(slot),
                    arrivals=round(interval.arrivals, 2),
                    raw_agents=interval.raw_agents,
                    scheduled_agents=interval.scheduled_agents,
                    windows_needed=zone.needed(slot),
                    service_level=round(interval.service_level, 4),
                    occupancy=round(interval.occupancy, 4),
                    p_wait=round(interval.p_wait, 4),
                    average_wait_s=round(interval.average_wait_s, 1),
                    p_abandon=round(interval.p_abandon, 5),
                )
            )
        zones.append(
            ZoneRequirementRead(
                zone_id=zone.zone.id,
                name=_name(zone.zone, locale),
                windows=zone.windows,
                handling_s=round(zone.handling_s, 1),
                handling_measured=zone.handling_measured,
                intervals=intervals,
            )
        )
    norms = needed.norms
    return RequirementRead(
        branch_id=branch_id,
        day=needed.forecast.day,
        target_service_level=norms.target_service_level,
        answer_within_s=needed.answer_within_s,
        shrinkage=norms.shrinkage,
        max_occupancy=norms.max_occupancy,
        patience_s=norms.patience_s,
        zones=zones,
    )


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _figures(figures: Figures) -> TwinFiguresRead:
    return TwinFiguresRead(
        arrivals=figures.arrivals,
        served=figures.served,
        abandoned=figures.abandoned,
        no_shows=figures.no_shows,
        unserved=figures.unserved,
        mean_wait_s=_round(figures.mean_wait_s, 1),
        p90_wait_s=_round(figures.p90_wait_s, 1),
        over_norm=_round(figures.over_norm, 4),
        service_level=_round(figures.service_level, 4),
        abandonment=_round(figures.abandonment, 4),
        utilisation=_round(figures.utilisation, 4),
        window_hours=round(figures.window_hours, 2),
    )


def what_if_read(answer: service.WhatIf, *, branch_id: int, locale: str) -> WhatIfRead:
    base, alternative = answer.result.base, answer.result.alternative
    runs = base.replications
    half_hours = [
        HalfHourWhatIfRead(
            start=_slot_clock(slot),
            arrivals=round(base.half_hours[slot].arrivals / runs, 2),
            base_open_windows=round(base.half_hours[slot].open_windows, 2),
            alternative_open_windows=round(alternative.half_hours[slot].open_windows, 2),
            base_mean_wait_s=_round(base.half_hours[slot].mean_wait_s, 1),
            alternative_mean_wait_s=_round(alternative.half_hours[slot].mean_wait_s, 1),
        )
        for slot in open_slots(answer.requirement.forecast)
        if slot < len(base.half_hours) and slot < len(alternative.half_hours)
    ]
    return WhatIfRead(
        branch_id=branch_id,
        day=answer.requirement.forecast.day,
        zone_id=answer.zone.id,
        zone=_name(answer.zone, locale),
        opens_at=clock(answer.opens),
        closes_at=clock(answer.closes),
        plan_source=answer.source,
        replications=runs,
        base=_figures(base.day),
        alternative=_figures(alternative.day),
        half_hours=half_hours,
    )


def roster_read(view: service.RosterView, *, locale: str) -> RosterRead:
    zone_names = {z.id: _name(z, locale) for z in view.zones}
    days = view.days
    basis = view.roster.basis
    shifts = [
        ShiftRead(
            staff_id=s.staff_id,
            day=days[s.day],
            zone_id=s.zone_id,
            zone=zone_names.get(s.zone_id, ""),
            window=view.seats.get((s.staff_id, s.day)) or None,
            start=clock(s.starts),
            end=clock(s.ends),
            lunch_start=clock(s.lunch_starts) if s.lunch_starts is not None else None,
            lunch_end=clock(s.lunch_ends) if s.lunch_ends is not None else None,
        )
        for s in view.shifts
    ]
    violations = [
        ViolationRead(
            rule=v.rule,
            title=RULE_TITLES[v.rule].render(locale) if v.rule in RULE_TITLES else v.rule,
            day=days[v.day] if 0 <= v.day < len(days) else view.roster.week_start + timedelta(days=v.day),
            staff_id=int(v.staff) if v.staff is not None and v.staff.isdigit() else None,
            detail=v.detail,
        )
        for v in view.violations
    ]
    replacements = [
        ReplacementRead(
            day=days[r.day],
            zone_id=int(r.zone),
            window=r.window,
            absent_staff_id=int(r.absent),
            replacement_staff_ids=[int(p) for p in r.replacements],
        )
        for r in view.scheme.replacements
    ]
    reliefs = [
        LunchReliefRead(
            day=days[r.day],
            zone_id=int(r.zone),
            window=r.window,
            staff_id=int(r.staff),
            lunch_start=clock(r.lunch[0]),
            lunch_end=clock(r.lunch[1]),
            relief_staff_id=int(r.relief) if r.relief is not None else None,
        )
        for r in view.scheme.reliefs
    ]
    return RosterRead(
        branch_id=view.branch.id,
        week_start=view.roster.week_start,
        updated_at=view.roster.updated_at,
        shortfall=view.roster.shortfall,
        opens=clock(int(basis.get("opens", 0))),
        closes=clock(int(basis.get("closes", 0))),
        skills_recorded=False,
        staff=[RosterStaffRead(id=s.id, full_name=s.full_name) for s in view.staff],
        shifts=shifts,
        violations=violations,
        replacements=replacements,
        lunch_reliefs=reliefs,
    )
