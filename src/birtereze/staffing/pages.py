"""The branch manager's staffing page: the demand forecast, the windows needed with the twin's what-if,
and the week's roster with its edits, exports and substitution scheme.

The page and its fragments are the manager's (``BranchManage``): a browser reaches them with the bearer
token in the ``Authorization`` header or, for a link, as ``access_token`` in the address (as the live
streams accept it); the page's script sends the token as a header with every request it makes. The
fragments take the API's JSON bodies and answer HTML; a refusal is the API's problem+json, whose
translated ``detail`` the page shows.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.core.i18n import _l
from birtereze.core.schemas import IsoDate, Names, PathId
from birtereze.staffing import presenters, service
from birtereze.staffing.api import shift_edit
from birtereze.staffing.errors import RosterNotFound
from birtereze.staffing.schemas import (
    ForecastRead,
    RequirementRead,
    RosterCreate,
    RosterRead,
    ShiftUpdate,
    WhatIfCreate,
    WhatIfRead,
)
from birtereze.web.deps import BranchManage, DbSession, Now, in_scope
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]
OptionalDay = Annotated[IsoDate | None, Query(description="The branch's local day; today by default")]
WHAT_IF_DEFAULT: Final = time(11, 0)
# The solver's time on the page grows with the staff (the API takes a limit of its own, up to 60 s). A
# first roster within the rules takes well under a second; the rest of the time improves its cover.
ROSTER_SECONDS_PER_OPERATOR: Final = 0.5
ROSTER_TIME_LIMITS: Final = (3, 10)
# The twin's figures shown before and after, in order: (field, kind) — kind says how to print it.
WHAT_IF_FIGURES: Final = (
    ("mean_wait_s", "minutes"),
    ("p90_wait_s", "minutes"),
    ("over_norm", "percent"),
    ("service_level", "percent"),
    ("abandonment", "percent"),
    ("utilisation", "percent"),
    ("window_hours", "hours"),
)

EXPECTED: Final = _l("Expected tickets")
TOTAL: Final = _l("Total")
WINDOWS_NEEDED: Final = _l("Windows needed")
MEAN_WAIT: Final = _l("Mean wait, min")
THE_PLAN: Final = _l("The plan")
ONE_MORE: Final = _l("With one more window")

Chart = dict[str, Any]


def forecast_chart(forecast: ForecastRead, locale: str) -> Chart:
    """Stacked bars of each queue's expected tickets per half hour, and the total as a line."""
    bars = [{"label": f"{q.prefix} — {q.name}", "data": q.arrivals, "type": "bar"} for q in forecast.queues]
    total = {"label": TOTAL.render(locale), "data": forecast.total, "type": "line"}
    return {
        "labels": forecast.slots,
        "y": EXPECTED.render(locale),
        "stacked": True,
        "datasets": [total, *bars],
    }


def zone_charts(requirement: RequirementRead, locale: str) -> dict[int, Chart]:
    """Per zone: windows needed (bars) and expected tickets (a line on the second axis)."""
    charts = {}
    for zone in requirement.zones:
        charts[zone.zone_id] = {
            "labels": [i.start for i in zone.intervals],
            "y": WINDOWS_NEEDED.render(locale),
            "y2": EXPECTED.render(locale),
            "stacked": False,
            "datasets": [
                {
                    "label": WINDOWS_NEEDED.render(locale),
                    "data": [i.windows_needed for i in zone.intervals],
                    "type": "bar",
                },
                {
                    "label": EXPECTED.render(locale),
                    "data": [i.arrivals for i in zone.intervals],
                    "type": "line",
                    "axis": "y2",
                },
            ],
        }
    return charts


def what_if_chart(result: WhatIfRead, locale: str) -> Chart:
    """Mean wait per half hour (minutes) under the plan and with the extra window."""

    def minutes(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v / 60, 1) for v in values]

    return {
        "labels": [h.start for h in result.half_hours],
        "y": MEAN_WAIT.render(locale),
        "stacked": False,
        "datasets": [
            {
                "label": THE_PLAN.render(locale),
                "data": minutes([h.base_mean_wait_s for h in result.half_hours]),
                "type": "line",
            },
            {
                "label": ONE_MORE.render(locale),
                "data": minutes([h.alternative_mean_wait_s for h in result.half_hours]),
                "type": "line",
            },
        ],
    }


async def roster_time_limit(session: AsyncSession, *, branch_id: int) -> int:
    """Seconds the page gives the roster solver: more people, a larger model."""
    operators = len(await service.roster_staff(session, branch_id=branch_id))
    low, high = ROSTER_TIME_LIMITS
    return max(low, min(high, round(operators * ROSTER_SECONDS_PER_OPERATOR)))


def _zone_names(setup: service.BranchSetup, locale: str) -> dict[int, str]:
    return {zone.id: str(getattr(Names.of(zone), locale)) for zone in setup.zones}


async def _roster_context(
    session: AsyncSession, *, branch_id: int, week: date, locale: str
) -> dict[str, Any]:
    week_start = service.week_of(week)
    try:
        view = await service.get_roster(session, branch_id=branch_id, week=week_start)
    except RosterNotFound:
        roster: RosterRead | None = None
    else:
        roster = presenters.roster_read(view, locale=locale)
    days = [week_start + timedelta(days=i) for i in range(service.WEEK)]
    cells: dict[tuple[int, date], Any] = {}
    if roster is not None:
        cells = {(shift.staff_id, shift.day): shift for shift in roster.shifts}
    names = {person.id: person.full_name for person in roster.staff} if roster else {}
    return {"roster": roster, "week_start": week_start, "days": days, "cells": cells, "names": names}


@router.get("/manage/branches/{branch_id}/staffing", name="staffing_page")
async def staffing_page(
    branch_id: PathId,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
    day: OptionalDay = None,
    week: OptionalDay = None,
) -> HTMLResponse:
    """The three sections of the manager's staffing page for one day (forecast, twin) and its week."""
    in_scope(principal, branch_id)
    setup = await service.load_setup(session, branch_id=branch_id)
    today = service.today(setup, now)
    day = day or today
    service.check_day(day)
    forecast = await service.forecast_day(session, setup, day=day, now=now)
    needed = await service.requirement(session, setup, forecast=forecast, now=now, norms=service.Norms())
    roster = await _roster_context(session, branch_id=branch_id, week=week or day, locale=locale)
    forecast_view = presenters.forecast_read(forecast, setup, locale=locale)
    requirement_view = presenters.requirement_read(needed, branch_id=branch_id, locale=locale)
    context = {
        "branch": setup.branch,
        "branch_name": str(getattr(Names.of(setup.branch), locale)),
        "day": day,
        "forecast": forecast_view,
        "forecast_chart": forecast_chart(forecast_view, locale),
        "requirement": requirement_view,
        "zone_charts": zone_charts(requirement_view, locale),
        "staffed_zones": _staffed(setup, locale),
        "what_if_default": WHAT_IF_DEFAULT.strftime("%H:%M"),
        "token": request.query_params.get("access_token", ""),
        "roster_time_limit_s": await roster_time_limit(session, branch_id=branch_id),
        **roster,
    }
    return render(request, "staffing/page.html", context, locale=locale)


@router.post("/manage/branches/{branch_id}/staffing/what-if", name="staffing_what_if")
async def staffing_what_if(
    branch_id: PathId,
    body: WhatIfCreate,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """The what-if's answer as the page shows it: the day's figures before and after, and a chart."""
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
    result: WhatIfRead = presenters.what_if_read(answer, branch_id=branch_id, locale=locale)
    context = {"result": result, "figures": WHAT_IF_FIGURES, "chart": what_if_chart(result, locale)}
    return render(request, "staffing/_what_if.html", context, locale=locale)


async def _roster_fragment(
    request: Request, session: AsyncSession, *, branch_id: int, week: date, locale: str
) -> HTMLResponse:
    setup = await service.load_setup(session, branch_id=branch_id)
    roster = await _roster_context(session, branch_id=branch_id, week=week, locale=locale)
    context = {
        "branch": setup.branch,
        "staffed_zones": _staffed(setup, locale),
        "token": "",
        "roster_time_limit_s": await roster_time_limit(session, branch_id=branch_id),
        **roster,
    }
    return render(request, "staffing/_roster.html", context, locale=locale)


def _staffed(setup: service.BranchSetup, locale: str) -> list[tuple[int, str]]:
    """(id, name) of the zones a roster or the twin can staff."""
    names = _zone_names(setup, locale)
    return [(zone.id, names[zone.id]) for zone in setup.staffed_zones()]


@router.post("/manage/branches/{branch_id}/staffing/roster", name="staffing_roster_create")
async def staffing_roster_create(
    branch_id: PathId,
    body: RosterCreate,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """Make (or remake) the week's roster and answer its section."""
    in_scope(principal, branch_id)
    await service.create_roster(
        session,
        branch_id=branch_id,
        week=body.week,
        now=now,
        norms=service.Norms(),
        time_limit_s=body.time_limit_s,
    )
    return await _roster_fragment(request, session, branch_id=branch_id, week=body.week, locale=locale)


@router.put("/manage/branches/{branch_id}/staffing/roster/shift", name="staffing_roster_shift")
async def staffing_roster_shift(
    branch_id: PathId,
    body: ShiftUpdate,
    request: Request,
    session: DbSession,
    now: Now,
    principal: BranchManage,
    locale: PageLocale,
) -> HTMLResponse:
    """Change one cell, checked by the rule checker; a refusal is a 409 problem naming the rule."""
    in_scope(principal, branch_id)
    service.check_day(body.week)
    service.check_day(body.day)
    await service.edit_shift(session, branch_id=branch_id, week=body.week, edit=shift_edit(body), now=now)
    return await _roster_fragment(request, session, branch_id=branch_id, week=body.week, locale=locale)
