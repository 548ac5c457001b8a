"""REST routes of staffing: demand forecast, windows needed, the twin's what-if, and weekly rosters.

Every route is the branch manager's (``BranchManage``) and answers 404 for a branch outside the caller's
scope. Days are the branch's local days; times are its local HH:MM.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from birtereze.core.schemas import IsoDate, Names, PathId
from birtereze.staffing import presenters, service
from birtereze.staffing.errors import InvalidShift
from birtereze.staffing.schemas import (
    ForecastRead,
    RequirementRead,
    RosterCreate,
    RosterRead,
    ShiftUpdate,
    WhatIfCreate,
    WhatIfRead,
)
from birtereze.web.deps import BranchManage, DbSession, Locale, Now, in_scope
from birtereze.web.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["staffing"])

Day = Annotated[IsoDate, Query(description="The branch's local day (YYYY-MM-DD)")]
Week = Annotated[IsoDate, Query(description="Any day of the week (YYYY-MM-DD); rosters start on Monday")]
ServiceLevel = Annotated[
    float, Query(ge=0.5, le=0.99, description="Share of tickets to call within the maximum wait")
]
Shrinkage = Annotated[float, Query(ge=0.0, le=0.6, description="Share of paid time away from the windows")]
Occupancy = Annotated[float, Query(ge=0.5, le=1.0, description="Highest share of time a window may be busy")]
Patience = Annotated[
    float | None,
    Query(
        ge=1.0, le=240.0, description="Mean patience in minutes (Erlang A); none: nobody leaves (Erlang C)"
    ),
]


@router.get(
    "/branches/{branch_id}/staffing/forecast", operation_id="getDemandForecast", response_model=ForecastRead
)
async def get_demand_forecast(
    branch_id: PathId, day: Day, session: DbSession, now: Now, principal: BranchManage, locale: Locale
) -> Response:
    """Expected tickets per queue and half hour of a day, from the last eight weeks of tickets issued."""
    in_scope(principal, branch_id)
    setup = await service.load_setup(session, branch_id=branch_id)
    forecast = await service.forecast_day(session, setup, day=day, now=now)
    return model_response(presenters.forecast_read(forecast, setup, locale=locale))


@router.get(
    "/branches/{branch_id}/staffing/requirement",
    operation_id="getStaffingRequirement",
    response_model=RequirementRead,
)
async def get_staffing_requirement(
    branch_id: PathId,
    day: Day,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: Locale,
    target_service_level: ServiceLevel = 0.8,
    shrinkage: Shrinkage = 0.1,
    max_occupancy: Occupancy = 0.85,
    patience_min: Patience = None,
) -> Response:
    """Windows needed per zone and half hour (Erlang C, or A with a patience) for the branch's norm."""
    in_scope(principal, branch_id)
    norms = service.Norms(
        target_service_level=target_service_level,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        patience_s=patience_min * 60 if patience_min is not None else None,
    )
    setup = await service.load_setup(session, branch_id=branch_id)
    forecast = await service.forecast_day(session, setup, day=day, now=now)
    needed = await service.requirement(session, setup, forecast=forecast, now=now, norms=norms)
    return model_response(presenters.requirement_read(needed, branch_id=branch_id, locale=locale))


@router.post("/branches/{branch_id}/staffing/what-if", operation_id="runWhatIf", response_model=WhatIfRead)
async def run_what_if(
    branch_id: PathId,
    body: WhatIfCreate,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: Locale,
) -> Response:
    """The day's plan in the digital twin, and the same day with one more window from ``opens_at``."""
    in_scope(principal, branch_id)
    answer = await service.what_if(
        session,
        branch_id=branch_id,
        day=body.day,
        opens=body.opens_at,
        zone_id=body.zone_id,
        now=now,
        norms=service.Norms(),
    )
    return model_response(presenters.what_if_read(answer, branch_id=branch_id, locale=locale))


@router.get("/branches/{branch_id}/roster", operation_id="getRoster", response_model=RosterRead)
async def get_roster(
    branch_id: PathId, week: Week, session: DbSession, principal: BranchManage, locale: Locale
) -> Response:
    """The week's roster: shifts with lunches and windows, the rules it breaks, the substitution scheme."""
    in_scope(principal, branch_id)
    view = await service.get_roster(session, branch_id=branch_id, week=week)
    return model_response(presenters.roster_read(view, locale=locale))


@router.post(
    "/branches/{branch_id}/roster", operation_id="createRoster", response_model=RosterRead, status_code=201
)
async def create_roster(
    branch_id: PathId,
    body: RosterCreate,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: Locale,
) -> Response:
    """Solve the week's roster for the branch's operators from the forecast's requirement (replaces any)."""
    in_scope(principal, branch_id)
    view = await service.create_roster(
        session,
        branch_id=branch_id,
        week=body.week,
        now=now,
        norms=service.Norms(),
        time_limit_s=body.time_limit_s,
    )
    return model_response(presenters.roster_read(view, locale=locale), status_code=201)


def shift_edit(body: ShiftUpdate) -> service.ShiftEdit:
    """A cell's change in the service's terms; the day must lie in the roster's week."""
    day = (body.day - service.week_of(body.week)).days
    if not 0 <= day < service.WEEK:
        raise InvalidShift()
    return service.ShiftEdit(
        staff_id=body.staff_id,
        day=day,
        zone_id=body.zone_id,
        starts=service.minute_of(body.start),
        ends=service.minute_of(body.end),
        lunch_starts=service.minute_of(body.lunch_start),
    )


@router.put(
    "/branches/{branch_id}/roster/shift",
    operation_id="updateRosterShift",
    response_model=RosterRead,
    responses={409: {"description": "The change breaks a rule the roster kept (the rule is named)"}},
)
async def update_roster_shift(
    branch_id: PathId,
    body: ShiftUpdate,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: Locale,
) -> Response:
    """Change one cell (a shift, or a day off); refused with 409 when it breaks a labour rule or the cover."""
    in_scope(principal, branch_id)
    service.check_day(body.week)
    service.check_day(body.day)
    view = await service.edit_shift(
        session, branch_id=branch_id, week=body.week, edit=shift_edit(body), now=now
    )
    return model_response(presenters.roster_read(view, locale=locale))


@router.get(
    "/branches/{branch_id}/roster.csv",
    operation_id="exportRosterCsv",
    response_class=Response,
    responses={
        200: {"description": "One row per shift", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def export_roster_csv(
    branch_id: PathId, week: Week, session: DbSession, principal: BranchManage, locale: Locale
) -> Response:
    """The week's roster as CSV: day, person, zone, window, start, end and lunch."""
    in_scope(principal, branch_id)
    view = await service.get_roster(session, branch_id=branch_id, week=week)
    names = {zone.id: str(getattr(Names.of(zone), locale)) for zone in view.zones}
    week_start: date = view.roster.week_start
    return Response(
        content=service.roster_csv(view, zone_names=names),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="roster-{branch_id}-{week_start.isoformat()}.csv"',
            "Content-Language": locale,
        },
    )
